package io.shardsweep.run;

import io.shardsweep.claim.ClaimedTask;
import io.shardsweep.delete.FileDeleter;
import io.shardsweep.delete.DeletionOutcome;
import io.shardsweep.delete.PathRefusedException;
import io.shardsweep.history.TaskResult;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The deletion of one claimed file on the shared pool. A stopping run must tell rows it never
 * touched (released without using an attempt) from rows under way (finished as success or
 * failure), so the start is an atomic state change that either the worker or the stopper wins.
 */
final class DeletionJob implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(DeletionJob.class);

    private enum State { QUEUED, RUNNING, SKIPPED }

    private final ClaimedTask task;
    private final FileDeleter deleter;
    private final AtomicReference<State> state = new AtomicReference<>(State.QUEUED);
    private final CompletableFuture<TaskResult> result = new CompletableFuture<>();
    /** The run's shard and run id, for the log lines of the pool thread. */
    private final Map<String, String> logContext;

    DeletionJob(ClaimedTask task, FileDeleter deleter) {
        this.task = task;
        this.deleter = deleter;
        Map<String, String> context = MDC.getCopyOfContextMap();
        this.logContext = context == null ? Map.of() : context;
    }

    @Override
    public void run() {
        if (!state.compareAndSet(State.QUEUED, State.RUNNING)) {
            return;
        }
        MDC.setContextMap(logContext);
        MDC.put("task", Long.toString(task.id()));
        try {
            TaskResult outcome = delete();
            if (outcome.error() != null) {
                log.info("Task {} not deleted: {}", task.id(), outcome.error());
            }
            result.complete(outcome);
        } catch (Throwable e) {
            result.complete(TaskResult.failed(task, TaskResult.Kind.FAILED, "unexpected " + e));
            if (e instanceof Error error) {
                throw error;
            }
        } finally {
            MDC.clear();
        }
    }

    private TaskResult delete() {
        if (!task.filePath().isValidUtf8()) {
            return TaskResult.failed(task, TaskResult.Kind.REFUSED, refusalOfUnreadablePath(task));
        }
        try {
            DeletionOutcome outcome = deleter.delete(task.filePath().text());
            return TaskResult.of(task, outcome == DeletionOutcome.DELETED ? TaskResult.Kind.DELETED : TaskResult.Kind.ALREADY_ABSENT);
        } catch (PathRefusedException e) {
            return TaskResult.failed(task, TaskResult.Kind.REFUSED, "refused: " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            return TaskResult.failed(task, TaskResult.Kind.FAILED, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /**
     * The reason a row whose file_path bytes are not UTF-8 goes DEAD. Such bytes name no string, so
     * there is nothing the deleter could be given that is the row's own path (decoding them leniently
     * named another file); an operator has to fix or remove the row.
     */
    static String refusalOfUnreadablePath(ClaimedTask task) {
        return "refused: file_path is " + task.filePath().invalidReason() + "; a path is deleted only as stored, never as a repaired name";
    }

    /** Stopper's side: if the worker has not started this file, it never will. */
    void skipIfNotStarted() {
        if (state.compareAndSet(State.QUEUED, State.SKIPPED)) {
            result.complete(TaskResult.of(task, TaskResult.Kind.UNSTARTED));
        }
    }

    boolean isDone() {
        return result.isDone();
    }

    void await(Duration timeout) throws InterruptedException, TimeoutException {
        try {
            result.get(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("deletion results are completed normally", e);
        }
    }

    /**
     * The result, or a failure if the deletion is still running after the grace period: the row
     * then uses an attempt, and a later run finds the file gone and finishes it as ALREADY_ABSENT.
     */
    TaskResult resultOrAbandoned(Duration grace) {
        return result.getNow(TaskResult.failed(task, TaskResult.Kind.FAILED,
                "deletion still running " + grace.toSeconds() + "s after the run stopped; retried later"));
    }
}
