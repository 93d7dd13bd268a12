package io.shardsweep.storage.s3;

import io.shardsweep.TextExcerpt;
import io.shardsweep.claim.ClaimedTask;
import io.shardsweep.storage.PathRefusedException;
import io.shardsweep.storage.PendingDeletion;
import io.shardsweep.storage.StorageBackend;
import io.shardsweep.storage.StorageClosedException;
import io.shardsweep.storage.TaskResult;
import io.shardsweep.storage.UnreadablePath;
import io.shardsweep.storage.filesystem.StoragePath;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import org.apache.http.conn.ConnectTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.DeletedObject;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Error;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Objects in an S3 API, deleted in DeleteObjects requests of up to {@code keys-per-request} keys,
 * at most {@code concurrent-requests} of them in flight per instance (the request pool is shared by
 * every run, as the deletion pool is for files).
 *
 * <p>A bucket's share of a batch is spread evenly over up to {@code concurrent-requests} requests,
 * each of at most {@code keys-per-request} keys: a run waits for its whole batch before it claims the
 * next, and a server works through the keys of one request one after another (S3Mock at 1 to 7 ms a
 * key on a shared 2-core machine), so one request per batch would leave the other connections idle.
 * Measured by {@code S3DeleteBenchmark} on S3Mock, with the default 200-row batch: one 200-key request
 * per batch drained 150 to 380 rows/s, no faster than single DeleteObject calls on 4 threads; four
 * requests of 50 keys, 380 to 1,020 rows/s. Against a server with almost no work per key (keys that do
 * not exist) the spread of a 200-row batch cost 7 to 26%, four requests taking more CPU than one; of a
 * 1,000-row batch, nothing measurable.
 *
 * <p>Outcomes: a key S3 lists as {@code Deleted} is DELETED, including a key that never existed (S3
 * cannot tell the two apart, and a HEAD per key would undo the batching). A key listed under
 * {@code Errors} fails its row only, with the S3 error code. A request that fails as a whole, after
 * the SDK's retries, fails every row in it: S3 may have deleted some of its keys (S3Mock does, up to
 * the key it stumbled on), so the outcome is unknown and the rows are retried, never recorded as
 * deleted; deleting again is harmless.
 */
public final class S3Backend implements StorageBackend {

    private static final Logger log = LoggerFactory.getLogger(S3Backend.class);

    private final S3Client client;
    private final Set<String> buckets;
    private final int keysPerRequest;
    private final int concurrentRequests;
    private final ExecutorService requestPool;
    private final S3RequestMetrics metrics;

    /**
     * @param keysPerRequest the most keys in one request
     * @param concurrentRequests the request pool's size: the requests a bucket's share of one batch is spread over
     */
    public S3Backend(S3Client client, List<String> buckets, int keysPerRequest, int concurrentRequests,
                     ExecutorService requestPool, S3RequestMetrics metrics) {
        if (keysPerRequest < 1 || keysPerRequest > S3Properties.MAX_KEYS_PER_REQUEST) {
            throw new IllegalArgumentException("keys per request must be 1.." + S3Properties.MAX_KEYS_PER_REQUEST + ", got " + keysPerRequest);
        }
        if (concurrentRequests < 1) {
            throw new IllegalArgumentException("concurrent requests must be at least 1, got " + concurrentRequests);
        }
        this.client = client;
        this.buckets = Set.copyOf(buckets);
        this.keysPerRequest = keysPerRequest;
        this.concurrentRequests = concurrentRequests;
        this.requestPool = requestPool;
        this.metrics = metrics;
    }

