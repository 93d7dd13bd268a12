package io.shardsweep.benchmark;

import io.shardsweep.IdChunks;
import io.shardsweep.claim.ClaimedBatch;
import io.shardsweep.claim.ShardAssignment;
import io.shardsweep.claim.TaskClaimer;
import io.shardsweep.finish.TaskFinisher;
import io.shardsweep.storage.TaskResult;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Prototype SQL, NOT the application's code: the application never runs this class. It measured two
 * changes to the claim and the finish against the path of that time, and stays as their reference.
 * The application's finish now runs the prototype's statements (TaskFinisher's fast path, plus a
 * lock-first fallback). Its claim differs: it reads the candidates without locks and locks them by
 * primary key, because the prototype's locking range scan keeps, until commit, the locks of the other
 * shards' rows it passes, and other claimers skip those rows meanwhile (see ClaimMapper.xml).
 * <ul>
 *   <li><b>claim</b>: {@code SELECT id, file_path, attempts ... WHERE <due in shard> LIMIT n FOR UPDATE SKIP LOCKED},
 *       then {@code UPDATE ... FORCE INDEX (PRIMARY) ... WHERE id IN (...) AND status = 'PENDING'}, instead of
 *       {@code UPDATE ... LIMIT n} and the read-back by token. A claimer skips rows another one holds
 *       instead of waiting for them (InnoDB's semi-consistent read does not apply to a scan of a
 *       secondary index, so the old claims did wait, and could deadlock); the rows are known from the
 *       SELECT, so no read-back.</li>
 *   <li><b>finish</b>: copy and delete guarded by the token and compared by count, without the
 *       {@code SELECT ... FOR UPDATE} first. A count that differs means another instance took a row
 *       over; the transaction is rolled back (the application then takes the lock-first path).</li>
 * </ul>
 */
final class WhatIf {

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final Clock clock;
    private final String owner;
    private final Duration lease;

    WhatIf(JdbcTemplate jdbc, PlatformTransactionManager transactions, Clock clock, String owner, Duration lease) {
        this.jdbc = jdbc;
        this.tx = new TransactionTemplate(transactions);
        this.tx.setIsolationLevel(TransactionDefinition.ISOLATION_READ_COMMITTED);
        this.clock = clock;
        this.owner = owner;
        this.lease = lease;
    }

    record Claimed(String token, Instant now, List<Long> ids) {
    }

