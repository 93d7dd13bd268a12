package io.shardsweep.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.shardsweep.StoredText;
import io.shardsweep.claim.ClaimedTask;
import io.shardsweep.storage.PendingDeletion;
import io.shardsweep.storage.StorageClosedException;
import io.shardsweep.storage.TaskResult;
import io.shardsweep.testsupport.S3TestServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * The backend on its own, with a real client to the S3 test server and a request pool whose only
 * thread the test holds: what a stopping run sees of requests that have not started.
 */
class S3BackendTest {

    private static final S3TestServer SERVER = S3TestServer.get();
    private final String bucket = SERVER.freshBucket("backend");
    private final S3Client client = SERVER.newClient();
    private final ExecutorService pool = Executors.newSingleThreadExecutor();
    private final CountDownLatch held = new CountDownLatch(1);

    @AfterEach
    void close() {
        held.countDown();
        pool.shutdownNow();
        client.close();
    }

    @Test
    void rows_of_a_request_that_has_not_started_are_skipped_unstarted_and_their_objects_are_not_deleted() throws Exception {
        put("a.mp4");
        put("b.mp4");
        pool.execute(() -> await(held)); // the only request thread is busy
        S3Backend backend = new S3Backend(client, List.of(bucket), 1000, 1, pool, new S3RequestMetrics(new SimpleMeterRegistry()));

        List<PendingDeletion> pending = backend.start(List.of(task(1, bucket + "/a.mp4"), task(2, bucket + "/b.mp4")));
        pending.forEach(PendingDeletion::skipIfNotStarted);
        held.countDown();
        pool.shutdown();
        assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();

        assertThat(pending).allSatisfy(p -> assertThat(p.resultOrAbandoned(Duration.ZERO).kind()).isEqualTo(TaskResult.Kind.UNSTARTED));
        assertThat(exists("a.mp4")).isTrue();
        assertThat(exists("b.mp4")).isTrue();
    }

    @Test
    void a_refused_row_is_done_at_once_and_does_not_hold_up_the_others() throws Exception {
        put("c.mp4");
        S3Backend backend = new S3Backend(client, List.of(bucket), 1000, 1, pool, new S3RequestMetrics(new SimpleMeterRegistry()));

        List<PendingDeletion> pending = backend.start(List.of(task(1, "elsewhere/c.mp4"), task(2, bucket + "/c.mp4")));

        assertThat(pending.get(0).isDone()).isTrue();
        assertThat(pending.get(0).resultOrAbandoned(Duration.ZERO).kind()).isEqualTo(TaskResult.Kind.REFUSED);
        pending.get(1).await(Duration.ofSeconds(60));
        assertThat(pending.get(1).resultOrAbandoned(Duration.ZERO).kind()).isEqualTo(TaskResult.Kind.DELETED);
        assertThat(exists("c.mp4")).isFalse();
    }

    @Test
    void a_shut_down_pool_ends_the_start_with_every_row_still_skippable() {
        pool.shutdown();
        S3Backend backend = new S3Backend(client, List.of(bucket), 1, 1, pool, new S3RequestMetrics(new SimpleMeterRegistry()));

        assertThatThrownBy(() -> backend.start(List.of(task(1, bucket + "/x"), task(2, bucket + "/y"))))
                .isInstanceOfSatisfying(StorageClosedException.class, e -> {
                    e.pending().forEach(PendingDeletion::skipIfNotStarted);
                    assertThat(e.pending()).hasSize(2).allSatisfy(p ->
                            assertThat(p.resultOrAbandoned(Duration.ZERO).kind()).isEqualTo(TaskResult.Kind.UNSTARTED));
                });
    }

    @Test
    void a_batch_for_one_bucket_is_spread_over_the_concurrent_requests() throws Exception {
        ExecutorService four = Executors.newFixedThreadPool(4);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        List<ClaimedTask> tasks = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            put("spread" + i + ".mp4");
            tasks.add(task(i + 1, bucket + "/spread" + i + ".mp4"));
        }
        S3Backend backend = new S3Backend(client, List.of(bucket), 1000, 4, four, new S3RequestMetrics(registry));
        try {
            List<PendingDeletion> pending = backend.start(tasks);
            for (PendingDeletion p : pending) {
                p.await(Duration.ofSeconds(60));
            }

            assertThat(pending).allSatisfy(p -> assertThat(p.resultOrAbandoned(Duration.ZERO).kind()).isEqualTo(TaskResult.Kind.DELETED));
            DistributionSummary keys = registry.get("shardsweep.s3.keys.per.request").summary();
            assertThat(keys.count()).as("requests: 3 + 3 + 3 + 1 keys").isEqualTo(4);
            assertThat(keys.max()).isEqualTo(3);
            for (int i = 0; i < 10; i++) {
                assertThat(exists("spread" + i + ".mp4")).isFalse();
            }
        } finally {
            four.shutdownNow();
        }
    }

    @Test
    void keys_per_request_spreads_a_batch_over_the_concurrent_requests_and_never_exceeds_its_limit() {
        S3Backend fourOf1000 = new S3Backend(client, List.of(bucket), 1000, 4, pool, new S3RequestMetrics(new SimpleMeterRegistry()));
        S3Backend twoOf3 = new S3Backend(client, List.of(bucket), 3, 2, pool, new S3RequestMetrics(new SimpleMeterRegistry()));

        assertThat(fourOf1000.keysPerRequest(200)).as("the default batch").isEqualTo(50);
        assertThat(fourOf1000.keysPerRequest(201)).isEqualTo(51);
        assertThat(fourOf1000.keysPerRequest(3)).isEqualTo(1);
        assertThat(fourOf1000.keysPerRequest(1)).isEqualTo(1);
        assertThat(fourOf1000.keysPerRequest(5000)).as("the S3 limit").isEqualTo(1000);
        assertThat(twoOf3.keysPerRequest(10)).isEqualTo(3);
        assertThat(twoOf3.keysPerRequest(4)).isEqualTo(2);
    }

    private static ClaimedTask task(long id, String path) {
        return new ClaimedTask(id, StoredText.decode(path.getBytes(StandardCharsets.UTF_8)), 0);
    }

    private void put(String key) {
        client.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString("x"));
    }

    private boolean exists(String key) {
        try {
            client.headObject(b -> b.bucket(bucket).key(key));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
