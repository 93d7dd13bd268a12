package io.shardsweep.claim;

import io.shardsweep.IdChunks;
import io.shardsweep.ShardSweepException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Isolation;
import org.springframework.transaction.annotation.Transactional;

/** Owns claiming: takes a batch of due rows of one shard for this instance. */
@Service
public class TaskClaimer {

    /** How often a claim reads its candidates while every one it finds is held by another claim. */
    private static final int MAX_ATTEMPTS = 4;
    /** The pause after the first such read; each further pause is longer by as much. */
    private static final Duration RETRY_PAUSE = Duration.ofMillis(10);

    private final ClaimMapper mapper;
    private final Clock clock;
    private final LeaseSettings lease;
    private final InstanceIdentity identity;

    public TaskClaimer(ClaimMapper mapper, Clock clock, LeaseSettings lease, InstanceIdentity identity) {
        this.mapper = mapper;
        this.clock = clock;
        this.lease = lease;
        this.identity = identity;
    }

    /**
     * Claims up to {@code limit} due rows of the shard in one READ COMMITTED transaction: reads
     * candidates without locks, locks those no other claim holds, stamps them. Either the whole batch
     * is claimed and known, or nothing is. Never waits for a row lock. The batch is smaller than
     * {@code limit} when other claims hold rows of the shard; it is empty only when no row of the
     * shard is due, or every due row it found stayed held by other claims over a few short pauses.
     */
    @Transactional(isolation = Isolation.READ_COMMITTED)
    public ClaimedBatch claim(ShardAssignment shard, int limit) {
        return claimFrom(now -> mapper.findDue(shard.index(), shard.total(), now, limit));
    }

    /**
     * The sweep: claims, exactly as {@link #claim} does, up to {@code limit} PENDING rows of the other
     * shards that have been due for longer than {@code overdueAfter} (due since the later of created_at
     * and not_before). A row of a live shard is taken by its own instance long before that, so these are
     * the rows of an instance that is dead, frozen or was not triggered. Empty when there is none.
     */
    @Transactional(isolation = Isolation.READ_COMMITTED)
    public ClaimedBatch claimOverdue(ShardAssignment shard, Duration overdueAfter, int limit) {
        requireSweep(overdueAfter);
        return claimFrom(now -> mapper.findOverdue(shard.index(), shard.total(), now.minus(overdueAfter), limit));
    }

    private ClaimedBatch claimFrom(Function<Instant, List<Long>> candidates) {
        Instant now = clock.instant();
        Instant leaseUntil = now.plus(lease.lease());
        String token = UUID.randomUUID().toString();
        List<ClaimedTask> tasks = lockFreeDueRows(candidates, now);
        int stamped = 0;
        for (List<Long> chunk : IdChunks.of(tasks.stream().map(ClaimedTask::id).toList())) {
            stamped += mapper.claimLocked(chunk, identity.id(), token, now, leaseUntil);
        }
        if (stamped != tasks.size()) {
            throw new IllegalStateException("locked " + tasks.size() + " due rows for claim " + token + " but stamped "
                    + stamped + "; rolled back");
        }
        return new ClaimedBatch(token, identity.id(), now, leaseUntil, tasks);
    }

    /** The due rows this transaction could lock, in id order. */
    private List<ClaimedTask> lockFreeDueRows(Function<Instant, List<Long>> candidates, Instant now) {
        for (int attempt = 1; ; attempt++) {
            List<Long> due = candidates.apply(now).stream().sorted().toList();
            List<ClaimedTask> locked = new ArrayList<>();
            for (List<Long> chunk : IdChunks.of(due)) {
                locked.addAll(mapper.lockDue(chunk, now));
            }
            if (!locked.isEmpty() || due.isEmpty() || attempt == MAX_ATTEMPTS) {
                locked.sort(Comparator.comparingLong(ClaimedTask::id));
                return locked;
            }
            // Every candidate is held by another claim, still open. It commits within milliseconds,
            // and the next read finds the rows behind it; returning nothing would end the run early.
            pause(RETRY_PAUSE.multipliedBy(attempt));
        }
    }

    private static void pause(Duration pause) {
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClaimInterruptedException();
        }
    }

    public String owner() {
        return identity.id();
    }

    /**
     * What {@link #claim} would take now, and how many rows {@link #claimOverdue} would then sweep with
     * {@code sweepAfter} (none when it is zero), changing nothing.
     */
    @Transactional(readOnly = true, isolation = Isolation.READ_COMMITTED)
    public Preview preview(ShardAssignment shard, int limit, Duration sweepAfter) {
        Instant now = clock.instant();
        long overdue = sweepAfter.isZero() || shard.total() == 1 ? 0
                : mapper.countOverdue(shard.index(), shard.total(), now.minus(sweepAfter));
        return new Preview(mapper.countDue(shard.index(), shard.total(), now), overdue,
                mapper.preview(shard.index(), shard.total(), now, limit));
    }

    /** @param overdueElsewhere rows of the other shards a sweep would take after this shard */
    public record Preview(long dueCount, long overdueElsewhere, List<ClaimedTask> sample) {
    }

    private static void requireSweep(Duration overdueAfter) {
        if (overdueAfter.isNegative() || overdueAfter.isZero()) {
            throw new IllegalArgumentException("a sweep needs a positive overdue age (shardsweep.sweep-after), got " + overdueAfter
                    + "; nothing was claimed");
        }
    }

    /** The thread was interrupted while the claim waited for other claims to commit; nothing was claimed. */
    public static class ClaimInterruptedException extends ShardSweepException {
        ClaimInterruptedException() {
            super("interrupted while waiting for other claims of the shard to commit; nothing was claimed");
        }
    }
}
