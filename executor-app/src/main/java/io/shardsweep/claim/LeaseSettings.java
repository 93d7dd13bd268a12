package io.shardsweep.claim;

import io.shardsweep.config.ShardSweepProperties;
import java.time.Duration;

/**
 * The two settings the claim needs: how long a claimed row's lease lasts ({@code shardsweep.stale-threshold})
 * and how often a live run renews it ({@code shardsweep.lease-renew-interval}).
 */
public record LeaseSettings(Duration lease, Duration renewInterval) {

    public static LeaseSettings from(ShardSweepProperties properties) {
        return new LeaseSettings(properties.staleThreshold(), properties.leaseRenewInterval());
    }
}
