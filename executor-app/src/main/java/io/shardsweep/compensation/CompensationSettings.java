package io.shardsweep.compensation;

import io.shardsweep.config.ShardSweepProperties;

/**
 * What compensation needs: rows per page ({@code shardsweep.compensation-page-size}) and the attempt
 * budget ({@code shardsweep.max-attempts}), past which a stale row goes DEAD instead of PENDING.
 */
public record CompensationSettings(int pageSize, int maxAttempts) {

    public static CompensationSettings from(ShardSweepProperties properties) {
        return new CompensationSettings(properties.compensationPageSize(), properties.maxAttempts());
    }
}
