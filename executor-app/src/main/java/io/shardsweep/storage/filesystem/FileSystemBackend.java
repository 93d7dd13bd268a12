package io.shardsweep.storage.filesystem;

import io.shardsweep.FixedThreadPool;
import io.shardsweep.claim.ClaimedTask;
import io.shardsweep.storage.PendingDeletion;
import io.shardsweep.storage.StorageBackend;
import io.shardsweep.storage.StorageClosedException;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

/**
 * Files below the storage root: one job per row on the instance's shared deletion pool, so that
 * concurrent runs together never exceed {@code shardsweep.delete-pool-size}.
 */
public final class FileSystemBackend implements StorageBackend {

    private final FileDeleter deleter;
    private final ExecutorService deletePool;

    public FileSystemBackend(FileDeleter deleter, ExecutorService deletePool) {
        this.deleter = deleter;
        this.deletePool = deletePool;
    }

    @Override
    public List<PendingDeletion> start(List<ClaimedTask> tasks) {
        List<PendingDeletion> pending = tasks.stream().map(PendingDeletion::new).toList();
        for (PendingDeletion row : pending) {
            try {
                deletePool.execute(new DeletionJob(row, deleter));
            } catch (RejectedExecutionException e) {
                throw new StorageClosedException(pending, e); // the pool is shutting down with the application
            }
        }
        return pending;
    }

    @Override
    public void checkPath(String filePath) {
        StoragePath.parse(filePath);
    }

    @Override
    public String pathDescription() {
        return "a path relative to the storage root";
    }

    @Override
    public String concurrency() {
        return FixedThreadPool.sizeOf(deletePool) + " deletion threads";
    }
}
