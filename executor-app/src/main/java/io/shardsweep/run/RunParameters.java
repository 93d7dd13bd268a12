package io.shardsweep.run;

import java.time.Duration;

/** One trigger's settings, after the executor parameter was parsed and checked against the limits. */
public record RunParameters(int batchSize, Duration timeout, boolean dryRun) {
}
