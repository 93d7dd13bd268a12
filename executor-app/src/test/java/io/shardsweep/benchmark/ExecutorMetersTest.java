package io.shardsweep.benchmark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.shardsweep.benchmark.ExecutorMeters.ClaimTrace;
import org.junit.jupiter.api.Test;

/** The benchmark's reading of an executor's meters: what its figures are computed from. */
class ExecutorMetersTest {

    @Test
    void a_scrape_sums_the_samples_whose_labels_match() {
        ExecutorMeters.Scrape scrape = ExecutorMeters.parse("""
                # HELP shardsweep_claim_duration_seconds claims
                # TYPE shardsweep_claim_duration_seconds summary
                shardsweep_claim_duration_seconds_count{application="shardsweep-executor",from="own",shard="0/2"} 40
                shardsweep_claim_duration_seconds_sum{application="shardsweep-executor",from="own",shard="0/2"} 4.5
                shardsweep_claim_duration_seconds_count{application="shardsweep-executor",from="overdue",shard="0/2"} 3
                jvm_memory_used_bytes{area="heap",id="G1 Eden Space"} 1048576.0
                jvm_memory_used_bytes{area="heap",id="G1 Old Gen"} 2097152.0
                jvm_memory_used_bytes{area="nonheap",id="Metaspace"} 9.9E7
                process_uptime_seconds 12.5
                """);

        assertThat(scrape.sum("shardsweep_claim_duration_seconds_count", "from", "own")).isEqualTo(40);
        assertThat(scrape.sum("shardsweep_claim_duration_seconds_count")).isEqualTo(43);
        assertThat(scrape.sum("jvm_memory_used_bytes", "area", "heap")).isEqualTo(3 * 1048576.0);
        assertThat(scrape.sum("process_uptime_seconds")).isEqualTo(12.5);
        assertThat(scrape.has("shardsweep_finish_duration_seconds_sum")).isFalse();
    }

    @Test
    void the_claim_trace_gives_the_mean_latency_of_the_first_and_the_last_share_of_the_claims() {
        // 100 claims: the first 20 at 50 ms each, then 60 at 80 ms, the last 20 at 120 ms.
        long[] counts = {0, 10, 20, 50, 80, 90, 100};
        double[] sums = {0, 0.5, 1.0, 3.4, 5.8, 7.0, 8.2};
        ClaimTrace trace = new ClaimTrace(counts, sums);

        assertThat(trace.claims()).isEqualTo(100);
        assertThat(trace.meanMs(0.1, true)).isCloseTo(50, within(1e-9));
        assertThat(trace.meanMs(0.2, true)).isCloseTo(50, within(1e-9));
        assertThat(trace.meanMs(0.1, false)).isCloseTo(120, within(1e-9));
        // a share that no sample boundary meets exactly takes the first boundary past it
        assertThat(trace.meanMs(0.3, true)).isCloseTo(1000 * 3.4 / 50, within(1e-9));
    }

    @Test
    void the_claim_trace_starts_from_the_first_sample_not_from_zero() {
        ClaimTrace trace = new ClaimTrace(new long[] {500, 510, 520}, new double[] {60.0, 61.0, 62.5});

        assertThat(trace.claims()).isEqualTo(20);
        assertThat(trace.meanMs(0.5, true)).isCloseTo(100, within(1e-9));
        assertThat(trace.meanMs(0.5, false)).isCloseTo(150, within(1e-9));
    }

    @Test
    void a_trace_of_fewer_than_two_claims_has_no_mean() {
        assertThat(new ClaimTrace(new long[] {7}, new double[] {1.0}).meanMs(0.1, true)).isNaN();
        assertThat(new ClaimTrace(new long[] {7, 8}, new double[] {1.0, 1.1}).meanMs(0.1, false)).isNaN();
        assertThat(new ClaimTrace(new long[0], new double[0]).claims()).isZero();
    }
}
