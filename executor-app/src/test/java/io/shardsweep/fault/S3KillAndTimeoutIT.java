package io.shardsweep.fault;

import static io.shardsweep.fault.FaultScenario.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import com.xxl.job.core.openapi.model.CallbackRequest;
import com.xxl.job.core.openapi.model.TriggerRequest;
import com.xxl.tool.response.Response;
import io.shardsweep.testsupport.S3TestServer;
import io.shardsweep.testsupport.TcpProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * {@code /kill} and the executor timeout from the admin while a DeleteObjects request hangs: the
 * packaged executor with {@code shardsweep.storage.type=s3} in its own JVM, reaching the test's S3
 * server through a {@link TcpProxy}, with its credentials in its environment, driven over its XXL-JOB
 * server as the admin drives it.
 *
 * <p>One request in flight at a time, of 25 keys, and a 2 s request timeout inside a 10 s in-flight
 * grace: a batch of 100 rows is one request on the wire and three queued. A stopped run must release
 * the queued rows untouched, fail the rows of the unanswered request (their outcome is unknown) with
 * the request timeout named, and return once that request timed out, well before the grace would
 * have given up on it. A later run deletes everything, each row once.
 *
 * <p>Run: {@code mvn -B -pl executor-app verify -Dtest=NoSuchTest -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=S3KillAndTimeoutIT}.
 */
class S3KillAndTimeoutIT {

    private static final Duration IN_FLIGHT_GRACE = Duration.ofSeconds(10);
    private static final Duration STATE_WAIT = Duration.ofSeconds(30);
    private static final String TIMED_OUT = "timed out (shardsweep.s3.request-timeout); outcome unknown, retried";
    private static final String BATCH_100 = "{\"batchSize\": 100}";

    private static S3TestServer server;
    private static String bucket;
    private static TcpProxy proxy;
    private static FaultScenario scenario;
    private static ExecutorProcess executor;
    private static S3Client s3;

    /** On failure, the tail of the executor's output. */
    @RegisterExtension
    final AfterTestExecutionCallback printTail = context -> {
        if (context.getExecutionException().isPresent() && scenario != null) {
            System.out.println("FAILED " + context.getDisplayName() + ": " + scenario.describe());
            System.out.println(scenario.tails(80));
        }
    };

    @BeforeAll
    static void startExecutor() {
        server = S3TestServer.get();
        bucket = server.freshBucket("fault-s3");
        proxy = server.newProxy();
        s3 = server.newClient();
        scenario = new FaultScenario("s3-kill-timeout");
        scenario.addSecret("S3 secret key", server.secretAccessKey());
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("shardsweep.storage.type", "s3");
        settings.put("shardsweep.s3.endpoint", "http://127.0.0.1:" + proxy.port());
        settings.put("shardsweep.s3.region", server.region().id());
        settings.put("shardsweep.s3.path-style-access", "true");
        settings.put("shardsweep.s3.buckets", bucket);
        settings.put("shardsweep.s3.keys-per-request", "25");
        settings.put("shardsweep.s3.concurrent-requests", "1");
        settings.put("shardsweep.s3.request-timeout", "2s");
        settings.put("shardsweep.s3.retries", "1");
        settings.put("shardsweep.in-flight-grace", IN_FLIGHT_GRACE.toSeconds() + "s");
        settings.put("shardsweep.retry-backoff", "1ms"); // a stopped run claims nothing more; the next one retries at once
        // Through the SDK's default chain, as an operator passes them: never a ShardSweep property.
        Map<String, String> environment = Map.of(
                "AWS_ACCESS_KEY_ID", server.accessKeyId(),
                "AWS_SECRET_ACCESS_KEY", server.secretAccessKey());
        executor = scenario.launch(scenario.directJdbcUrl(), settings, environment).awaitReady();

        // The SDK, the connection and the pool thread warm: a run's first request is on the wire within milliseconds.
        List<Long> warm = putAndEnqueue("warm-up", 10);
        FaultScenario.Summary summary = scenario.succeeded(scenario.cleanup(executor, scenario.nextJobId(), BATCH_100, 0, 1));
        assertThat(summary.deleted()).as("warm-up run").isEqualTo(warm.size());
    }

