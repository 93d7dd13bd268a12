package io.shardsweep.benchmark;

import io.shardsweep.storage.filesystem.DeletionOutcome;
import io.shardsweep.storage.filesystem.FileDeleter;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Comparison only: the naive per-row design. Each instance thread pages through the due ids of its
 * shard (keyset, 1,000 at a time, the next page read while the previous one is worked on); every
 * row is then handled on a pool of as many threads as ShardSweep's delete pool:
 * <ol>
 *   <li>claim it alone: {@code UPDATE file_deletion_task SET status='IN_PROGRESS', claim_token=? WHERE id=? AND status='PENDING'} (autocommit);</li>
 *   <li>delete its file with the same confined deleter as ShardSweep;</li>
 *   <li>one transaction per row: {@code INSERT INTO history ... SELECT ... WHERE id=? AND claim_token=?}, then
 *       {@code DELETE ... WHERE id=? AND claim_token=?}.</li>
 * </ol>
 */
final class PerRowBaseline {

    static final String OWNER = "per-row-baseline";

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final FileDeleter deleter;
    private final int threads;

    PerRowBaseline(JdbcTemplate jdbc, PlatformTransactionManager transactions, FileDeleter deleter, int threads) {
        this.jdbc = jdbc;
        this.tx = new TransactionTemplate(transactions);
        this.tx.setIsolationLevel(TransactionDefinition.ISOLATION_READ_COMMITTED);
        this.deleter = deleter;
        this.threads = threads;
    }

    /** {@code processed} rows moved to history in {@code seconds}; {@code capped} if the time cap stopped it first. */
    record Result(int processed, int lost, double seconds, boolean capped) {
    }

    Result run(int shards, double capSeconds) throws InterruptedException {
        ExecutorService workers = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "per-row-worker");
            t.setDaemon(true);
            return t;
        });
        Semaphore inFlight = new Semaphore(2_000);
        AtomicInteger processed = new AtomicInteger();
        AtomicInteger lost = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long started = System.nanoTime();
        long deadline = started + (long) (capSeconds * 1e9);
        AtomicReference<Boolean> capped = new AtomicReference<>(false);
        List<Thread> instances = new ArrayList<>();
        for (int index = 0; index < shards; index++) {
            int shard = index;
            Thread instance = new Thread(() -> {
                try {
                    long after = 0;
                    while (failure.get() == null) {
                        List<Object[]> page = jdbc.query("SELECT id, file_path FROM file_deletion_task "
                                        + "WHERE id > ? AND status = 'PENDING' AND (not_before IS NULL OR not_before <= CURRENT_TIMESTAMP(3)) "
                                        + "AND MOD(id, ?) = ? ORDER BY id LIMIT 1000",
                                (rs, n) -> new Object[] {rs.getLong(1), rs.getString(2)}, after, shards, shard);
                        if (page.isEmpty()) {
                            return;
                        }
                        for (Object[] row : page) {
                            if (System.nanoTime() > deadline) {
                                capped.set(true);
                                return;
                            }
                            inFlight.acquire();
                            workers.execute(() -> {
                                try {
                                    if (processRow((Long) row[0], (String) row[1])) {
                                        processed.incrementAndGet();
                                    } else {
                                        lost.incrementAndGet();
                                    }
                                } catch (Throwable e) {
                                    failure.compareAndSet(null, e);
                                } finally {
                                    inFlight.release();
                                }
                            });
                        }
                        after = (Long) page.get(page.size() - 1)[0];
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "per-row-instance-" + shard);
            instances.add(instance);
            instance.start();
        }
        for (Thread instance : instances) {
            instance.join();
        }
        workers.shutdown();
        if (!workers.awaitTermination(30, TimeUnit.MINUTES)) {
            throw new IllegalStateException("per-row baseline did not finish");
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        if (failure.get() != null) {
            throw new IllegalStateException("per-row baseline failed", failure.get());
        }
        return new Result(processed.get(), lost.get(), seconds, capped.get());
    }

    private boolean processRow(long id, String path) throws Exception {
        String token = UUID.randomUUID().toString();
        int claimed = jdbc.update("UPDATE file_deletion_task SET status = 'IN_PROGRESS', claim_token = ? "
                + "WHERE id = ? AND status = 'PENDING'", token, id);
        if (claimed == 0) {
            return false;
        }
        DeletionOutcome outcome = deleter.delete(path);
        tx.executeWithoutResult(status -> {
            int copied = jdbc.update("INSERT INTO file_deletion_task_history "
                            + "(id, file_path, business_key, outcome, attempts, created_at, finished_at, finished_by) "
                            + "SELECT id, file_path, business_key, ?, attempts, created_at, CURRENT_TIMESTAMP(3), ? "
                            + "FROM file_deletion_task WHERE id = ? AND claim_token = ?",
                    outcome == DeletionOutcome.DELETED ? "DELETED" : "ALREADY_ABSENT", OWNER, id, token);
            int deleted = jdbc.update("DELETE FROM file_deletion_task WHERE id = ? AND claim_token = ?", id, token);
            if (copied != 1 || deleted != 1) {
                throw new IllegalStateException("row " + id + ": copied " + copied + ", deleted " + deleted);
            }
        });
        return true;
    }
}
