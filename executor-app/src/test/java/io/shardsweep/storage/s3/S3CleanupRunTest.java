package io.shardsweep.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.micrometer.core.instrument.MeterRegistry;
import io.shardsweep.ShardSweepApplication;
import io.shardsweep.claim.ShardAssignment;
import io.shardsweep.intake.EnqueueRequest;
import io.shardsweep.intake.InvalidRequestException;
import io.shardsweep.intake.TaskIntake;
import io.shardsweep.run.CleanupRunner;
import io.shardsweep.run.RunLog;
import io.shardsweep.run.RunParameters;
import io.shardsweep.run.RunSummary;
import io.shardsweep.storage.StorageBackend;
import io.shardsweep.testsupport.CapturedLog;
import io.shardsweep.testsupport.MonitoringQueries;
import io.shardsweep.testsupport.S3TestServer;
import io.shardsweep.testsupport.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.prometheus.PrometheusOutputFormat;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.prometheus.PrometheusScrapeEndpoint;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * The S3 backend in the real application (claiming, finishing, history) against a real S3 API: the
 * S3Mock child of {@link S3TestServer}, never a mocked client. Credentials reach the app only
 * through the SDK's default chain (the {@code aws.*} system properties here).
 */
@SpringBootTest(classes = ShardSweepApplication.class, properties = {
        "xxl.job.executor.enabled=false",
        "spring.main.keep-alive=false",
        "shardsweep.storage.type=s3",
        "shardsweep.s3.keys-per-request=3",
        "shardsweep.s3.concurrent-requests=2",
        "shardsweep.s3.request-timeout=20s",
        "shardsweep.s3.retries=1",
        "shardsweep.in-flight-grace=20s",
        "shardsweep.max-attempts=2",
        "shardsweep.retry-backoff=1ms",
        "shardsweep.sweep-after=0",
        "shardsweep.intake.api-token=test-intake-token-0123456789abcdef0123"})
class S3CleanupRunTest {

    private static final String SCHEMA = "s3backend";
    private static final RunParameters RUN = new RunParameters(50, Duration.ofMinutes(2), false);
    private static final S3TestServer SERVER = S3TestServer.get();
    private static final String VIDEO = SERVER.freshBucket("video");
    private static final String MEDIA = SERVER.freshBucket("mediafiles");
    /** Exists on the server, but is not in shardsweep.s3.buckets. */
    private static final String UNLISTED = SERVER.freshBucket("unlisted");
    /** In shardsweep.s3.buckets, but never created: DeleteObjects fails as a whole, 404 NoSuchBucket. */
    private static final String MISSING = "missing-" + HexFormat.of().formatHex(new byte[] {7, 1, 2, 9, 4, 5});
    private static CapturedLog log;

    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    CleanupRunner runner;
    @Autowired
    TaskIntake intake;
    @Autowired
    StorageBackend storage;
    @Autowired
    MeterRegistry meters;
    @Autowired
    PrometheusScrapeEndpoint prometheus;

