package io.shardsweep.intake;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;

/**
 * One task as the intake API shows it, read from {@code file_deletion_task} or, once finished, from
 * {@code file_deletion_task_history} (same id). Fields that do not apply to the state are null:
 * {@code notBefore} and {@code lastError} only exist while the task is pending, in progress or dead;
 * {@code outcome}, {@code finishedAt} and {@code finishedBy} only once it is {@link TaskState#DONE}.
 *
 * @param attempts failed (or crashed) attempts so far; for DONE, those before the one that finished it
 * @param outcome {@code DELETED} or {@code ALREADY_ABSENT}
 * @param finishedBy the executor instance that finished it
 */
@JsonPropertyOrder({"id", "state", "filePath", "businessKey", "attempts", "notBefore", "lastError",
        "outcome", "finishedAt", "finishedBy", "createdAt"})
public record TaskView(
        long id,
        TaskState state,
        String filePath,
        String businessKey,
        int attempts,
        Instant notBefore,
        String lastError,
        String outcome,
        Instant finishedAt,
        String finishedBy,
        Instant createdAt) {
}
