package io.shardsweep.history;

import io.shardsweep.IdChunks;
import io.shardsweep.claim.ClaimedBatch;
import io.shardsweep.config.ShardSweepProperties;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Isolation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Owns the end of a claimed row's life in a run: successes move to history, failures record their
 * error and go back to retryable (or DEAD), unstarted rows are released. One transaction per batch.
 */
@Service
public class TaskFinisher {

    /** last_error is VARCHAR(1024). */
    static final int MAX_ERROR_LENGTH = 1024;
    private static final int MAX_BACKOFF_DOUBLINGS = 16;

    private final FinishMapper mapper;
    private final Clock clock;
    private final ShardSweepProperties properties;

    public TaskFinisher(FinishMapper mapper, Clock clock, ShardSweepProperties properties) {
        this.mapper = mapper;
        this.clock = clock;
        this.properties = properties;
    }

    @Transactional(isolation = Isolation.READ_COMMITTED)
    public FinishSummary finish(ClaimedBatch batch, List<TaskResult> results) {
        Instant now = clock.instant();
        String token = batch.token();
        int lost = 0;

        Set<Long> absent = Set.copyOf(ids(results, TaskResult.Kind.ALREADY_ABSENT));
        int moved = 0;
        int movedAbsent = 0;
        for (List<Long> chunk : IdChunks.of(ids(results, TaskResult.Kind.DELETED, TaskResult.Kind.ALREADY_ABSENT))) {
            // Lock first: INSERT ... SELECT under READ COMMITTED reads without locking, so the rows
            // must be pinned to this claim before they are copied and deleted.
            List<Long> owned = mapper.lockOwned(token, chunk);
            lost += chunk.size() - owned.size();
            if (owned.isEmpty()) {
                continue;
            }
            List<Long> ownedAbsent = owned.stream().filter(absent::contains).toList();
            int copied = mapper.copyToHistory(owned, ownedAbsent, now);
            int deleted = mapper.deleteOwned(token, owned);
            if (copied != owned.size() || deleted != owned.size()) {
                throw new IllegalStateException("history move of claim " + token + " copied " + copied
                        + " and deleted " + deleted + " of " + owned.size() + " locked rows; rolled back");
            }
            moved += owned.size();
            movedAbsent += ownedAbsent.size();
        }

        int retry = 0;
        int dead = 0;
        for (TaskResult result : results) {
            switch (result.kind()) {
                case FAILED -> {
                    int changed = mapper.markFailed(token, result.id(), truncate(result.error()), properties.maxAttempts(),
                            now.plus(backoff(result.task().attempts())));
                    if (changed == 0) {
                        lost++;
                    } else if (result.task().attempts() + 1 >= properties.maxAttempts()) {
                        dead++;
                    } else {
                        retry++;
                    }
                }
                case REFUSED -> {
                    if (mapper.markDead(token, result.id(), truncate(result.error())) == 0) {
                        lost++;
                    } else {
                        dead++;
                    }
                }
                default -> {
                }
            }
        }

        List<Long> unstarted = ids(results, TaskResult.Kind.UNSTARTED);
        int released = release(token, unstarted);
        lost += unstarted.size() - released;
        return new FinishSummary(moved - movedAbsent, movedAbsent, retry, dead, released, lost);
    }

    /** Releases a whole claim untouched: used when a run stops before deleting anything of it. */
    @Transactional(isolation = Isolation.READ_COMMITTED)
    public int releaseAll(ClaimedBatch batch) {
        return release(batch.token(), batch.tasks().stream().map(t -> t.id()).toList());
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
        return properties.retryBackoff().multipliedBy(1L << Math.min(earlierAttempts, MAX_BACKOFF_DOUBLINGS));
    }

    static String truncate(String error) {
        String message = error == null ? "unknown error" : error;
        return message.length() <= MAX_ERROR_LENGTH ? message : message.substring(0, MAX_ERROR_LENGTH - 3) + "...";
    }

    private static List<Long> ids(List<TaskResult> results, TaskResult.Kind... kinds) {
        Set<TaskResult.Kind> wanted = Set.of(kinds);
        return results.stream().filter(r -> wanted.contains(r.kind())).map(TaskResult::id)
                .collect(Collectors.toCollection(ArrayList::new));
    }
}
