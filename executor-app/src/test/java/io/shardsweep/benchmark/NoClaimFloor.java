package io.shardsweep.benchmark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Comparison only: the least work that moves a backlog to history and removes its files, with no
 * claiming and no bookkeeping. Two things run at the same time and the floor's time is the later
 * end of the two:
 * <ul>
 *   <li>the database side: chunks of 1,000 consecutive ids, each one transaction of one
 *       {@code INSERT ... SELECT} into history and one {@code DELETE}, the chunks dealt round-robin
 *       to one thread per shard (disjoint ranges, so the threads never wait on each other);</li>
 *   <li>an unlink loop ({@code Files.delete} on the resolved path, no confinement walk) over the same
 *       files, on as many threads as ShardSweep's delete pool.</li>
 * </ul>
 * {@link #unlinkAlone} runs the unlink side by itself: the filesystem's own rate.
 */
final class NoClaimFloor {

    static final int CHUNK = 1_000;

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final Path root;
    private final int threads;

    NoClaimFloor(JdbcTemplate jdbc, PlatformTransactionManager transactions, Path root, int threads) {
        this.jdbc = jdbc;
        this.tx = new TransactionTemplate(transactions);
        this.tx.setIsolationLevel(TransactionDefinition.ISOLATION_READ_COMMITTED);
        this.root = root;
        this.threads = threads;
    }

    /** Wall time, and when each side alone was done; unlinkNanos is summed over the unlink threads. */
    record Result(double seconds, double dbSeconds, double unlinkSeconds, long unlinkNanos) {
    }

    Result run(BenchData.Dataset data, int shards) throws InterruptedException {
        return run(data, shards, true);
    }

    /** The unlink side alone, on the same threads: what the filesystem gives with no database work beside it. */
    Result unlinkAlone(BenchData.Dataset data) throws InterruptedException {
        return run(data, 0, false);
    }

    private Result run(BenchData.Dataset data, int shards, boolean database) throws InterruptedException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicLong dbDone = new AtomicLong();
        AtomicLong unlinkDone = new AtomicLong();
        AtomicLong unlinkNanos = new AtomicLong();
        long started = System.nanoTime();
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int first = t;
            all.add(new Thread(() -> {
                try {
                    long t0 = System.nanoTime();
                    for (int i = first; i < data.rows(); i += threads) {
                        Files.delete(root.resolve(data.path(i)));
                    }
                    long t1 = System.nanoTime();
                    unlinkNanos.addAndGet(t1 - t0);
                    unlinkDone.accumulateAndGet(t1, Math::max);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "floor-unlink-" + t));
        }
        long chunks = (data.maxId() - data.minId()) / CHUNK + 1;
        for (int s = 0; database && s < shards; s++) {
            int shard = s;
            all.add(new Thread(() -> {
                try {
                    for (long k = shard; k < chunks; k += shards) {
                        long lo = data.minId() + k * CHUNK;
                        long hi = Math.min(data.maxId(), lo + CHUNK - 1);
                        tx.executeWithoutResult(status -> {
                            int copied = jdbc.update("INSERT INTO file_deletion_task_history "
                                    + "(id, file_path, business_key, outcome, attempts, created_at, finished_at, finished_by) "
                                    + "SELECT id, file_path, business_key, 'DELETED', attempts, created_at, CURRENT_TIMESTAMP(3), 'floor' "
                                    + "FROM file_deletion_task WHERE id BETWEEN ? AND ?", lo, hi);
                            int deleted = jdbc.update("DELETE FROM file_deletion_task WHERE id BETWEEN ? AND ?", lo, hi);
                            if (copied != deleted || copied != hi - lo + 1) {
                                throw new IllegalStateException("chunk " + lo + ".." + hi + ": copied " + copied + ", deleted " + deleted);
                            }
                        });
                    }
                    dbDone.accumulateAndGet(System.nanoTime(), Math::max);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "floor-db-" + shard));
        }
        all.forEach(Thread::start);
        for (Thread thread : all) {
            thread.join();
        }
        long ended = System.nanoTime();
        if (failure.get() != null) {
            throw new IllegalStateException("floor failed", failure.get());
        }
        return new Result((ended - started) / 1e9, database ? (dbDone.get() - started) / 1e9 : Double.NaN,
                (unlinkDone.get() - started) / 1e9, unlinkNanos.get());
    }
}
