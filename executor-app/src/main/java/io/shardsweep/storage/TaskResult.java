package io.shardsweep.storage;

import io.shardsweep.claim.ClaimedTask;

/** What happened to one claimed row in a run. */
public record TaskResult(ClaimedTask task, Kind kind, String error) {

    public enum Kind {
        /** File removed: the row moves to history. */
        DELETED,
        /** File already gone: the row moves to history. */
        ALREADY_ABSENT,
        /** Deletion failed: retry later, or DEAD once attempts are used up. */
        FAILED,
        /** Path may never be deleted: DEAD at once. */
        REFUSED,
        /** Never started because the run stopped: back to PENDING, no attempt used. */
        UNSTARTED,
        /**
         * Not deleted because the storage as a whole could not be reached (the storage root did not
         * open, the S3 request never reached the endpoint): back to PENDING, no attempt used, and the
         * run stops claiming. The error says why.
         */
        UNAVAILABLE
    }

    public static TaskResult of(ClaimedTask task, Kind kind) {
        return new TaskResult(task, kind, null);
    }

    public static TaskResult failed(ClaimedTask task, Kind kind, String error) {
        return new TaskResult(task, kind, error);
    }

    public long id() {
        return task.id();
    }
}
