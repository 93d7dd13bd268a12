package io.shardsweep.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardsweep.ShardSweepApplication;
import io.shardsweep.claim.ShardAssignment;
import io.shardsweep.testsupport.DatabaseTest;
import io.shardsweep.testsupport.TestDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A claim that meets a lock it cannot get is retried, as a whole transaction, through the database
 * retry. Another connection holds {@code LOCK TABLES file_deletion_task WRITE}; the application's
 * sessions wait at most 1 s for a table lock ({@code lock_wait_timeout}), so each claim attempt fails
 * with a real lock wait timeout until the lock is released.
 */
@SpringBootTest(classes = ShardSweepApplication.class, properties = {
        "xxl.job.executor.enabled=false",
        "spring.main.keep-alive=false",
        "shardsweep.delete-pool-size=2",
        "shardsweep.intake.enabled=false",
        "spring.datasource.hikari.connection-init-sql=SET time_zone = '+00:00', lock_wait_timeout = " + ClaimRetryTest.LOCK_WAIT_TIMEOUT_SECONDS})
@Import(DatabaseTest.TestBeans.class)
class ClaimRetryTest {

    static final int LOCK_WAIT_TIMEOUT_SECONDS = 1;
    private static final String SCHEMA = "claim_retry";
    private static final Path STORAGE_ROOT = storageRoot();
    private static final RunParameters PARAMETERS = new RunParameters(50, Duration.ofMinutes(1), false);

    @Autowired
    CleanupRunner runner;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    DataSource dataSource;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabase.registerFreshSchema(registry, SCHEMA);
        registry.add("shardsweep.storage-root", STORAGE_ROOT::toString);
    }

    @BeforeEach
    void fiveFilesWithARowEach() throws IOException {
        jdbc.update("DELETE FROM file_deletion_task");
        jdbc.update("DELETE FROM file_deletion_task_history");
        for (int i = 0; i < 5; i++) {
            Files.writeString(STORAGE_ROOT.resolve("f" + i + ".mp4"), "x");
            jdbc.update("INSERT INTO file_deletion_task (file_path) VALUES (?)", "f" + i + ".mp4");
        }
    }

    @Test
    void a_claim_that_times_out_on_a_table_lock_is_retried_and_the_run_drains_the_shard_once_the_lock_is_released() throws Exception {
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread run;
        try (Connection holder = dataSource.getConnection(); Statement st = holder.createStatement()) {
            st.execute("LOCK TABLES file_deletion_task WRITE");
            run = start(outcome);
            awaitAClaimWaitingForTheTableLock();
            // Two attempts time out (at 1 s and 2.25 s); the third starts after the release.
            Thread.sleep(2_500);
            st.execute("UNLOCK TABLES");
        }
        run.join(TimeUnit.SECONDS.toMillis(30));

        assertThat(outcome.get()).isInstanceOf(RunSummary.class);
        RunSummary summary = (RunSummary) outcome.get();
        assertThat(summary.stopReason()).isEqualTo(StopReason.DRAINED);
        assertThat(summary.claimed()).isEqualTo(5);
        assertThat(summary.deleted()).isEqualTo(5);
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM file_deletion_task_history", Integer.class)).isEqualTo(5);
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM file_deletion_task", Integer.class)).isZero();
    }

    @Test
    void a_run_interrupted_while_its_claim_is_retried_stops_without_claiming_anything() throws Exception {
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread run;
        try (Connection holder = dataSource.getConnection(); Statement st = holder.createStatement()) {
            st.execute("LOCK TABLES file_deletion_task WRITE");
            run = start(outcome);
            awaitAClaimWaitingForTheTableLock();
            run.interrupt(); // a waiting statement ends at the lock wait timeout; the retry then stops at its pause
            run.join(TimeUnit.SECONDS.toMillis(30));
            st.execute("UNLOCK TABLES");
        }

        assertThat(run.isAlive()).isFalse();
        assertThat(outcome.get()).isInstanceOf(RunSummary.class);
        RunSummary summary = (RunSummary) outcome.get();
        assertThat(summary.stopReason()).isEqualTo(StopReason.INTERRUPTED);
        assertThat(summary.claimed()).isZero();
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'PENDING' AND attempts = 0 AND claim_token IS NULL",
                Integer.class)).isEqualTo(5);
    }

    /** Runs the cleanup on a thread of its own; {@code outcome} gets its summary or what it threw. */
    private Thread start(AtomicReference<Object> outcome) {
        Thread thread = new Thread(() -> {
            try {
                outcome.set(runner.run(ShardAssignment.ALL, PARAMETERS, RunLog.NONE));
            } catch (RuntimeException e) {
                outcome.set(e);
            }
        }, "claim-retry-test-run");
        thread.start();
        return thread;
    }

    /** Polls the server (at most 10 s) until a session waits for the table's metadata lock. */
    private void awaitAClaimWaitingForTheTableLock() throws SQLException, InterruptedException {
        for (int i = 0; i < 200; i++) {
            try (Connection c = dataSource.getConnection(); Statement st = c.createStatement();
                 var rs = st.executeQuery("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE STATE = 'Waiting for table metadata lock'")) {
                rs.next();
                if (rs.getInt(1) > 0) {
                    return;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no claim came to wait for the table lock within 10 s");
    }

    private static Path storageRoot() {
        try {
            return Files.createTempDirectory("shardsweep-claim-retry").toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
