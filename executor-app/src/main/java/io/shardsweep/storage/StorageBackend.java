package io.shardsweep.storage;

import io.shardsweep.claim.ClaimedTask;
import java.util.List;

/**
 * Where rows are deleted: the local filesystem or an S3 API. Shared by every run of the instance,
 * so implementations are thread-safe and bound their own concurrency.
 */
public interface StorageBackend {

    /**
     * Starts deleting the claimed rows and returns at once: one pending deletion per task, in the
     * order given. A row the backend refuses completes at once as REFUSED; a row it has not begun
     * stays skippable until a worker starts it.
     *
     * @throws StorageClosedException if the backend is shutting down; it carries the pending
     *     deletions, some of which may be under way and the rest never started
     */
    List<PendingDeletion> start(List<ClaimedTask> tasks);

    /**
     * Checks a {@code file_path} as this backend will read it, for producers (the intake API) to
     * refuse a row before it is stored.
     *
     * @throws io.shardsweep.storage.PathRefusedException naming the first rule the path breaks
     */
    void checkPath(String filePath);

    /** What a path names, for messages: "a path relative to the storage root", say. */
    String pathDescription();

    /** How the backend deletes in parallel, for a run's first log line: "4 deletion threads", say. */
    String concurrency();
}
