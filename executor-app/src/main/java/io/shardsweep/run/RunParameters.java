package io.shardsweep.run;

import java.time.Duration;
import java.util.List;

/**
 * One trigger's settings, after the executor parameter was parsed and checked against the limits.
 *
 * @param requeueIds rows to requeue before cleaning (DEAD or PENDING ones of this shard)
 * @param requeueDead requeue every DEAD row of this shard before cleaning
 */
public record RunParameters(int batchSize, Duration timeout, boolean dryRun, List<Long> requeueIds, boolean requeueDead) {

    public RunParameters {
        requeueIds = List.copyOf(requeueIds);
    }

    public RunParameters(int batchSize, Duration timeout, boolean dryRun) {
        this(batchSize, timeout, dryRun, List.of(), false);
    }
}
