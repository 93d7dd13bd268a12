package io.shardsweep.claim;

import io.shardsweep.IdChunks;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
    private final LeaseSettings settings;
    private final Map<String, Lease> leases = new ConcurrentHashMap<>();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "shardsweep-lease-keeper");
        thread.setDaemon(true);
        return thread;
    });

    public LeaseKeeper(ClaimMapper mapper, Clock clock, LeaseSettings settings) {
        this.mapper = mapper;
        this.clock = clock;
        this.settings = settings;
        long periodMillis = settings.renewInterval().toMillis();
        scheduler.scheduleWithFixedDelay(this::renewAndLogErrors, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    }

    /** Renews the claim's rows from now on, until {@link #release}. */
    public void track(ClaimedBatch batch) {
        leases.put(batch.token(), new Lease(batch.ids().stream().sorted().toList(), batch.leaseUntil()));
    }

    /**
     * Stops renewing the claim. Waits for a renewal of it that is under way (it may be waiting for a
     * connection during an outage), so that no renewal lands after this returns: rows a failed finish
     * left IN_PROGRESS must expire on time for compensation, not one lease later.
     */
    public void release(String token) {
        Lease lease = leases.remove(token);
        if (lease != null) {
            synchronized (lease) {
                lease.released = true;
            }
        }
    }

    /**
     * The lease end this instance last wrote on every row of the claim: the claim's own, or that of the
     * latest renewal that reached all of its rows. A renewal that fails, or finds rows no longer owned
     * by the claim, leaves it unchanged. Empty if the claim is not tracked.
     */
    public Optional<Instant> leaseUntil(String token) {
        return Optional.ofNullable(leases.get(token)).map(lease -> lease.until);
    }

    /**
     * Renews every tracked claim now; returns the rows renewed. Claim by claim and by primary key in
     * id order, the order the finishing transaction locks in, so renewal and finish at worst wait
     * for each other. A claim whose renewal fails is retried next round; the others still renew.
     */
    public int renewNow() {
        Instant leaseUntil = clock.instant().plus(settings.lease());
        int renewed = 0;
        for (Map.Entry<String, Lease> entry : List.copyOf(leases.entrySet())) {
            String token = entry.getKey();
            Lease lease = entry.getValue();
            synchronized (lease) {
                if (!lease.released) {
                    renewed += renew(token, lease, leaseUntil);
                }
            }
        }
        return renewed;
    }

    /** One claim's renewal; its rows renewed (0 if it failed). Called holding the lease's monitor. */
    private int renew(String token, Lease lease, Instant leaseUntil) {
        try {
            int rows = 0;
            for (List<Long> chunk : IdChunks.of(lease.ids)) {
                rows += mapper.renewLeases(token, chunk, leaseUntil);
            }
            if (rows == lease.ids.size()) {
                lease.until = leaseUntil;
            } else {
                // Finished while we renewed, or taken over: some rows no longer carry our lease.
                log.debug("Renewed {} of the {} rows of claim {}; its lease end stays {}", rows, lease.ids.size(), token, lease.until);
            }
            return rows;
        } catch (RuntimeException e) {
            log.warn("Could not renew the lease of claim {} (ends {}); next try in {}: {}", token, lease.until,
                    settings.renewInterval(), e.toString());
            return 0;
        }
    }

    private void renewAndLogErrors() {
        try {
            int renewed = renewNow();
            log.debug("Renewed the lease of {} in-progress rows.", renewed);
        } catch (RuntimeException e) {
            // Keep the loop alive: a passing database outage must not end renewal for good.
            log.warn("Could not renew claim leases; will retry in {}: {}", settings.renewInterval(), e.toString());
        }
    }

    @Override
    public void destroy() {
        scheduler.shutdownNow();
    }

    /** A tracked claim: its ids in ascending order and the lease end last written on all of them. */
    private static final class Lease {
        private final List<Long> ids;
        private volatile Instant until;
        /** Set by {@link LeaseKeeper#release}; guarded by this lease's monitor, which a renewal holds. */
        private boolean released;

        Lease(List<Long> ids, Instant until) {
            this.ids = ids;
            this.until = until;
        }
    }
}
