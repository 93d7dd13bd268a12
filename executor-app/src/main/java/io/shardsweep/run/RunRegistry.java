package io.shardsweep.run;

import io.shardsweep.config.ShardSweepProperties;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Knows the cleanup runs under way and ends them cleanly on shutdown. Its lifecycle stops first,
 * before any bean is destroyed: runs stop claiming, release what they had not started, let the
 * deletions in flight finish within {@code shardsweep.in-flight-grace}, and write their rows back
 * while the database pool is still open. Only then does the XXL-JOB executor deregister and stop.
 */
@Component
public class RunRegistry implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(RunRegistry.class);
    /** Time for the last batch's database writes after the in-flight grace. */
    private static final Duration FINISH_MARGIN = Duration.ofSeconds(10);

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();
    private final Duration inFlightGrace;
    private volatile boolean running;
    private volatile boolean stopping;
    private int active;

    public RunRegistry(ShardSweepProperties properties) {
        this.inFlightGrace = properties.inFlightGrace();
    }

    /** Registers a run; refused once shutdown began, so no new run starts claiming. */
    boolean enter() {
        lock.lock();
        try {
            if (stopping) {
                return false;
            }
            active++;
            return true;
        } finally {
            lock.unlock();
        }
    }

    void exit() {
        lock.lock();
        try {
            active--;
            idle.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public boolean isStopping() {
        return stopping;
    }

    public int activeRuns() {
        lock.lock();
        try {
            return active;
        } finally {
            lock.unlock();
        }
    }

    /** Also a restart after a stop (a paused context, as Spring's test context cache does): runs may claim again. */
    @Override
    public void start() {
        stopping = false;
        running = true;
    }

    @Override
    public void stop() {
        stopping = true;
        long deadline = System.nanoTime() + inFlightGrace.plus(FINISH_MARGIN).toNanos();
        lock.lock();
        try {
            if (active > 0) {
                log.info("Shutdown: {} cleanup run(s) stop claiming and finish their rows", active);
            }
            while (active > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    log.warn("Shutdown: {} run(s) still active after the grace; their rows return through staleTaskCompensationJob", active);
                    break;
                }
                idle.await(left, TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
            running = false;
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Stop before everything else, so that the pool, the database and the XXL-JOB server are still there. */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE;
    }
}
