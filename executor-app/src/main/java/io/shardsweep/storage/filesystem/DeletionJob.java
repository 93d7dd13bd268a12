package io.shardsweep.storage.filesystem;

import io.shardsweep.claim.ClaimedTask;
import io.shardsweep.storage.PathRefusedException;
import io.shardsweep.storage.PendingDeletion;
import io.shardsweep.storage.StorageUnavailableException;
import io.shardsweep.storage.TaskResult;
import io.shardsweep.storage.UnreadablePath;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The deletion of a chunk of claimed files on the shared pool, one after the other through one
 * {@link FileDeleter.Sequence}. Each row's start is won by this job or by the stopper, row by row:
 * a stopping run skips the rows of the chunk this job has not reached.
 */
final class DeletionJob implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(DeletionJob.class);

    private final List<PendingDeletion> rows;
    private final FileDeleter deleter;
    /** The run's shard and run id, for the log lines of the pool thread. */
    private final Map<String, String> logContext;

    DeletionJob(List<PendingDeletion> rows, FileDeleter deleter) {
        this.rows = List.copyOf(rows);
        this.deleter = deleter;
        Map<String, String> context = MDC.getCopyOfContextMap();
        this.logContext = context == null ? Map.of() : context;
    }

    @Override
    public void run() {
        MDC.setContextMap(logContext);
        Error fatal = null;
        try (FileDeleter.Sequence sequence = deleter.sequence()) {
            for (PendingDeletion row : rows) {
                if (!row.tryStart()) {
                    continue;
                }
                ClaimedTask task = row.task();
                MDC.put("task", Long.toString(task.id()));
                try {
                    TaskResult outcome = delete(sequence, task);
                    if (outcome.error() != null) {
                        log.info("Task {} not deleted: {}", task.id(), outcome.error());
                    }
                    row.complete(outcome);
                } catch (Throwable e) {
                    row.complete(TaskResult.failed(task, TaskResult.Kind.FAILED, "unexpected " + e));
                    // The other rows of the chunk are still deleted, as they were when each row was a job of its own.
                    if (e instanceof Error error && fatal == null) {
                        fatal = error;
                    }
                }
            }
        } finally {
            MDC.clear();
        }
        if (fatal != null) {
            throw fatal;
        }
    }

    private static TaskResult delete(FileDeleter.Sequence sequence, ClaimedTask task) {
        if (!task.filePath().isValidUtf8()) {
            return TaskResult.failed(task, TaskResult.Kind.REFUSED, UnreadablePath.refusal(task));
        }
        try {
            DeletionOutcome outcome = sequence.delete(task.filePath().text());
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
