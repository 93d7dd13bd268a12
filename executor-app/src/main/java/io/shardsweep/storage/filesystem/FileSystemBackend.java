package io.shardsweep.storage.filesystem;

import io.shardsweep.FixedThreadPool;
import io.shardsweep.StoredText;
import io.shardsweep.claim.ClaimedTask;
import io.shardsweep.storage.PendingDeletion;
import io.shardsweep.storage.StorageBackend;
import io.shardsweep.storage.StorageClosedException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

/**
 * Files below the storage root, on the instance's shared deletion pool, so that concurrent runs
 * together never exceed {@code shardsweep.delete-pool-size} threads. A batch is sorted by path and
 * handed to the pool in chunks of at most {@code shardsweep.delete-chunk-size} rows, each deleted
 * through one {@link FileDeleter#sequence()}: the rows of one folder then share the open root and
 * folders, and the pool takes one hand-off per chunk instead of one per row. A batch is cut into at
 * least as many chunks as the pool has threads (or rows), so that a small batch still keeps every
 * thread busy. A stopping run still skips each row that no thread has started, chunk or not.
 */
public final class FileSystemBackend implements StorageBackend {

    /** A folder's files next to each other; a row whose bytes are not UTF-8 sorts too. */
    private static final Comparator<PendingDeletion> BY_PATH =
            Comparator.comparing(row -> row.task().filePath(), StoredText.BYTE_ORDER);

    private final FileDeleter deleter;
    private final ExecutorService deletePool;
    private final int chunkSize;
    private final int threads;

    /**
     * @param chunkSize rows per job on the pool: small enough that the pool's threads share a batch
     *     evenly and that a row stuck on slow storage holds few rows behind it (which a stopping run
     *     releases untouched); large enough that the open of the root and the folders, and the
     *     hand-off, are paid once for many rows. 1 hands each row to the pool on its own.
     */
    public FileSystemBackend(FileDeleter deleter, ExecutorService deletePool, int chunkSize) {
        if (chunkSize < 1) {
            throw new IllegalArgumentException("chunk size must be at least 1, got " + chunkSize);
        }
        this.deleter = deleter;
        this.deletePool = deletePool;
        this.chunkSize = chunkSize;
        this.threads = Math.max(1, FixedThreadPool.sizeOf(deletePool));
    }

    @Override
    public List<PendingDeletion> start(List<ClaimedTask> tasks) {
        List<PendingDeletion> pending = tasks.stream().map(PendingDeletion::new).toList();
        List<PendingDeletion> byPath = new ArrayList<>(pending);
        byPath.sort(BY_PATH);
        int rows = byPath.size();
        int chunks = Math.max((rows + chunkSize - 1) / chunkSize, Math.min(rows, threads));
        for (int i = 0; i < chunks; i++) {
            List<PendingDeletion> chunk = byPath.subList((int) ((long) rows * i / chunks), (int) ((long) rows * (i + 1) / chunks));
            try {
                deletePool.execute(new DeletionJob(chunk, deleter));
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
