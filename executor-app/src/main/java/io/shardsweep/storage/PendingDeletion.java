package io.shardsweep.storage;

import io.shardsweep.claim.ClaimedTask;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The deletion of one claimed row, whichever backend performs it. A stopping run must tell rows it
 * never touched (released without using an attempt) from rows under way (finished as success or
 * failure), so the start is an atomic state change that either the backend's worker
 * ({@link #tryStart()}) or the stopper ({@link #skipIfNotStarted()}) wins.
 */
public final class PendingDeletion {

    private enum State { QUEUED, RUNNING, SKIPPED }

    private final ClaimedTask task;
    private final AtomicReference<State> state = new AtomicReference<>(State.QUEUED);
    private final CompletableFuture<TaskResult> result = new CompletableFuture<>();

    public PendingDeletion(ClaimedTask task) {
        this.task = task;
    }

    public ClaimedTask task() {
        return task;
    }

    /** Worker's side: true if this row is now the worker's to finish, false if the run skipped it. */
    public boolean tryStart() {
        return state.compareAndSet(State.QUEUED, State.RUNNING);
    }

    /** Worker's side: the outcome of a row it started; a second completion is ignored. */
    public void complete(TaskResult outcome) {
        result.complete(outcome);
    }

    /** Stopper's side: if the worker has not started this row, it never will. */
    public void skipIfNotStarted() {
        if (state.compareAndSet(State.QUEUED, State.SKIPPED)) {
            result.complete(TaskResult.of(task, TaskResult.Kind.UNSTARTED));
        }
    }

    public boolean isDone() {
        return result.isDone();
    }

    public void await(Duration timeout) throws InterruptedException, TimeoutException {
        try {
            result.get(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("deletion results are completed normally", e);
        }
    }

    /**
     * The result, or a failure if the deletion is still running after the grace period: the row
     * then uses an attempt, and a later run deletes it again (deletes are idempotent). An unknown
     * outcome is never a success.
     */
    public TaskResult resultOrAbandoned(Duration grace) {
        return result.getNow(TaskResult.failed(task, TaskResult.Kind.FAILED,
                "deletion still running " + grace.toSeconds() + "s after the run stopped; retried later"));
    }
}
