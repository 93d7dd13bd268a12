package io.shardsweep.run;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One trigger's settings, after the executor parameter was parsed and checked against the limits.
 *
 * @param requeueIds rows to requeue before cleaning (DEAD or PENDING ones of this shard)
 * @param requeueDead requeue every DEAD row of this shard before cleaning
 * @param sweepAfter once its own shard is drained, the run claims rows of other shards due for longer than
 *                   this ({@code shardsweep.sweep-after}); zero: no sweep
 */
public record RunParameters(int batchSize, Duration timeout, boolean dryRun, List<Long> requeueIds, boolean requeueDead,
                            Duration sweepAfter) {

    public RunParameters {
        requeueIds = List.copyOf(requeueIds);
        Objects.requireNonNull(sweepAfter, "sweepAfter");
        if (sweepAfter.isNegative()) {
            throw new IllegalArgumentException("sweepAfter must not be negative, got " + sweepAfter);
        }
    }

    /** Without requeues, and without sweeping other shards. */
    public RunParameters(int batchSize, Duration timeout, boolean dryRun) {
        this(batchSize, timeout, dryRun, List.of(), false, Duration.ZERO);
    }

    public RunParameters withSweepAfter(Duration sweepAfter) {
        return new RunParameters(batchSize, timeout, dryRun, requeueIds, requeueDead, sweepAfter);
    }

    public boolean sweeps() {
        return !sweepAfter.isZero();
    }
}
