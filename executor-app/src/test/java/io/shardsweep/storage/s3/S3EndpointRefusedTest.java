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
import io.shardsweep.testsupport.TestDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * An S3 endpoint that refuses connections (a port nothing listens on): no request reaches it, so the
 * rows must not pay an attempt for it, and the run must not go on claiming batch after batch to fail
 * each of them. It stops after its first batch, the rows go back to PENDING untouched, and the run
 * fails, saying why.
 */
@SpringBootTest(classes = ShardSweepApplication.class, properties = {
        "xxl.job.executor.enabled=false",
        "spring.main.keep-alive=false",
        "shardsweep.storage.type=s3",
        "shardsweep.s3.region=us-east-1",
        "shardsweep.s3.path-style-access=true",
        "shardsweep.s3.buckets=video",
        "shardsweep.s3.keys-per-request=10",
        "shardsweep.s3.concurrent-requests=2",
        "shardsweep.s3.request-timeout=10s",
        "shardsweep.s3.retries=1",
        "shardsweep.in-flight-grace=10s",
        "shardsweep.max-attempts=3",
        "shardsweep.intake.api-token=test-intake-token-0123456789abcdef0123"})
class S3EndpointRefusedTest {

    private static final int ROWS = 500;
    private static final int BATCH = 100;

    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    CleanupRunner runner;
    @Autowired
    MeterRegistry meters;

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry registry) {
        TestDatabase.registerFreshSchema(registry, "s3refused");
        int closed = closedPort();
        registry.add("shardsweep.s3.endpoint", () -> "http://127.0.0.1:" + closed);
        // Where the SDK's default chain reads them; the other S3 tests' values, shared by this JVM, are left alone.
        if (System.getProperty("aws.accessKeyId") == null) {
            System.setProperty("aws.accessKeyId", "refused-test-key");
            System.setProperty("aws.secretAccessKey", "refused-test-secret-never-sent");
        }
    }

    @Test
    void an_endpoint_that_refuses_connections_stops_the_run_after_its_first_batch_and_costs_no_row_an_attempt() {
        List<Object[]> rows = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            rows.add(new Object[] {"video/k/" + i});
        }
        jdbc.batchUpdate("INSERT INTO file_deletion_task (file_path) VALUES (?)", rows);
        List<String> lines = new ArrayList<>();

        RunSummary summary = runner.run(ShardAssignment.ALL, new RunParameters(BATCH, Duration.ofMinutes(2), false),
                (pattern, args) -> lines.add(org.slf4j.helpers.MessageFormatter.arrayFormat(pattern, args).getMessage()));

        assertThat(summary.stopReason()).isEqualTo(StopReason.STORAGE_UNAVAILABLE);
        // the first batch, and at most the one claimed ahead of it while it was sent
        assertThat(summary.claimed()).isBetween(BATCH, 2 * BATCH);
        assertThat(summary.released()).isEqualTo(summary.claimed());
        assertThat(summary.deleted() + summary.failed() + summary.dead()).isZero();
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'PENDING' AND attempts = 0 AND last_error IS NULL"))
                .as("rows untouched").isEqualTo(ROWS);
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task_history")).isZero();
        assertThat(lines).anySatisfy(line -> assertThat(line)
                .contains("the storage could not be reached: S3 DeleteObjects on bucket video: the endpoint could not be reached (")
                .contains("nothing was sent"));
        assertThat(meters.counter("shardsweep.s3.errors", "code", "unreachable").count()).isPositive();
    }

    private int count(String sql) {
        return jdbc.queryForObject(sql, Integer.class);
    }

    private static int closedPort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