    private final S3Client s3 = SERVER.newClient();

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry registry) {
        TestDatabase.registerFreshSchema(registry, SCHEMA);
        SERVER.registerAsEndpoint(registry, VIDEO, MEDIA, MISSING);
        log = CapturedLog.start();
    }

    @AfterAll
    static void detachLog() {
        log.close();
    }

    @BeforeEach
    void emptyTables() {
        jdbc.update("DELETE FROM file_deletion_task");
        jdbc.update("DELETE FROM file_deletion_task_history");
    }

    @Test
    void the_s3_backend_is_the_one_in_use() {
        assertThat(storage).isInstanceOf(S3Backend.class);
    }

    @Test
    void a_two_shard_run_deletes_the_objects_of_its_rows_in_two_buckets() {
        for (int i = 0; i < 10; i++) {
            put(VIDEO, "2026/12/v" + i + ".mp4");
            put(MEDIA, "img/m" + i + ".jpg");
            enqueue(VIDEO + "/2026/12/v" + i + ".mp4");
            enqueue(MEDIA + "/img/m" + i + ".jpg");
        }

        double okBefore = counter("shardsweep.s3.requests", "outcome", "ok");
        long requestsBefore = meters.get("shardsweep.s3.keys.per.request").summary().count();
        double keysBefore = meters.get("shardsweep.s3.keys.per.request").summary().totalAmount();

        RunSummary first = runner.run(new ShardAssignment(0, 2), RUN, RunLog.NONE);
        RunSummary second = runner.run(new ShardAssignment(1, 2), RUN, RunLog.NONE);

        assertThat(first.deleted()).isEqualTo(10);
        assertThat(second.deleted()).isEqualTo(10);
        assertThat(first.batches()).as("10 rows in one batch, cut into requests of 3 keys").isEqualTo(1);
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task")).isZero();
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task_history WHERE outcome = 'DELETED'")).isEqualTo(20);
        for (int i = 0; i < 10; i++) {
            assertThat(exists(VIDEO, "2026/12/v" + i + ".mp4")).isFalse();
            assertThat(exists(MEDIA, "img/m" + i + ".jpg")).isFalse();
        }
        // 10 rows per shard, by bucket in requests of at most 3 keys: 4 requests per shard however the buckets fall
        assertThat(counter("shardsweep.s3.requests", "outcome", "ok") - okBefore).isEqualTo(8);
        assertThat(meters.get("shardsweep.s3.keys.per.request").summary().count() - requestsBefore).isEqualTo(8);
        assertThat(meters.get("shardsweep.s3.keys.per.request").summary().totalAmount() - keysBefore).isEqualTo(20);
    }

    @Test
    void the_run_log_names_the_concurrent_requests_and_keys_per_request_not_deletion_threads() {
        put(VIDEO, "log/line.mp4");
        enqueue(VIDEO + "/log/line.mp4");
        java.util.List<String> lines = new java.util.ArrayList<>();

        runner.run(ShardAssignment.ALL, RUN, (pattern, args) -> lines.add(org.slf4j.helpers.MessageFormatter.arrayFormat(pattern, args).getMessage()));

        assertThat(lines.get(0)).contains("2 concurrent DeleteObjects requests of up to 3 keys").doesNotContain("deletion threads");
    }

    @Test
    void objects_in_an_unlisted_bucket_and_objects_no_row_names_survive() {
        put(UNLISTED, "same/key.mp4");
        put(VIDEO, "same/key.mp4.keep");
        put(VIDEO, "same/key.mp4");
        long refused = enqueue(UNLISTED + "/same/key.mp4");
        enqueue(VIDEO + "/same/key.mp4");

        RunSummary summary = runner.run(ShardAssignment.ALL, RUN, RunLog.NONE);

        assertThat(summary.deleted()).isEqualTo(1);
        assertThat(summary.dead()).isEqualTo(1);
        assertThat(row(refused)).containsEntry("status", "DEAD");
        assertThat((String) row(refused).get("last_error")).contains("which is not in shardsweep.s3.buckets");
        assertThat(exists(UNLISTED, "same/key.mp4")).as("the unlisted bucket's object").isTrue();
        assertThat(exists(VIDEO, "same/key.mp4.keep")).as("an object no row names").isTrue();
        assertThat(exists(VIDEO, "same/key.mp4")).isFalse();
    }

    @Test
    void every_refusal_goes_dead_at_once_with_its_reason_and_deletes_nothing() {
        Map<String, String> refusals = new java.util.LinkedHashMap<>();
        refusals.put(UNLISTED + "/a.mp4", "which is not in shardsweep.s3.buckets");
        refusals.put(VIDEO, "has no key");
        refusals.put(VIDEO + "/", "has an empty key");
        refusals.put("/" + VIDEO + "/a.mp4", "is absolute");
        refusals.put(VIDEO + "/a//b.mp4", "has an empty component");
        refusals.put(VIDEO + "/a/./b.mp4", "has a '.' component");
        refusals.put(VIDEO + "/x/../a/b.mp4", "has a '..' component");
        refusals.put(VIDEO + "/a\u0001b.mp4", "control character");
        refusals.put(VIDEO + "/" + "\u2603".repeat(342), "longer than 1024 bytes"); // 342 chars, 1026 bytes
        Map<Long, String> expected = new java.util.LinkedHashMap<>();
        refusals.forEach((path, reason) -> expected.put(enqueue(path), reason));
        // ED B2 80: an encoded lone surrogate, which MariaDB stores in a utf8mb4 column
        jdbc.update("INSERT INTO file_deletion_task (file_path) VALUES (UNHEX(?))", HexFormat.of().formatHex((VIDEO + "/a").getBytes()) + "EDB280");
        long invalid = jdbc.queryForObject("SELECT MAX(id) FROM file_deletion_task", Long.class);
        expected.put(invalid, "not valid UTF-8");
        put(UNLISTED, "a.mp4");
        put(VIDEO, "a/b.mp4");

        RunSummary summary = runner.run(ShardAssignment.ALL, RUN, RunLog.NONE);

        assertThat(summary.dead()).isEqualTo(expected.size());
        assertThat(summary.deleted()).isZero();
        expected.forEach((id, reason) -> {
            assertThat(row(id)).as("row %s", id).containsEntry("status", "DEAD").containsEntry("attempts", 1);
            assertThat((String) row(id).get("last_error")).as("row %s", id).startsWith("refused: ").contains(reason);
        });
        assertThat(exists(UNLISTED, "a.mp4")).isTrue();
        assertThat(exists(VIDEO, "a/b.mp4")).as("what a//b, ./b or ../a/b would normalise to").isTrue();
    }

    @Test
    void a_key_that_never_existed_and_a_key_deleted_twice_are_both_deleted() {
        put(VIDEO, "twice.mp4");
        enqueue(VIDEO + "/twice.mp4");
        enqueue(VIDEO + "/never-existed.mp4");
        RunSummary first = runner.run(ShardAssignment.ALL, RUN, RunLog.NONE);
        enqueue(VIDEO + "/twice.mp4");

        RunSummary second = runner.run(ShardAssignment.ALL, RUN, RunLog.NONE);

        assertThat(first.deleted()).isEqualTo(2);
        assertThat(second.deleted()).as("S3 answers Deleted for a key that is already gone").isEqualTo(1);
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task")).isZero();
        assertThat(exists(VIDEO, "twice.mp4")).isFalse();
    }

    @Test
    void a_key_s3_fails_to_delete_is_retried_then_dead_with_the_error_code_while_the_others_are_deleted() throws Exception {
        assumeTrue(SERVER.canRefuseDeletion(), "needs S3Mock and chattr");
        put(VIDEO, "stuck.mp4");
        for (int i = 0; i < 4; i++) {
            put(VIDEO, "free" + i + ".mp4");
            enqueue(VIDEO + "/free" + i + ".mp4");
        }
        long stuck = enqueue(VIDEO + "/stuck.mp4");

        double errorsBefore = counter("shardsweep.s3.errors", "code", "InternalError");
        RunSummary summary;
        try (AutoCloseable refusal = SERVER.refuseDeletionOf(VIDEO, "stuck.mp4")) {
            summary = runner.run(ShardAssignment.ALL, RUN, RunLog.NONE);
            for (int run = 0; run < 3 && "PENDING".equals(row(stuck).get("status")); run++) {
                runner.run(ShardAssignment.ALL, RUN, RunLog.NONE); // its retry came due after the first run drained
            }
        }

        assertThat(summary.deleted()).isEqualTo(4);
        assertThat(row(stuck)).containsEntry("status", "DEAD").containsEntry("attempts", 2);
        assertThat((String) row(stuck).get("last_error")).startsWith("S3 InternalError: ");
        assertThat(exists(VIDEO, "stuck.mp4")).isTrue();
        for (int i = 0; i < 4; i++) {
            assertThat(exists(VIDEO, "free" + i + ".mp4")).isFalse();
        }
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task_history WHERE id = ?", stuck)).isZero();
        assertThat(counter("shardsweep.s3.errors", "code", "InternalError") - errorsBefore).as("one per attempt").isEqualTo(2);
    }

    @Test
    void a_request_that_fails_as_a_whole_fails_its_rows_which_are_retried_and_never_recorded_as_deleted() {
        put(VIDEO, "fine.mp4");
        enqueue(VIDEO + "/fine.mp4");
        long a = enqueue(MISSING + "/a.mp4");
        long b = enqueue(MISSING + "/b.mp4");
        double failedBefore = counter("shardsweep.s3.requests", "outcome", "failed");
        double noSuchBucketBefore = counter("shardsweep.s3.errors", "code", "NoSuchBucket");

        RunSummary summary = runner.run(ShardAssignment.ALL, RUN, RunLog.NONE);

        assertThat(summary.deleted()).isEqualTo(1);
        assertThat(summary.failed() + summary.dead()).as("each failure is counted, retries included").isGreaterThanOrEqualTo(2);
        assertThat(summary.unaccounted()).isZero();
        for (long id : List.of(a, b)) {
            assertThat(row(id).get("status")).isIn("PENDING", "DEAD");
            assertThat((int) row(id).get("attempts")).isGreaterThanOrEqualTo(1);
            assertThat((String) row(id).get("last_error")).contains("NoSuchBucket").contains("outcome unknown");
        }
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task_history WHERE id IN (?, ?)", a, b)).isZero();
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'IN_PROGRESS'")).isZero();
        double failedRequests = counter("shardsweep.s3.requests", "outcome", "failed") - failedBefore;
        assertThat(failedRequests).isPositive();
        assertThat(counter("shardsweep.s3.errors", "code", "NoSuchBucket") - noSuchBucketBefore).isEqualTo(failedRequests);
    }

    @Test
    void the_intake_refuses_a_path_outside_the_s3_grammar_and_accepts_one_inside_it() {
        assertThatThrownBy(() -> intake.enqueue(new EnqueueRequest(UNLISTED + "/a.mp4", null, null)))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("which is not in shardsweep.s3.buckets");
        assertThatThrownBy(() -> intake.enqueue(new EnqueueRequest(VIDEO + "/a/../b.mp4", null, null)))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("'..'");

        assertThat(intake.enqueue(new EnqueueRequest(VIDEO + "/a/b.mp4", null, null)).created()).isTrue();
    }

    @Test
    void the_secret_key_appears_in_no_log_line_even_with_the_sdk_and_http_client_at_debug() {
        try (var debug = CapturedLog.debug("software.amazon.awssdk", "org.apache.http")) {
            put(VIDEO, "logged.mp4");
            enqueue(VIDEO + "/logged.mp4");
            enqueue(MISSING + "/fails.mp4");
            runner.run(ShardAssignment.ALL, RUN, RunLog.NONE);
        }

        List<String> lines = log.lines();
        assertThat(lines).as("the check saw the SDK's own debug lines").anyMatch(l -> l.contains("DeleteObjects") || l.contains("Sending Request"));
        assertThat(log.anyLineContains(SERVER.secretAccessKey())).as("a log line holds the secret key").isFalse();
    }

    @Test
    void every_s3_meter_the_dashboard_and_the_alert_rules_query_is_in_the_prometheus_scrape() throws Exception {
        Set<String> used = new TreeSet<>(MonitoringQueries.dashboardMetrics());
        used.addAll(MonitoringQueries.ruleMetrics());
        used.removeIf(name -> !name.startsWith(MonitoringQueries.S3_METERS));
        assertThat(used).as("S3 meters queried by monitoring/").isNotEmpty();

        String body = new String(prometheus.scrape(PrometheusOutputFormat.CONTENT_TYPE_004, null).getBody(), StandardCharsets.UTF_8);

        assertThat(used.stream().filter(name -> !MonitoringQueries.scrapeHas(body, name)).toList())
                .as("S3 meters queried by monitoring/ but absent from the scrape").isEmpty();
    }

    @Test
    void the_request_pool_has_micrometer_executor_meters_sized_by_concurrent_requests() {
        String body = new String(prometheus.scrape(PrometheusOutputFormat.CONTENT_TYPE_004, null).getBody(), StandardCharsets.UTF_8);

        assertThat(poolSeries(body, "executor_pool_max_threads")).as("the request pool's size in the scrape")
                .singleElement().asString().endsWith(" 2.0");
        assertThat(poolSeries(body, "executor_active_threads")).hasSize(1);
        assertThat(poolSeries(body, "executor_queued_tasks")).hasSize(1);
    }

    private static List<String> poolSeries(String scrape, String metric) {
        return scrape.lines().filter(l -> l.startsWith(metric + "{") && l.contains("name=\"shardsweep.s3\"")).toList();
    }

    private double counter(String name, String tag, String value) {
        var counter = meters.find(name).tag(tag, value).counter();
        return counter == null ? 0 : counter.count();
    }

    private void put(String bucket, String key) {
        s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString("x"));
    }

    private boolean exists(String bucket, String key) {
        try {
            s3.headObject(b -> b.bucket(bucket).key(key));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        }
    }

    private long enqueue(String path) {
        jdbc.update("INSERT INTO file_deletion_task (file_path) VALUES (?)", path);
        return jdbc.queryForObject("SELECT MAX(id) FROM file_deletion_task", Long.class);
    }

    private Map<String, Object> row(long id) {
        return jdbc.queryForMap("SELECT * FROM file_deletion_task WHERE id = ?", id);
    }

    private int count(String sql, Object... args) {
        return jdbc.queryForObject(sql, Integer.class, args);
    }
}
