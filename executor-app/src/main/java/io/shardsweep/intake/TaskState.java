package io.shardsweep.intake;

/**
 * A task's state as the intake API reports it: the three {@code file_deletion_task.status} values,
 * plus {@link #DONE} for a task that has moved to {@code file_deletion_task_history}.
 */
public enum TaskState {
    PENDING,
    IN_PROGRESS,
    DEAD,
    DONE
}