    @AfterAll
    static void stop() {
        if (scenario != null) {
            scenario.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    @BeforeEach
    void emptyTablesAndOpenLink() {
        proxy.restore();
        proxy.setRoundTrip(Duration.ZERO);
        scenario.jdbc.update("DELETE FROM file_deletion_task");
        scenario.jdbc.update("DELETE FROM file_deletion_task_history");
    }

    @Test
    void a_kill_from_the_admin_during_a_stalled_request_returns_by_the_request_timeout_and_records_none_of_its_rows_as_deleted() {
        List<Long> ids = putAndEnqueue("kill", 100);
        proxy.stall();
        long bytesBefore = proxy.bytesFromClients();
        int jobId = scenario.nextJobId();

        TriggerRequest run = scenario.cleanup(executor, jobId, BATCH_100, 0, 1);
        awaitTrue("the run's first request on the wire, unanswered", STATE_WAIT,
                () -> proxy.bytesFromClients() > bytesBefore && inProgress() == 100, scenario::describe);
        long killedAt = System.nanoTime();
        Response<String> kill = executor.kill(jobId);
        CallbackRequest callback = scenario.callback(run);
        Duration killToCallback = Duration.ofNanos(System.nanoTime() - killedAt);

        assertThat(kill.getCode()).as("/kill: %s", kill.getMsg()).isEqualTo(200);
        assertThat(kill.getMsg()).as("/kill found a running job thread").isNotEqualTo("job thread already killed.");
        assertThat(callback.getHandleCode()).as("callback: %s", callback.getHandleMsg()).isEqualTo(500);
        assertThat(callback.getHandleMsg()).contains("scheduling center kill job").contains("[job running, killed]");
        assertThat(killToCallback).as("from /kill to the handler's return: the request timeout (2 s), not the in-flight grace")
                .isLessThan(IN_FLIGHT_GRACE);
        assertThat(executor.runLog(run)).contains("failed=25").contains("released=75").contains("stopped: interrupted");
        assertStoppedMidRequest();
        assertThat(keysOfRows("attempts = 1")).as("keys of the unanswered request").hasSize(25)
                .allMatch(S3KillAndTimeoutIT::exists); // the stall dropped the request: S3 never saw it

        proxy.restore();
        assertLaterRunDeletesEachRowOnce(ids, "kill=" + killToCallback.toMillis() + "ms");
    }

    @Test
    void an_executor_timeout_during_a_slow_request_that_s3_carries_out_fails_its_rows_as_unknown_and_a_later_run_records_each_once() {
        List<Long> ids = putAndEnqueue("timeout", 100);
        // S3 gets each request after 1.5 s and deletes its keys; its answer would arrive after 3 s, past the 2 s request timeout.
        proxy.setRoundTrip(Duration.ofSeconds(3));
        TriggerRequest trigger = FaultScenario.trigger(scenario.nextJobId(), FaultScenario.CLEANUP, BATCH_100, 0, 1,
                FaultScenario.SERIAL, 1);

        long sentAt = System.nanoTime();
        TriggerRequest run = scenario.send(executor, trigger);
        CallbackRequest callback = scenario.callback(run);
        String[] summary = {""};
        // xxl-job-core calls back at the timeout and interrupts the handler without waiting for it: its last run-log line says when it returned.
        awaitTrue("the interrupted handler's summary in its run log", STATE_WAIT,
                () -> (summary[0] = executor.runLog(run)).contains("summary: "), scenario::describe);
        Duration handlerTook = Duration.ofNanos(System.nanoTime() - sentAt);

        assertThat(callback.getHandleCode()).as("callback: %s", callback.getHandleMsg()).isEqualTo(502);
        assertThat(callback.getHandleMsg()).contains("job execute timeout");
        assertThat(summary[0]).contains("failed=25").contains("released=75").contains("stopped: interrupted");
        assertThat(handlerTook).as("from the trigger to the handler's return: the request timeout (2 s), not the in-flight grace")
                .isLessThan(IN_FLIGHT_GRACE);
        assertStoppedMidRequest();
        assertThat(keysOfRows("attempts = 1")).as("keys of the request that S3 carried out but never answered in time").hasSize(25)
                .noneMatch(S3KillAndTimeoutIT::exists);
        assertThat(keysOfRows("attempts = 0")).as("keys of the requests never sent").hasSize(75)
                .allMatch(S3KillAndTimeoutIT::exists);

        proxy.setRoundTrip(Duration.ZERO);
        assertLaterRunDeletesEachRowOnce(ids, "timeout_handler_returned_after=" + handlerTook.toMillis() + "ms");
    }

    // ------------------------------------------------------------------------------- assertions

    /**
     * After a run stopped while one request hung: nothing IN_PROGRESS, nothing in history; the 25 rows
     * of that request failed with one attempt used and the request timeout named; the 75 of the
     * requests never sent released untouched.
     */
    private void assertStoppedMidRequest() {
        String state = scenario.describe();
        assertThat(inProgress()).as("rows IN_PROGRESS; %s", state).isZero();
        assertThat(scenario.historyCount()).as("rows recorded as deleted; %s", state).isZero();
        assertThat(scenario.count("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'PENDING' AND attempts = 1 AND last_error LIKE ?",
                "%" + TIMED_OUT)).as("rows of the unanswered request, failed by the request timeout; %s", state).isEqualTo(25);
        assertThat(scenario.count("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'PENDING' AND attempts = 0 AND last_error IS NULL"
                + " AND claim_token IS NULL")).as("rows released untouched; %s", state).isEqualTo(75);
        assertThat(executor.output()).contains("rows not deleted: S3 DeleteObjects on bucket " + bucket + " timed out");
    }

    private void assertLaterRunDeletesEachRowOnce(List<Long> ids, String figures) {
        FaultScenario.Summary later = scenario.succeeded(scenario.cleanup(executor, scenario.nextJobId(), BATCH_100, 0, 1));

        assertThat(later.deleted()).as("a later run, the endpoint answering again").isEqualTo(ids.size());
        assertThat(scenario.count("SELECT COUNT(*) FROM file_deletion_task")).as("rows left").isZero();
        assertThat(scenario.jdbc.queryForList("SELECT id FROM file_deletion_task_history ORDER BY id", Long.class))
                .as("history ids, each exactly once").containsExactlyElementsOf(ids);
        assertThat(scenario.count("SELECT COUNT(*) FROM file_deletion_task_history WHERE outcome <> 'DELETED'")).isZero();
        assertThat(scenario.jdbc.queryForList("SELECT file_path FROM file_deletion_task_history", String.class).stream()
                .map(path -> path.substring(bucket.length() + 1)).filter(S3KillAndTimeoutIT::exists).toList())
                .as("objects of rows in history still in the bucket").isEmpty();
        scenario.assertNoSecretLogged();
        System.out.println("FAULT s3-kill-timeout: rows=" + ids.size() + " history=" + scenario.historyCount() + " " + figures);
    }

    // ------------------------------------------------------------------------------- data

    /** An object and a PENDING row per key; returns the ids of every row in the table. */
    private static List<Long> putAndEnqueue(String prefix, int count) {
        List<Object[]> rows = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String key = prefix + "/" + i + ".mp4";
            s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString("x"));
            rows.add(new Object[] {bucket + "/" + key});
        }
        scenario.jdbc.batchUpdate("INSERT INTO file_deletion_task (file_path) VALUES (?)", rows);
        return scenario.jdbc.queryForList("SELECT id FROM file_deletion_task ORDER BY id", Long.class);
    }

    private static List<String> keysOfRows(String condition) {
        return scenario.jdbc.queryForList("SELECT file_path FROM file_deletion_task WHERE " + condition, String.class).stream()
                .map(path -> path.substring(bucket.length() + 1)).toList();
    }

    private static boolean exists(String key) {
        try {
            s3.headObject(b -> b.bucket(bucket).key(key));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        }
    }

    private static int inProgress() {
        return scenario.count("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'IN_PROGRESS'");
    }
}
