package io.shardsweep.finish;

import io.shardsweep.IdChunks;
import io.shardsweep.ShardSweepException;
import io.shardsweep.TextExcerpt;
import io.shardsweep.claim.ClaimedBatch;
import io.shardsweep.storage.TaskResult;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Owns the end of a claimed row's life in a run: successes move to history, failures record their
 * error and go back to retryable (or DEAD), unstarted rows and rows the storage could not be reached
 * for are released. One transaction per batch,
 * and a second one only when a row was taken over from the claim (see {@link #finish}).
 */
@Service
public class TaskFinisher {

    private static final Logger log = LoggerFactory.getLogger(TaskFinisher.class);

    /** last_error is VARCHAR(1024). */
    static final int MAX_ERROR_LENGTH = 1024;
    private static final int MAX_BACKOFF_DOUBLINGS = 16;

    private final FinishMapper mapper;
    private final Clock clock;
    private final RetrySettings retries;
    /**
     * NESTED: a transaction of its own when the caller has none, as in the runner; a savepoint in a
     * caller's transaction, so that rolling the fast path back never takes the caller's work with it.
     */
    private final TransactionTemplate fastPathTransaction;
    private final TransactionTemplate transaction;

    public TaskFinisher(FinishMapper mapper, Clock clock, RetrySettings retries, PlatformTransactionManager transactions) {
        this.mapper = mapper;
        this.clock = clock;
        this.retries = retries;
        this.transaction = readCommitted(transactions, TransactionDefinition.PROPAGATION_REQUIRED);
        this.fastPathTransaction = readCommitted(transactions, TransactionDefinition.PROPAGATION_NESTED);
    }

    /**
     * Writes the results of a batch in one READ COMMITTED transaction. The fast path copies the
     * successes to history and deletes them, both guarded by the claim token, and expects every row
     * to be copied and deleted. If one was not, the claim lost it before or during the move (its lease
     * ran out, compensation returned it, perhaps another run claimed it): the transaction is rolled
     * back and the whole finish done again lock-first, which moves exactly the rows still owned.
     */
    public FinishSummary finish(ClaimedBatch batch, List<TaskResult> results) {
        Instant now = clock.instant();
        try {
            return fastPathTransaction.execute(status -> write(batch, results, now, false));
        } catch (RowTakenOver e) {
            log.info("{}; finishing the batch again, lock-first", e.getMessage());
            return transaction.execute(status -> write(batch, results, now, true));
        }
    }

    private FinishSummary write(ClaimedBatch batch, List<TaskResult> results, Instant now, boolean lockFirst) {
        String token = batch.token();
        int lost = 0;

        Set<Long> absent = Set.copyOf(ids(results, TaskResult.Kind.ALREADY_ABSENT));
        int moved = 0;
        int movedAbsent = 0;
        for (List<Long> chunk : IdChunks.of(ids(results, TaskResult.Kind.DELETED, TaskResult.Kind.ALREADY_ABSENT))) {
            List<Long> owned = lockFirst ? moveLocked(token, chunk, absent, now) : moveOwned(token, chunk, absent, now);
            lost += chunk.size() - owned.size();
            moved += owned.size();
            movedAbsent += (int) owned.stream().filter(absent::contains).count();
        }

        int retry = 0;
        int dead = 0;
        for (TaskResult result : results) {
            switch (result.kind()) {
                case FAILED -> {
                    int changed = mapper.markFailed(token, result.id(), storedError(result.error()), retries.maxAttempts(),
                            now.plus(backoff(result.task().attempts())));
                    if (changed == 0) {
                        lost++;
                    } else if (result.task().attempts() + 1 >= retries.maxAttempts()) {
                        dead++;
                    } else {
                        retry++;
                    }
                }
                case REFUSED -> {
                    if (mapper.markDead(token, result.id(), storedError(result.error())) == 0) {
                        lost++;
                    } else {
                        dead++;
                    }
                }
                default -> {
                }
            }
        }

        // Unstarted, or not deleted because the storage could not be reached: neither says anything about the row.
        List<Long> unstarted = ids(results, TaskResult.Kind.UNSTARTED, TaskResult.Kind.UNAVAILABLE);
        int released = release(token, unstarted);
        lost += unstarted.size() - released;
        return new FinishSummary(moved - movedAbsent, movedAbsent, retry, dead, released, lost);
    }

    /**
     * The fast path: copy and delete without locking first, and expect every row of the chunk. Under
     * READ COMMITTED the copy reads without locks, so a row can be taken over between the copy and
     * the delete, which then removes fewer rows than were copied. A row lost before the copy is
     * neither copied nor deleted. Either way the finish starts over, lock-first.
     */
    private List<Long> moveOwned(String token, List<Long> chunk, Set<Long> absent, Instant now) {
        int copied = mapper.copyOwnedToHistory(token, chunk, absentIn(chunk, absent), now);
        int deleted = mapper.deleteOwned(token, chunk);
        if (copied != chunk.size() || deleted != chunk.size()) {
            // Which rows were lost is not known here, nor therefore the DELETED/ALREADY_ABSENT split.
            throw new RowTakenOver("claim " + token + " no longer owns every row it moves to history: copied " + copied
                    + " and deleted " + deleted + " of " + chunk.size());
        }
        return chunk;
    }

    /** The lock-first path: pin the rows still owned, then copy and delete exactly those. */
    private List<Long> moveLocked(String token, List<Long> chunk, Set<Long> absent, Instant now) {
        List<Long> owned = mapper.lockOwned(token, chunk);
        if (owned.isEmpty()) {
            return owned;
        }
        int copied = mapper.copyOwnedToHistory(token, owned, absentIn(owned, absent), now);
        int deleted = mapper.deleteOwned(token, owned);
        if (copied != owned.size() || deleted != owned.size()) {
            throw new IllegalStateException("history move of claim " + token + " copied " + copied
                    + " and deleted " + deleted + " of " + owned.size() + " locked rows; rolled back");
        }
        return owned;
    }

    private int release(String token, List<Long> ids) {
        int released = 0;
        for (List<Long> chunk : IdChunks.of(ids)) {
            released += mapper.release(token, chunk);
        }
        return released;
    }

    /** retry-backoff, doubled for each earlier failure. */
    Duration backoff(int earlierAttempts) {
        return retries.backoff().multipliedBy(1L << Math.min(earlierAttempts, MAX_BACKOFF_DOUBLINGS));
    }

    /** The error as stored in {@code last_error}: at most {@value #MAX_ERROR_LENGTH} chars. */
    static String storedError(String error) {
        return TextExcerpt.cut(error == null ? "unknown error" : error, MAX_ERROR_LENGTH);
    }

    private static List<Long> absentIn(List<Long> ids, Set<Long> absent) {
        return ids.stream().filter(absent::contains).toList();
    }

    private static TransactionTemplate readCommitted(PlatformTransactionManager transactions, int propagation) {
        TransactionTemplate template = new TransactionTemplate(transactions);
        template.setIsolationLevel(TransactionDefinition.ISOLATION_READ_COMMITTED);
        template.setPropagationBehavior(propagation);
        return template;
    }

    private static List<Long> ids(List<TaskResult> results, TaskResult.Kind... kinds) {
        Set<TaskResult.Kind> wanted = Set.of(kinds);
        return results.stream().filter(r -> wanted.contains(r.kind())).map(TaskResult::id)
                .collect(Collectors.toCollection(ArrayList::new));
    }

    /** Rolls the fast path back: the claim lost a row of the batch. Never leaves this class. */
    private static final class RowTakenOver extends ShardSweepException {
        RowTakenOver(String message) {
            super(message);
        }
    }
}