    @Override
    public List<PendingDeletion> start(List<ClaimedTask> tasks) {
        List<PendingDeletion> pending = tasks.stream().map(PendingDeletion::new).toList();
        Map<String, List<Item>> byBucket = new LinkedHashMap<>();
        for (PendingDeletion row : pending) {
            ClaimedTask task = row.task();
            String refusal = null;
            S3Location location = null;
            if (!task.filePath().isValidUtf8()) {
                refusal = UnreadablePath.refusal(task);
            } else {
                try {
                    location = S3Location.parse(task.filePath().text(), buckets);
                } catch (PathRefusedException e) {
                    refusal = "refused: " + e.getMessage();
                }
            }
            if (refusal != null) {
                row.tryStart();
                log.info("Task {} not deleted: {}", task.id(), refusal);
                row.complete(TaskResult.failed(task, TaskResult.Kind.REFUSED, refusal));
            } else {
                byBucket.computeIfAbsent(location.bucket(), b -> new ArrayList<>()).add(new Item(row, location.key()));
            }
        }
        Map<String, String> logContext = MDC.getCopyOfContextMap();
        for (Map.Entry<String, List<Item>> group : byBucket.entrySet()) {
            List<Item> items = group.getValue();
            int perRequest = keysPerRequest(items.size());
            for (int from = 0; from < items.size(); from += perRequest) {
                List<Item> chunk = items.subList(from, Math.min(items.size(), from + perRequest));
                try {
                    requestPool.execute(new DeleteRequest(group.getKey(), List.copyOf(chunk), logContext));
                } catch (RejectedExecutionException e) {
                    throw new StorageClosedException(pending, e); // the pool is shutting down with the application
                }
            }
        }
        return pending;
    }

    /** Keys per request for {@code keys} of one bucket in one batch: spread over the concurrent requests, at most keys-per-request. */
    int keysPerRequest(int keys) {
        int spread = (keys + concurrentRequests - 1) / concurrentRequests;
        return Math.max(1, Math.min(keysPerRequest, spread));
    }

    @Override
    public void checkPath(String filePath) {
        S3Location.parse(filePath, buckets);
    }

    @Override
    public String pathDescription() {
        return "<bucket>/<key>, with the bucket one of shardsweep.s3.buckets";
    }

    @Override
    public String concurrency() {
        return concurrentRequests + " concurrent DeleteObjects requests of up to " + keysPerRequest + " keys";
    }

    private record Item(PendingDeletion row, String key) {
    }

