package io.shardsweep.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.shardsweep.ShardSweepApplication;
import io.shardsweep.claim.ShardAssignment;
import io.shardsweep.run.CleanupRunner;
import io.shardsweep.run.RunLog;
import io.shardsweep.run.RunParameters;
import io.shardsweep.run.RunSummary;
import io.shardsweep.run.StopReason;
import io.shardsweep.testsupport.CapturedLog;
import io.shardsweep.testsupport.MutableClock;
import io.shardsweep.testsupport.S3TestServer;
import io.shardsweep.testsupport.TcpProxy;
import io.shardsweep.testsupport.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * An S3 endpoint that stops answering: the app reaches the S3 server through a {@link TcpProxy},
 * which {@link TcpProxy#stall() stalls} (connections stay open, nothing comes back), so only the
 * client's own {@code shardsweep.s3.request-timeout} ends a call. The timeout (2 s) is well inside
 * the in-flight grace (15 s): a run that returns before the grace with "timed out" on its rows was
 * ended by the request timeout, not by giving up on a call that goes on.
 *
 * <p>One request in flight at a time (concurrent-requests 1) of 25 keys: a batch of 100 rows is one
 * request on the wire and three queued behind it, which a stopping run must release untouched.
 * The retry backoff is an hour, so a failed row is not claimed again by the run that failed it; the
 * test moves the app's clock past it for the later run.
 */
@SpringBootTest(classes = ShardSweepApplication.class, properties = {
        "xxl.job.executor.enabled=false",
        "spring.main.keep-alive=false",
        "shardsweep.storage.type=s3",
        "shardsweep.s3.keys-per-request=25",
        "shardsweep.s3.concurrent-requests=1",
        "shardsweep.s3.request-timeout=2s",
        "shardsweep.s3.retries=1",
        "shardsweep.in-flight-grace=15s",
        "shardsweep.max-attempts=3",
        "shardsweep.retry-backoff=1h",
        "shardsweep.sweep-after=0",
        "shardsweep.intake.api-token=test-intake-token-0123456789abcdef0123"})
@Import(S3EndpointStallTest.SettableClock.class)
class S3EndpointStallTest {

    private static final String SCHEMA = "s3stall";
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration IN_FLIGHT_GRACE = Duration.ofSeconds(15);
    private static final String TIMED_OUT = "timed out (shardsweep.s3.request-timeout); outcome unknown, retried";
    /** At DEBUG around the stalled runs: what they say about a call that timed out is searched for the secret too. */
    private static final String[] SDK_LOGGERS = {"software.amazon.awssdk", "org.apache.http"};
    private static final S3TestServer SERVER = S3TestServer.get();
    private static final String BUCKET = SERVER.freshBucket("stall");
    private static final TcpProxy PROXY = SERVER.newProxy();
    private static CapturedLog log;

    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    CleanupRunner runner;
    @Autowired
    MutableClock clock;
    @Autowired
    MeterRegistry meters;

    private final S3Client s3 = SERVER.newClient();

    @TestConfiguration(proxyBeanMethods = false)
    static class SettableClock {
        @Bean
        @Primary
        MutableClock mutableClock() {
            return new MutableClock();
        }
    }

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry registry) {
        TestDatabase.registerFreshSchema(registry, SCHEMA);
        SERVER.registerAsEndpointVia(PROXY, registry, BUCKET);
        log = CapturedLog.start();
    }

    @AfterAll
    static void stop() {
        log.close();
        PROXY.close();
    }

    @BeforeEach
    void emptyTablesAndOpenLink() {
        PROXY.restore();
        PROXY.setRoundTrip(Duration.ZERO);
        jdbc.update("DELETE FROM file_deletion_task");
        jdbc.update("DELETE FROM file_deletion_task_history");
    }

    @AfterEach
    void closeClient() {
        PROXY.restore();
        s3.close();
    }

    @Test
    void an_endpoint_that_stops_answering_mid_run_fails_the_unanswered_rows_by_the_request_timeout_and_a_later_run_deletes_them()
            throws Exception {
        List<Long> ids = putAndEnqueue("mid", 100);
        PROXY.setRoundTrip(Duration.ofMillis(300)); // every request takes a round trip: the stall lands between two
        Requests before = requests();

        RunSummary first;
        try (var debug = CapturedLog.debug(SDK_LOGGERS)) {
            CompletableFuture<RunSummary> run = CompletableFuture.supplyAsync(
                    () -> runner.run(ShardAssignment.ALL, new RunParameters(25, Duration.ofMinutes(2), false), RunLog.NONE));
            for (int wait = 0; wait < 3000 && historyCount() < 25; wait++) {
                Thread.sleep(10);
            }
            assertThat(historyCount()).as("rows deleted before the endpoint stopped answering").isGreaterThanOrEqualTo(25);
            PROXY.stall();
            first = run.get(2, TimeUnit.MINUTES);
        }
        Requests during = requests().minus(before);

        assertThat(first.unaccounted()).isZero();
        assertThat(first.stopReason()).isEqualTo(StopReason.DRAINED);
        assertThat(first.claimed()).isEqualTo(100);
        assertThat(first.deleted()).isPositive();
        assertThat(first.failed()).as("rows of requests sent after the stall").isPositive();
        assertThat(first.deleted() + first.failed()).isEqualTo(100);
        assertThat(inProgress()).isZero();
        assertThat(historyCount()).as("rows recorded as deleted: only the answered ones").isEqualTo(first.deleted());
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'PENDING' AND attempts = 1 AND last_error LIKE ?",
                "%" + TIMED_OUT)).as("failed rows, each with one attempt used and the request timeout named").isEqualTo(first.failed());
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task t JOIN file_deletion_task_history h ON h.id = t.id")).isZero();
        assertThat(during.timeouts()).as("one timed-out request per 25 failed rows").isEqualTo(first.failed() / 25);
        assertThat(during.sent()).as("every request sent has ended when the run returns").isEqualTo(during.ended());

        PROXY.restore();
        PROXY.setRoundTrip(Duration.ZERO);
        clock.advance(Duration.ofHours(1).plusMinutes(1)); // the failed rows' retry backoff has passed
        RunSummary later = runner.run(ShardAssignment.ALL, new RunParameters(100, Duration.ofMinutes(2), false), RunLog.NONE);

        assertThat(later.deleted()).as("the rows the stalled run failed").isEqualTo(first.failed());
        assertThat(later.failed()).isZero();
        assertDeletedExactlyOnce(ids);
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task_history WHERE attempts = 1")).as("retried rows keep their failed attempt")
                .isEqualTo(first.failed());
        assertNoSecretLogged();
    }

    @Test
    void the_run_timeout_during_a_stalled_request_ends_the_run_by_the_request_timeout_failing_the_rows_in_flight_and_releasing_the_rest()
            throws Exception {
        warmUp();
        List<Long> ids = putAndEnqueue("deadline", 100);
        PROXY.stall();
        Requests before = requests();

        // 100 rows: one request of 25 keys on the wire, three queued; the run's deadline (1 s) comes first.
        RunSummary stopped;
        try (var debug = CapturedLog.debug(SDK_LOGGERS)) {
            stopped = runner.run(ShardAssignment.ALL, new RunParameters(100, Duration.ofSeconds(1), false), RunLog.NONE);
        }
        Requests during = requests().minus(before);

        assertThat(stopped.stopReason()).isEqualTo(StopReason.TIMEOUT);
        assertThat(stopped.unaccounted()).isZero();
        assertThat(stopped.claimed()).isEqualTo(100);
        assertThat(stopped.deleted()).isZero();
        assertThat(stopped.failed()).as("the rows of the request in flight").isEqualTo(25);
        assertThat(stopped.released()).as("the rows of the three requests never sent").isEqualTo(75);
        assertThat(inProgress()).isZero();
        assertThat(historyCount()).isZero();
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'PENDING' AND attempts = 1 AND last_error LIKE ?",
                "%" + TIMED_OUT)).isEqualTo(25);
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'PENDING' AND attempts = 0 AND last_error IS NULL"
                + " AND claim_token IS NULL")).isEqualTo(75);
        assertThat(during.sent()).as("requests sent: only the one in flight at the deadline").isEqualTo(1);
        assertThat(during.ended()).as("it ended (by its timeout) before the run returned").isEqualTo(1);
        assertThat(during.timeouts()).isEqualTo(1);
        assertThat(stopped.took()).as("the run waited for its request's timeout (%s), not for the in-flight grace (%s)",
                REQUEST_TIMEOUT, IN_FLIGHT_GRACE).isLessThan(IN_FLIGHT_GRACE);
        for (String key : keys("deadline", 100)) {
            assertThat(exists(key)).as("object %s, never deleted: the request never reached the server", key).isTrue();
        }

        PROXY.restore();
        clock.advance(Duration.ofHours(1).plusMinutes(1));
        RunSummary later = runner.run(ShardAssignment.ALL, new RunParameters(100, Duration.ofMinutes(2), false), RunLog.NONE);

        assertThat(later.deleted()).isEqualTo(100);
        assertDeletedExactlyOnce(ids);
        assertNoSecretLogged();
    }

    // ------------------------------------------------------------------------------- helpers

    /** The SDK, the connection and the pool thread warm, so that the next run's first request is on the wire within milliseconds. */
    private void warmUp() {
        putAndEnqueue("warm-up", 1);
        RunSummary warm = runner.run(ShardAssignment.ALL, new RunParameters(10, Duration.ofMinutes(1), false), RunLog.NONE);
        assertThat(warm.deleted()).isEqualTo(1);
        jdbc.update("DELETE FROM file_deletion_task_history");
    }

    private List<String> keys(String prefix, int count) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            keys.add(prefix + "/" + i + ".mp4");
        }
        return keys;
    }

    /** An object and a PENDING row per key; returns the row ids. */
    private List<Long> putAndEnqueue(String prefix, int count) {
        List<Object[]> rows = new ArrayList<>();
        for (String key : keys(prefix, count)) {
            s3.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromString("x"));
            rows.add(new Object[] {BUCKET + "/" + key});
        }
        jdbc.batchUpdate("INSERT INTO file_deletion_task (file_path) VALUES (?)", rows);
        return jdbc.queryForList("SELECT id FROM file_deletion_task ORDER BY id", Long.class);
    }

    /** No row lost or doubled: each in history once, none left, and every object gone. */
    private void assertDeletedExactlyOnce(List<Long> ids) {
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task")).as("rows left").isZero();
        assertThat(jdbc.queryForList("SELECT id FROM file_deletion_task_history ORDER BY id", Long.class))
                .as("history ids, each exactly once").containsExactlyElementsOf(ids);
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task_history WHERE outcome <> 'DELETED'")).isZero();
        List<String> left = jdbc.queryForList("SELECT file_path FROM file_deletion_task_history", String.class).stream()
                .map(path -> path.substring(BUCKET.length() + 1)).filter(this::exists).toList();
        assertThat(left).as("objects of rows in history still in the bucket").isEmpty();
    }

    private void assertNoSecretLogged() {
        assertThat(log.anyLineContains("rows not deleted: S3 DeleteObjects on bucket " + BUCKET)).as("the timeouts were logged").isTrue();
        assertThat(log.anyLineContains("Sending Request")).as("the SDK's own DEBUG lines were seen").isTrue();
        assertThat(log.anyLineContains(SERVER.secretAccessKey())).as("a log line holds the secret key").isFalse();
    }

    private boolean exists(String key) {
        try {
            s3.headObject(b -> b.bucket(BUCKET).key(key));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        }
    }

    /** The S3 backend's request meters: sent (keys-per-request samples), ended (ok + failed), and failed by timeout. */
    private record Requests(long sent, long ended, long timeouts) {
        Requests minus(Requests earlier) {
            return new Requests(sent - earlier.sent, ended - earlier.ended, timeouts - earlier.timeouts);
        }
    }

    private Requests requests() {
        long sent = meters.get("shardsweep.s3.keys.per.request").summary().count();
        long ok = (long) meters.get("shardsweep.s3.requests").tag("outcome", "ok").counter().count();
        long failed = (long) meters.get("shardsweep.s3.requests").tag("outcome", "failed").counter().count();
        var timeouts = meters.find("shardsweep.s3.errors").tag("code", "timeout").counter();
        return new Requests(sent, ok + failed, timeouts == null ? 0 : (long) timeouts.count());
    }

    private int historyCount() {
        return count("SELECT COUNT(*) FROM file_deletion_task_history");
    }

    private int inProgress() {
        return count("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'IN_PROGRESS'");
    }

    private int count(String sql, Object... args) {
        return jdbc.queryForObject(sql, Integer.class, args);
    }
}