    private static LocalDateTime utc(Instant instant) {
        return LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    private static String placeholders(int n) {
        return String.join(",", Collections.nCopies(n, "?"));
    }

    /** The prototype claim, timed per statement into {@code nanos} [select, update, begin+commit] when not null. */
    Claimed claim(ShardAssignment shard, int limit, long[] nanos) {
        Instant now = clock.instant();
        String token = UUID.randomUUID().toString();
        long s0 = System.nanoTime();
        long[] inner = new long[2];
        List<Long> ids = tx.execute(status -> {
            long a = System.nanoTime();
            List<Long> found = jdbc.query("SELECT id, file_path, attempts FROM file_deletion_task "
                            + "WHERE status = 'PENDING' AND (not_before IS NULL OR not_before <= ?) AND MOD(id, ?) = ? "
                            + "LIMIT ? FOR UPDATE SKIP LOCKED",
                    (rs, n) -> rs.getLong(1), utc(now), shard.total(), shard.index(), limit);
            long b = System.nanoTime();
            int updated = 0;
            for (List<Long> chunk : IdChunks.of(found)) {
                List<Object> args = new ArrayList<>(List.of(owner, token, utc(now), utc(now.plus(lease))));
                args.addAll(chunk);
                updated += jdbc.update("UPDATE file_deletion_task FORCE INDEX (PRIMARY) SET status = 'IN_PROGRESS', claim_owner = ?, "
                        + "claim_token = ?, claimed_at = ?, lease_until = ? WHERE id IN (" + placeholders(chunk.size()) + ") "
                        + "AND status = 'PENDING'", args.toArray());
            }
            long c = System.nanoTime();
            if (updated != found.size()) {
                throw new IllegalStateException("locked " + found.size() + " rows but updated " + updated);
            }
            inner[0] = b - a;
            inner[1] = c - b;
            return found;
        });
        if (nanos != null) {
            nanos[0] += inner[0];
            nanos[1] += inner[1];
            nanos[2] += System.nanoTime() - s0 - inner[0] - inner[1];
        }
        return new Claimed(token, now, ids);
    }

    /** The prototype finish of an all-DELETED batch, timed into {@code nanos} [copy, delete, begin+commit]. */
    void finish(Claimed batch, long[] nanos) {
        Instant now = clock.instant();
        long s0 = System.nanoTime();
        long[] inner = new long[2];
        tx.executeWithoutResult(status -> {
            for (List<Long> chunk : IdChunks.of(batch.ids())) {
                List<Object> args = new ArrayList<>(List.of(utc(now)));
                args.addAll(chunk);
                args.add(batch.token());
                long a = System.nanoTime();
                int copied = jdbc.update("INSERT INTO file_deletion_task_history "
                        + "(id, file_path, business_key, outcome, attempts, created_at, finished_at, finished_by) "
                        + "SELECT id, file_path, business_key, 'DELETED', attempts, created_at, ?, claim_owner "
                        + "FROM file_deletion_task FORCE INDEX (PRIMARY) WHERE id IN (" + placeholders(chunk.size()) + ") "
                        + "AND claim_token = ? AND status = 'IN_PROGRESS'", args.toArray());
                long b = System.nanoTime();
                List<Object> del = new ArrayList<>(chunk);
                del.add(batch.token());
                int deleted = jdbc.update("DELETE t FROM file_deletion_task t FORCE INDEX (PRIMARY) WHERE t.id IN ("
                        + placeholders(chunk.size()) + ") AND t.claim_token = ? AND t.status = 'IN_PROGRESS'", del.toArray());
                long c = System.nanoTime();
                if (copied != chunk.size() || deleted != chunk.size()) {
                    throw new IllegalStateException("claim " + batch.token() + " was taken over: copied " + copied
                            + ", deleted " + deleted + " of " + chunk.size() + "; rolled back");
                }
                inner[0] += b - a;
                inner[1] += c - b;
            }
        });
        if (nanos != null) {
            nanos[0] += inner[0];
            nanos[1] += inner[1];
            nanos[2] += System.nanoTime() - s0 - inner[0] - inner[1];
        }
    }

    /** A consistent (non-locking) read: are there due rows of the shard that nobody has claimed? */
    boolean anyDue(ShardAssignment shard) {
        Integer n = jdbc.queryForObject("SELECT EXISTS (SELECT 1 FROM file_deletion_task WHERE status = 'PENDING' "
                + "AND (not_before IS NULL OR not_before <= ?) AND MOD(id, ?) = ?)", Integer.class,
                utc(clock.instant()), shard.total(), shard.index());
        return n != null && n > 0;
    }

    private static void count(TransientDataAccessException e, AtomicInteger failures, List<String> messages) {
        failures.incrementAndGet();
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        if (messages.size() < 3) {
            messages.add(root.getMessage());
        }
        if (failures.get() > 200) {
            throw e;
        }
    }

    record Drain(int rows, double seconds, int claimFailures, List<String> failureMessages) {
        double rate() {
            return rows / seconds;
        }
    }

    /**
     * {@code shards} threads drain their shards concurrently, claim and finish (all DELETED, no files),
     * with either the application's TaskClaimer/TaskFinisher beans or the prototype. A claim or finish
     * that throws a transient error (deadlock, lock wait timeout) is counted and tried again.
     */
    Drain drain(int shards, int batch, boolean prototype, TaskClaimer claimer, TaskFinisher finisher) throws InterruptedException {
        AtomicInteger moved = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        List<String> messages = Collections.synchronizedList(new ArrayList<>());
        AtomicReference<Throwable> error = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        long started = System.nanoTime();
        for (int i = 0; i < shards; i++) {
            ShardAssignment shard = new ShardAssignment(i, shards);
            Thread thread = new Thread(() -> {
                try {
                    while (true) {
                        Object claimed;
                        int size;
                        try {
                            if (prototype) {
                                Claimed c = claim(shard, batch, null);
                                claimed = c;
                                size = c.ids().size();
                            } else {
                                ClaimedBatch c = claimer.claim(shard, batch);
                                claimed = c;
                                size = c.size();
                            }
                        } catch (TransientDataAccessException e) {
                            count(e, failures, messages);
                            continue; // a claim that failed committed nothing
                        }
                        if (size == 0) {
                            // SKIP LOCKED may also skip a row that another claimer's scan holds for a moment:
                            // an empty result is not proof that the shard is drained, a plain read is.
                            if (!prototype || !anyDue(shard)) {
                                return;
                            }
                            continue;
                        }
                        while (true) { // the application retries a finish too (databaseRetry)
                            try {
                                if (prototype) {
                                    finish((Claimed) claimed, null);
                                } else {
                                    ClaimedBatch c = (ClaimedBatch) claimed;
                                    finisher.finish(c, c.tasks().stream().map(t -> TaskResult.of(t, TaskResult.Kind.DELETED)).toList());
                                }
                                break;
                            } catch (TransientDataAccessException e) {
                                count(e, failures, messages);
                            }
                        }
                        moved.addAndGet(size);
                    }
                } catch (Throwable e) {
                    error.compareAndSet(null, e);
                }
            }, "what-if-" + i);
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        if (error.get() != null) {
            throw new IllegalStateException("what-if drain failed", error.get());
        }
        return new Drain(moved.get(), (System.nanoTime() - started) / 1e9, failures.get(), messages);
    }
}
