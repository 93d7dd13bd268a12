package io.shardsweep.testsupport;

import io.shardsweep.storage.filesystem.ConfinedFileDeleter;
import io.shardsweep.storage.filesystem.DeletionOutcome;
import io.shardsweep.storage.filesystem.FileDeleter;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real confined deleter, with a gate that tests can close to simulate slow storage: while
 * closed, every deletion that starts waits at the gate (uninterruptibly, like a stuck syscall)
 * until it opens, then deletes for real.
 */
public final class GatedFileDeleter implements FileDeleter {

    private final ConfinedFileDeleter delegate;
    private volatile CountDownLatch gate = new CountDownLatch(0);
    private final AtomicInteger waiting = new AtomicInteger();
    private volatile String failMarker;

    /** Deletions of paths containing {@code marker} fail with a retryable IOException; null stops it. */
    public void failPathsContaining(String marker) {
        failMarker = marker;
    }

    public GatedFileDeleter(ConfinedFileDeleter delegate) {
        this.delegate = delegate;
    }

    public void close() {
        gate = new CountDownLatch(1);
    }

    public void open() {
        gate.countDown();
    }

    /** Deletions currently held at the gate. */
    public int waiting() {
        return waiting.get();
    }

    public void awaitWaiting(int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (waiting.get() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected " + count + " deletions at the gate, saw " + waiting.get());
            }
            Thread.sleep(10);
        }
    }

    @Override
    public DeletionOutcome delete(String relativePath) throws IOException {
        passGate(relativePath);
        return delegate.delete(relativePath);
    }

    /** The real deleter's sequence (the open root and folders kept from one file to the next), gated per file. */
    @Override
    public Sequence sequence() {
        Sequence real = delegate.sequence();
        return Sequence.of(relativePath -> {
            passGate(relativePath);
            return real.delete(relativePath);
        }, real::close);
    }

    private void passGate(String relativePath) throws IOException {
        String marker = failMarker;
        if (marker != null && relativePath.contains(marker)) {
            throw new IOException("simulated storage failure for " + relativePath);
        }
        CountDownLatch current = gate;
        if (current.getCount() > 0) {
            waiting.incrementAndGet();
            try {
                boolean interrupted = false;
                while (true) {
                    try {
                        if (current.await(60, TimeUnit.SECONDS)) {
                            break;
                        }
                        throw new IOException("gate never opened");
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            } finally {
                waiting.decrementAndGet();
            }
        }
    }
}
