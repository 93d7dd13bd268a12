package io.shardsweep.finish;

import io.shardsweep.config.ShardSweepProperties;
import java.time.Duration;

/**
 * How a failed row is retried: at most {@code maxAttempts} attempts ({@code shardsweep.max-attempts}),
 * then DEAD; the pause before the next is {@code backoff} ({@code shardsweep.retry-backoff}), doubled
 * for each earlier failure.
 */
public record RetrySettings(int maxAttempts, Duration backoff) {

    public static RetrySettings from(ShardSweepProperties properties) {
        return new RetrySettings(properties.maxAttempts(), properties.retryBackoff());
    }
}