    /**
     * The cause that says the request never reached the endpoint: the connection was refused, the host
     * did not resolve, no route, or the connect timed out. Nothing about the keys can cause these. Null
     * for anything else (a reset or a timeout once connected, a 5xx): those may follow from the request
     * itself, so its rows pay an attempt as before and a poison request cannot hold its shard forever.
     */
    static Throwable connectFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ConnectException || t instanceof UnknownHostException || t instanceof NoRouteToHostException
                    || t instanceof ConnectTimeoutException) {
                return t;
            }
        }
        return null;
    }

    /** One DeleteObjects request; its rows are started together, so a stopping run skips a request whole or not at all. */
    private final class DeleteRequest implements Runnable {
        private final String bucket;
        private final List<Item> items;
        private final Map<String, String> logContext;

        DeleteRequest(String bucket, List<Item> items, Map<String, String> logContext) {
            this.bucket = bucket;
            this.items = items;
            this.logContext = logContext == null ? Map.of() : logContext;
        }

        @Override
        public void run() {
            // Rows the stopper skipped first are left out of the request.
            Map<String, List<PendingDeletion>> rowsByKey = new LinkedHashMap<>();
            for (Item item : items) {
                if (item.row().tryStart()) {
                    rowsByKey.computeIfAbsent(item.key(), k -> new ArrayList<>()).add(item.row());
                }
            }
            if (rowsByKey.isEmpty()) {
                return;
            }
            MDC.setContextMap(logContext);
            try {
                send(rowsByKey);
            } catch (Throwable e) {
                failAll(rowsByKey, "unexpected " + e.getClass().getSimpleName() + "; outcome unknown, retried");
                if (e instanceof Error error) {
                    throw error;
                }
            } finally {
                // Whatever happened, no started row is left without a result.
                failAll(rowsByKey, "S3 answered no result for this key; outcome unknown, retried");
                MDC.clear();
            }
        }

        private void send(Map<String, List<PendingDeletion>> rowsByKey) {
            Set<String> keys = new LinkedHashSet<>(rowsByKey.keySet());
            List<ObjectIdentifier> objects = keys.stream().map(k -> ObjectIdentifier.builder().key(k).build()).toList();
            DeleteObjectsResponse response;
            metrics.requestSent(objects.size());
            try {
                // quiet=false: every key must come back as Deleted or as an error; one in neither list is not a success.
                response = client.deleteObjects(b -> b.bucket(bucket).delete(d -> d.objects(objects).quiet(false)));
            } catch (ApiCallTimeoutException e) {
                metrics.requestFailed("timeout");
                failAll(rowsByKey, "S3 DeleteObjects on bucket " + bucket + " timed out (shardsweep.s3.request-timeout); outcome unknown, retried");
                return;
            } catch (S3Exception e) {
                String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
                metrics.requestFailed(code == null ? "http" + e.statusCode() : code);
                failAll(rowsByKey, "S3 DeleteObjects on bucket " + bucket + " failed: " + (code == null ? "HTTP" : code)
                        + " (HTTP " + e.statusCode() + "); outcome unknown, retried");
                return;
            } catch (SdkException e) {
                Throwable notConnected = connectFailure(e);
                if (notConnected != null) {
                    metrics.requestFailed("unreachable");
                    // Nothing was sent: this says nothing about the keys, so no row pays an attempt, and the run stops.
                    completeAll(rowsByKey, TaskResult.Kind.UNAVAILABLE, "S3 DeleteObjects on bucket " + bucket
                            + ": the endpoint could not be reached (" + notConnected.getClass().getSimpleName() + ": "
                            + TextExcerpt.quoted(notConnected.getMessage()) + "); nothing was sent");
                    return;
                }
                metrics.requestFailed("client");
                failAll(rowsByKey, "S3 DeleteObjects on bucket " + bucket + " failed: " + e.getClass().getSimpleName() + ": "
                        + TextExcerpt.quoted(e.getMessage()) + "; outcome unknown, retried");
                return;
            }
            metrics.requestSucceeded();
            for (DeletedObject deleted : response.deleted()) {
                List<PendingDeletion> rows = rowsByKey.remove(deleted.key());
                if (rows != null) {
                    rows.forEach(row -> row.complete(TaskResult.of(row.task(), TaskResult.Kind.DELETED)));
                }
            }
            for (S3Error error : response.errors()) {
                List<PendingDeletion> rows = rowsByKey.remove(error.key());
                if (rows != null) {
                    metrics.error(error.code());
                    String reason = "S3 " + error.code() + ": " + TextExcerpt.quoted(error.message());
                    for (PendingDeletion row : rows) {
                        log.info("Task {} not deleted: {}", row.task().id(), reason);
                        row.complete(TaskResult.failed(row.task(), TaskResult.Kind.FAILED, reason));
                    }
                }
            }
        }

        private void failAll(Map<String, List<PendingDeletion>> rowsByKey, String reason) {
            completeAll(rowsByKey, TaskResult.Kind.FAILED, reason);
        }

        private void completeAll(Map<String, List<PendingDeletion>> rowsByKey, TaskResult.Kind kind, String reason) {
            if (rowsByKey.isEmpty()) {
                return;
            }
            int rows = 0;
            for (List<PendingDeletion> list : rowsByKey.values()) {
                for (PendingDeletion row : list) {
                    if (!row.isDone()) {
                        row.complete(TaskResult.failed(row.task(), kind, reason));
                        rows++;
                    }
                }
            }
            if (rows > 0) {
                log.warn("{} rows not deleted: {}", rows, reason);
            }
            rowsByKey.clear();
        }
    }
}
