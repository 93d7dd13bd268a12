package io.shardsweep.intake;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.shardsweep.StoredText;
import java.time.Instant;
import org.apache.ibatis.annotations.AutomapConstructor;

/**
 * One task as the intake API shows it, read from {@code file_deletion_task} or, once finished, from
 * {@code file_deletion_task_history} (same id). Fields that do not apply to the state are null:
 * {@code notBefore} and {@code lastError} only exist while the task is pending, in progress or dead;
 * {@code outcome}, {@code finishedAt} and {@code finishedBy} only once it is {@link TaskState#DONE}.
 *
 * <p>{@code filePath} is null, and {@code filePathProblem} says why, when the stored bytes are not
 * valid UTF-8: no string stands for them, and a replaced one would name another file if it were sent
 * back. {@code filePathProblem} is left out of the JSON otherwise.
 *
 * @param attempts failed (or crashed) attempts so far; for DONE, those before the one that finished it
 * @param outcome {@code DELETED} or {@code ALREADY_ABSENT}
 * @param finishedBy the executor instance that finished it
 */
@JsonPropertyOrder({"id", "state", "filePath", "businessKey", "attempts", "notBefore", "lastError",
        "outcome", "finishedAt", "finishedBy", "createdAt", "filePathProblem"})
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
        Instant createdAt,
        @JsonInclude(JsonInclude.Include.NON_NULL) String filePathProblem) {

    /** As MyBatis builds it: file_path as its stored bytes (see IntakeMapper.xml). */
    @AutomapConstructor
    TaskView(long id, TaskState state, StoredText filePath, String businessKey, int attempts, Instant notBefore,
             String lastError, String outcome, Instant finishedAt, String finishedBy, Instant createdAt) {
        this(id, state, filePath.isValidUtf8() ? filePath.text() : null, businessKey, attempts, notBefore, lastError, outcome,
                finishedAt, finishedBy, createdAt, filePath.isValidUtf8() ? null : "file_path is " + filePath.invalidReason());
    }
}
