package io.shardsweep.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardsweep.ShardSweepApplication;
import io.shardsweep.claim.ShardAssignment;
import io.shardsweep.run.CleanupRunner;
import io.shardsweep.run.RunLog;
import io.shardsweep.run.RunParameters;
import io.shardsweep.run.RunSummary;
import io.shardsweep.testsupport.CapturedLog;
import io.shardsweep.testsupport.S3TestServer;
import io.shardsweep.testsupport.TcpProxy;
import io.shardsweep.testsupport.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * An S3 endpoint that goes away in the middle of a run: a private S3Mock child, stopped while the
 * run's requests are under way. The app reaches it through a proxy that adds a round trip to every
 * request, so that the run is still sending when the server is gone, however fast the server is. Requests sent after it is gone fail as a whole (connection refused,
 * after the SDK's retry); their rows are failed and retried later, none is lost or recorded as deleted.
 */
@SpringBootTest(classes = ShardSweepApplication.class, properties = {
        "xxl.job.executor.enabled=false",
        "spring.main.keep-alive=false",
        "shardsweep.storage.type=s3",
        "shardsweep.s3.keys-per-request=10",
        "shardsweep.s3.concurrent-requests=1",
        "shardsweep.s3.request-timeout=10s",
        "shardsweep.s3.retries=1",
        "shardsweep.in-flight-grace=10s",
        "shardsweep.max-attempts=3",
        "shardsweep.retry-backoff=1h",
        "shardsweep.sweep-after=0",
        "shardsweep.intake.api-token=test-intake-token-0123456789abcdef0123"})
class S3EndpointGoneTest {

    private static final String SCHEMA = "s3gone";
    private static final int ROWS = 2000;
    private static final S3TestServer PRIVATE = S3TestServer.startS3Mock();
    private static final String BUCKET = PRIVATE.freshBucket("gone");
    /** 200 requests of 10 keys, one at a time: at least 10 s of requests, against 2 s or less for S3Mock to stop. */
    private static final Duration ROUND_TRIP = Duration.ofMillis(50);
    private static final TcpProxy PROXY = PRIVATE.newProxy();
    private static CapturedLog log;

    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    CleanupRunner runner;

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry registry) {
        TestDatabase.registerFreshSchema(registry, SCHEMA);
        PRIVATE.registerAsEndpointVia(PROXY, registry, BUCKET);
        log = CapturedLog.start();
    }

    @AfterAll
    static void stop() {
        log.close();
        PROXY.close();
        PRIVATE.close();
    }

    @Test
    void an_endpoint_that_stops_answering_mid_run_fails_the_rows_of_later_requests_and_loses_none() throws Exception {
        List<Object[]> rows = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            rows.add(new Object[] {BUCKET + "/k/" + i}); // absent keys are deleted too: no objects needed
        }
        jdbc.batchUpdate("INSERT INTO file_deletion_task (file_path) VALUES (?)", rows);
        PROXY.setRoundTrip(ROUND_TRIP);

        CompletableFuture<RunSummary> run = CompletableFuture.supplyAsync(
                () -> runner.run(ShardAssignment.ALL, new RunParameters(100, Duration.ofMinutes(5), false), RunLog.NONE));
        for (int wait = 0; wait < 6000 && historyCount() < 20; wait++) {
            Thread.sleep(10);
        }
        assertThat(historyCount()).as("deleted before the endpoint went away").isGreaterThanOrEqualTo(20);
        PRIVATE.close();
        RunSummary summary = run.get(5, TimeUnit.MINUTES);

        assertThat(summary.unaccounted()).isZero();
        assertThat(summary.claimed()).isEqualTo(ROWS);
        assertThat(summary.deleted()).isPositive();
        assertThat(summary.failed()).as("rows of requests after the endpoint went away").isPositive();
        assertThat(summary.deleted() + summary.failed()).isEqualTo(ROWS);
        assertThat(historyCount()).isEqualTo(summary.deleted());
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task")).isEqualTo(summary.failed());
        // Every failed row waits for its retry. Most failed with the whole request; a server that is shutting
        // down may still answer a request in flight with per-key errors, which fail those rows alone.
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'PENDING' AND attempts = 1"
                + " AND last_error IS NOT NULL")).as(this::lastErrors).isEqualTo(summary.failed());
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task WHERE last_error LIKE '%outcome unknown, retried'"))
                .as(this::lastErrors).isPositive();
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'IN_PROGRESS'")).isZero();
        assertThat(log.anyLineContains("rows not deleted: S3 DeleteObjects on bucket " + BUCKET + " failed")).isTrue();
        assertThat(log.anyLineContains(PRIVATE.secretAccessKey())).as("a log line holds the secret key").isFalse();
    }

    private String lastErrors() {
        return "last_error of the rows left: " + jdbc.queryForList(
                "SELECT CONCAT(COUNT(*), ' x ', COALESCE(last_error, 'NULL')) FROM file_deletion_task GROUP BY last_error",
                String.class);
    }

    private int historyCount() {
        return count("SELECT COUNT(*) FROM file_deletion_task_history");
    }

    private int count(String sql) {
        return jdbc.queryForObject(sql, Integer.class);
    }
}
