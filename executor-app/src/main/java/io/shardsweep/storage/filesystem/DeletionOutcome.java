package io.shardsweep.storage.filesystem;

/** How a successful deletion ended; stored as {@code file_deletion_task_history.outcome}. */
public enum DeletionOutcome {
    /** The executor removed the file (or, for a symlink, the link itself). */
    DELETED,
    /** Nothing was there to remove: deletion is idempotent. */
    ALREADY_ABSENT
}
