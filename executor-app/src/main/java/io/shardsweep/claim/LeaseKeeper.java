package io.shardsweep.claim;

import io.shardsweep.IdChunks;
import io.shardsweep.config.ShardSweepProperties;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * Keeps the leases of this instance's open claims alive, so that slow deletions are never taken
 * for a dead owner by the compensation job. If this instance dies, renewal stops with it and its
 * rows become stale after {@code shardsweep.stale-threshold}.
 */
@Component
public class LeaseKeeper implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(LeaseKeeper.class);

    private final ClaimMapper mapper;
    private final Clock clock;
    private final ShardSweepProperties properties;
    private final Set<String> tokens = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "shardsweep-lease-keeper");
        thread.setDaemon(true);
        return thread;
    });

    public LeaseKeeper(ClaimMapper mapper, Clock clock, ShardSweepProperties properties) {
        this.mapper = mapper;
        this.clock = clock;
        this.properties = properties;
        long periodMillis = properties.leaseRenewInterval().toMillis();
        scheduler.scheduleWithFixedDelay(this::renewAndLogErrors, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    }

    public void track(String token) {
        tokens.add(token);
    }

    public void release(String token) {
        tokens.remove(token);
    }

    /**
     * Renews every tracked claim now; returns the rows renewed. Claim by claim and by primary key in
     * id order, the order the finishing transaction locks in, so renewal and finish at worst wait
     * for each other. A claim whose renewal fails is retried next round; the others still renew.
     */
    public int renewNow() {
        Instant leaseUntil = clock.instant().plus(properties.staleThreshold());
        int renewed = 0;
        for (String token : List.copyOf(tokens)) {
            try {
                for (List<Long> chunk : IdChunks.of(mapper.findIdsByToken(token))) {
                    renewed += mapper.renewLeases(token, chunk, leaseUntil);
                }
            } catch (RuntimeException e) {
                log.warn("Could not renew the lease of claim {}; next try in {}: {}", token, properties.leaseRenewInterval(), e.toString());
            }
        }
        return renewed;
    }

    private void renewAndLogErrors() {
        try {
            int renewed = renewNow();
            log.debug("Renewed the lease of {} in-progress rows.", renewed);
        } catch (RuntimeException e) {
            // Keep the loop alive: a passing database outage must not end renewal for good.
            log.warn("Could not renew claim leases; will retry in {}: {}", properties.leaseRenewInterval(), e.toString());
        }
    }

    @Override
    public void destroy() {
        scheduler.shutdownNow();
    }
}
