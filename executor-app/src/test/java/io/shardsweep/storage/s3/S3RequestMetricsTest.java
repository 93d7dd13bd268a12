package io.shardsweep.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class S3RequestMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final S3RequestMetrics metrics = new S3RequestMetrics(registry);

    @Test
    void the_error_counter_exists_at_zero_before_the_first_error() {
        assertThat(registry.get("shardsweep.s3.errors").tag("code", S3RequestMetrics.OTHER).counter().count()).isZero();
    }

    @Test
    void error_codes_are_counted_apart_up_to_a_limit_and_the_rest_is_folded_into_other() {
        for (int i = 0; i < S3RequestMetrics.MAX_CODES + 10; i++) {
            metrics.error("Code" + i);
        }
        metrics.error("Code0"); // a code already kept stays apart

        assertThat(registry.find("shardsweep.s3.errors").counters()).as("distinct code series").hasSize(S3RequestMetrics.MAX_CODES);
        assertThat(count("Code0")).isEqualTo(2);
        // "other" holds one of the places from the start: Code0 to Code48 are kept, Code49 to Code59 folded.
        assertThat(count("Code48")).isEqualTo(1);
        assertThat(count(S3RequestMetrics.OTHER)).isEqualTo(11);
    }

    @Test
    void a_code_that_is_not_an_s3_token_is_counted_as_other() {
        metrics.error("<script>alert(1)</script>");
        metrics.error(null);
        metrics.error("x".repeat(65));

        assertThat(count(S3RequestMetrics.OTHER)).isEqualTo(3);
    }

    private double count(String code) {
        Counter counter = registry.find("shardsweep.s3.errors").tag("code", code).counter();
        return counter == null ? 0 : counter.count();
    }
}
