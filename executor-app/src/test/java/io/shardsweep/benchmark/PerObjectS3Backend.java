package io.shardsweep.benchmark;

import io.shardsweep.claim.ClaimedTask;
import io.shardsweep.storage.PathRefusedException;
import io.shardsweep.storage.PendingDeletion;
import io.shardsweep.storage.StorageBackend;
import io.shardsweep.storage.StorageClosedException;
import io.shardsweep.storage.TaskResult;
import io.shardsweep.storage.s3.S3Location;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The per-object path that {@link S3DeleteBenchmark} compares ShardSweep's batches with: one
 * DeleteObject call per row, on a pool of as many threads as the S3 backend's concurrent requests,
 * with the application's own S3 client. It sits behind the same claim and finish as the batch path,
 * so the two differ only in how objects are deleted.
 */
final class PerObjectS3Backend implements StorageBackend {

    private final S3Client client;
    private final Set<String> buckets;
    private final ExecutorService pool;

    PerObjectS3Backend(S3Client client, List<String> buckets, ExecutorService pool) {
        this.client = client;
        this.buckets = Set.copyOf(buckets);
        this.pool = pool;
    }

    @Override
    public List<PendingDeletion> start(List<ClaimedTask> tasks) {
        List<PendingDeletion> pending = tasks.stream().map(PendingDeletion::new).toList();
        for (PendingDeletion row : pending) {
            S3Location location;
            try {
                location = S3Location.parse(row.task().filePath().text(), buckets);
            } catch (PathRefusedException e) {
                row.tryStart();
                row.complete(TaskResult.failed(row.task(), TaskResult.Kind.REFUSED, "refused: " + e.getMessage()));
                continue;
            }
            try {
                pool.execute(() -> delete(row, location));
            } catch (RejectedExecutionException e) {
                throw new StorageClosedException(pending, e);
            }
        }
        return pending;
    }

    private void delete(PendingDeletion row, S3Location location) {
        if (!row.tryStart()) {
            return;
        }
        try {
            client.deleteObject(b -> b.bucket(location.bucket()).key(location.key()));
            row.complete(TaskResult.of(row.task(), TaskResult.Kind.DELETED));
        } catch (RuntimeException e) {
            row.complete(TaskResult.failed(row.task(), TaskResult.Kind.FAILED, "S3 DeleteObject failed: " + e.getClass().getSimpleName()));
        }
    }

    @Override
    public void checkPath(String filePath) {
        S3Location.parse(filePath, buckets);
    }

    @Override
    public String pathDescription() {
        return "<bucket>/<key>";
    }

    @Override
    public String concurrency() {
        return io.shardsweep.FixedThreadPool.sizeOf(pool) + " threads of single DeleteObject calls";
    }
}
