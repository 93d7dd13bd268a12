package io.shardsweep.storage;

import java.util.List;

/** The backend's workers are shutting down with the application; nothing more of the batch starts. */
public final class StorageClosedException extends RuntimeException {

    private final transient List<PendingDeletion> pending;

    public StorageClosedException(List<PendingDeletion> pending, Throwable cause) {
        super("the storage backend is shutting down", cause);
        this.pending = List.copyOf(pending);
    }

    /** Every row of the batch, started or not; the stopper skips the rest and waits for the others. */
    public List<PendingDeletion> pending() {
        return pending;
    }
}
