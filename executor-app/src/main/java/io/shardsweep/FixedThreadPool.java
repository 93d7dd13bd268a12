package io.shardsweep;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The bounded pools that the runs of an instance share: the deletion pool, the S3 request pool. */
public final class FixedThreadPool {

    private FixedThreadPool() {
    }

    /**
     * {@code size} daemon threads named {@code prefix-1}, {@code prefix-2}, ..., all started at once:
     * a thread created lazily by a run would inherit that run's XXL-JOB context.
     */
    public static ExecutorService started(String prefix, int size) {
        AtomicInteger sequence = new AtomicInteger();
        ThreadFactory threads = runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + sequence.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
        ThreadPoolExecutor pool = new ThreadPoolExecutor(size, size, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), threads);
        pool.prestartAllCoreThreads();
        return pool;
    }

    /** The thread count of a pool made by {@link #started}; for messages. */
    public static int sizeOf(ExecutorService pool) {
        return pool instanceof ThreadPoolExecutor fixed ? fixed.getMaximumPoolSize() : -1;
    }
}
