package io.shardsweep.storage.filesystem;

import io.shardsweep.claim.ClaimedTask;
import io.shardsweep.storage.PathRefusedException;
import io.shardsweep.storage.PendingDeletion;
import io.shardsweep.storage.StorageUnavailableException;
import io.shardsweep.storage.TaskResult;
import io.shardsweep.storage.UnreadablePath;
import java.io.IOException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** The deletion of one claimed file on the shared pool; its row's start is won by this job or by the stopper. */
final class DeletionJob implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(DeletionJob.class);

    private final PendingDeletion pending;
    private final ClaimedTask task;
    private final FileDeleter deleter;
    /** The run's shard and run id, for the log lines of the pool thread. */
    private final Map<String, String> logContext;

    DeletionJob(PendingDeletion pending, FileDeleter deleter) {
        this.pending = pending;
        this.task = pending.task();
        this.deleter = deleter;
        Map<String, String> context = MDC.getCopyOfContextMap();
        this.logContext = context == null ? Map.of() : context;
    }

    @Override
    public void run() {
        if (!pending.tryStart()) {
            return;
        }
        MDC.setContextMap(logContext);
        MDC.put("task", Long.toString(task.id()));
        try {
            TaskResult outcome = delete();
            if (outcome.error() != null) {
                log.info("Task {} not deleted: {}", task.id(), outcome.error());
            }
            pending.complete(outcome);
        } catch (Throwable e) {
            pending.complete(TaskResult.failed(task, TaskResult.Kind.FAILED, "unexpected " + e));
            if (e instanceof Error error) {
                throw error;
            }
        } finally {
            MDC.clear();
        }
    }

    private TaskResult delete() {
        if (!task.filePath().isValidUtf8()) {
            return TaskResult.failed(task, TaskResult.Kind.REFUSED, UnreadablePath.refusal(task));
        }
        try {
            DeletionOutcome outcome = deleter.delete(task.filePath().text());
            return TaskResult.of(task, outcome == DeletionOutcome.DELETED ? TaskResult.Kind.DELETED : TaskResult.Kind.ALREADY_ABSENT);
        } catch (PathRefusedException e) {
            return TaskResult.failed(task, TaskResult.Kind.REFUSED, "refused: " + e.getMessage());
        } catch (StorageUnavailableException e) {
            return TaskResult.failed(task, TaskResult.Kind.UNAVAILABLE, e.getMessage());
        } catch (IOException | RuntimeException e) {
            return TaskResult.failed(task, TaskResult.Kind.FAILED, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}
