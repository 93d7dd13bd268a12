package io.shardsweep.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ShardSweepPropertiesTest {

    @Test
    void a_pool_size_of_zero_means_one_thread_per_core() {
        assertThat(valid(0, 200, Duration.ofMinutes(5)).deletePoolSize()).isEqualTo(Runtime.getRuntime().availableProcessors());
    }

    @Test
    void leases_are_renewed_four_times_per_stale_threshold() {
        assertThat(valid(2, 200, Duration.ofMinutes(5)).leaseRenewInterval()).isEqualTo(Duration.ofSeconds(75));
    }

    @Test
    void a_missing_storage_root_is_refused_with_the_property_name() {
        assertThatThrownBy(() -> new ShardSweepProperties(null, null, 2, 200, 5000, Duration.ofMinutes(5), Duration.ofHours(6),
                Duration.ofSeconds(30), 3, Duration.ofMinutes(1), Duration.ofMinutes(5), 500, 1000, Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(2), true, 2, 16))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shardsweep.storage-root must be set");
    }

    @Test
    void a_batch_size_above_the_maximum_is_refused() {
        assertThatThrownBy(() -> valid(2, 6000, Duration.ofMinutes(5)))
                .hasMessageContaining("shardsweep.batch-size must be between 1 and 5000, got 6000");
    }

    @Test
    void a_run_timeout_above_its_cap_is_refused() {
        assertThatThrownBy(() -> new ShardSweepProperties("/srv", null, 2, 200, 5000, Duration.ofHours(7), Duration.ofHours(6),
                Duration.ofSeconds(30), 3, Duration.ofMinutes(1), Duration.ofMinutes(5), 500, 1000, Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(2), true, 2, 16))
                .hasMessageContaining("exceeds shardsweep.max-run-timeout");
    }

    @Test
    void a_negative_duration_or_a_tiny_stale_threshold_is_refused() {
        assertThatThrownBy(() -> valid(2, 200, Duration.ofSeconds(-1))).hasMessageContaining("shardsweep.stale-threshold must be a positive duration");
        assertThatThrownBy(() -> valid(2, 200, Duration.ofSeconds(2))).hasMessageContaining("at least 4s");
    }

    @Test
    void sweep_after_is_two_minutes_by_default_zero_turns_it_off_and_below_one_second_or_negative_is_refused() {
        assertThat(withSweepAfter(Duration.ZERO).sweepAfter()).isZero();
        assertThat(withSweepAfter(Duration.ofSeconds(1)).sweepAfter()).isEqualTo(Duration.ofSeconds(1));
        assertThatThrownBy(() -> withSweepAfter(Duration.ofMillis(500)))
                .hasMessageContaining("shardsweep.sweep-after must be 0 (off) or at least 1s, got PT0.5S");
        assertThatThrownBy(() -> withSweepAfter(Duration.ofSeconds(-1))).hasMessageContaining("shardsweep.sweep-after must be 0 (off)");
        assertThatThrownBy(() -> withSweepAfter(null)).hasMessageContaining("shardsweep.sweep-after must be 0 (off)");
    }

    @Test
    void sweep_after_binds_from_its_key_with_a_two_minute_default() {
        assertThat(bind(java.util.Map.of("shardsweep.storage-root", "/srv")).sweepAfter()).isEqualTo(Duration.ofMinutes(2));
        assertThat(bind(java.util.Map.of("shardsweep.storage-root", "/srv", "shardsweep.sweep-after", "0")).sweepAfter()).isZero();
    }

    @Test
    void delete_chunk_size_binds_from_its_key_with_a_default_of_16_and_outside_1_to_1000_is_refused() {
        assertThat(bind(java.util.Map.of("shardsweep.storage-root", "/srv")).deleteChunkSize()).isEqualTo(16);
        assertThat(bind(java.util.Map.of("shardsweep.storage-root", "/srv", "shardsweep.delete-chunk-size", "1"))
                .deleteChunkSize()).isEqualTo(1);
        assertThatThrownBy(() -> bind(java.util.Map.of("shardsweep.storage-root", "/srv", "shardsweep.delete-chunk-size", "0")))
                .hasStackTraceContaining("shardsweep.delete-chunk-size must be between 1 and 1000, got 0");
        assertThatThrownBy(() -> bind(java.util.Map.of("shardsweep.storage-root", "/srv", "shardsweep.delete-chunk-size", "1001")))
                .hasStackTraceContaining("shardsweep.delete-chunk-size must be between 1 and 1000, got 1001");
    }

    private static ShardSweepProperties bind(java.util.Map<String, String> settings) {
        return new org.springframework.boot.context.properties.bind.Binder(
                        new org.springframework.boot.context.properties.source.MapConfigurationPropertySource(settings))
                .bind("shardsweep", ShardSweepProperties.class).get();
    }

    private static ShardSweepProperties withSweepAfter(Duration sweepAfter) {
        return new ShardSweepProperties("/srv", null, 2, 200, 5000, Duration.ofMinutes(5), Duration.ofHours(6),
                Duration.ofSeconds(30), 3, Duration.ofMinutes(1), Duration.ofMinutes(5), 500, 1000, Duration.ofSeconds(10), Duration.ofSeconds(30),
                sweepAfter, true, 2, 16);
    }

    private static ShardSweepProperties valid(int pool, int batch, Duration staleThreshold) {
        return new ShardSweepProperties("/srv", null, pool, batch, 5000, Duration.ofMinutes(5), Duration.ofHours(6),
                Duration.ofSeconds(30), 3, Duration.ofMinutes(1), staleThreshold, 500, 1000, Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(2), true, 2, 16);
    }
}
