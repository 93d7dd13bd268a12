package io.shardsweep.testsupport;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A call on a thread of its own, so that a test can interrupt it as {@code /kill} and the executor
 * timeout do, and then see whether the call kept the interrupt for its caller.
 */
public final class CallOnItsOwnThread<T> {

    private final CompletableFuture<T> result = new CompletableFuture<>();
    private final AtomicBoolean interruptedAfterReturn = new AtomicBoolean();
    private final Thread thread;

    public CallOnItsOwnThread(Callable<T> call) {
        thread = new Thread(() -> {
            try {
                result.complete(call.call());
                interruptedAfterReturn.set(Thread.currentThread().isInterrupted());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        thread.start();
    }

    public void interrupt() {
        thread.interrupt();
    }

    /** The call's result, once its thread has ended. */
    public T get(Duration timeout) throws Exception {
        T value = result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        thread.join(5_000);
        return value;
    }

    /** True if the thread's interrupt flag was still set when the call returned. */
    public boolean keptTheInterrupt() {
        return interruptedAfterReturn.get();
    }
}
