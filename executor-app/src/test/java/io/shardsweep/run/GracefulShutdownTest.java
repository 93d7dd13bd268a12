package io.shardsweep.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardsweep.ShardSweepApplication;
import io.shardsweep.claim.ShardAssignment;
import io.shardsweep.testsupport.DatabaseTest;
import io.shardsweep.testsupport.GatedFileDeleter;
import io.shardsweep.testsupport.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A SIGTERM closes the application context; this test closes one mid-run. Its own context, so the
 * shared test context stays open.
 */
class GracefulShutdownTest {

    @TempDir
    Path storage;

    @ParameterizedTest(name = "pipelined={0}")
    @ValueSource(booleans = {true, false})
    void closing_the_application_mid_run_stops_claiming_finishes_in_flight_rows_and_releases_the_rest(boolean pipelined) throws Exception {
        TestDatabase db = TestDatabase.get();
        DataSource dataSource = db.freshSchema("shutdown");
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        for (int i = 0; i < 40; i++) {
            Files.writeString(storage.resolve("f" + i), "x");
            jdbc.update("INSERT INTO file_deletion_task (file_path) VALUES (?)", "f" + i);
        }
        ConfigurableApplicationContext context = new SpringApplicationBuilder(ShardSweepApplication.class, DatabaseTest.TestBeans.class)
                .web(WebApplicationType.NONE)
                .run("--spring.datasource.url=" + db.jdbcUrl("shutdown"),
                        "--spring.datasource.username=" + db.username(),
                        "--spring.datasource.password=" + db.password(),
                        "--shardsweep.storage-root=" + storage.toRealPath(),
                        "--shardsweep.delete-pool-size=4",
                        "--shardsweep.in-flight-grace=20s",
                        "--shardsweep.pipelined=" + pipelined,
                        "--shardsweep.intake.enabled=false",
                        "--xxl.job.executor.enabled=false");
        CleanupRunner runner = context.getBean(CleanupRunner.class);
        RunRegistry registry = context.getBean(RunRegistry.class);
        GatedFileDeleter gate = context.getBean(GatedFileDeleter.class);
        gate.close();

        CompletableFuture<RunSummary> run = CompletableFuture.supplyAsync(() ->
                runner.run(ShardAssignment.ALL, new RunParameters(10, Duration.ofMinutes(5), false), RunLog.NONE));
        gate.awaitWaiting(4); // first batch of 10: 4 deletions in flight, 6 queued
        // Pipelined, the run claims its second batch while the first is deleted; 20 rows never claimed.
        int claimed = pipelined ? 20 : 10;
        while (jdbc.queryForObject("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'IN_PROGRESS'", Integer.class) < claimed) {
            Thread.sleep(10);
        }
        CompletableFuture<Void> shutdown = CompletableFuture.runAsync(context::close);
        while (!registry.isStopping()) {
            Thread.sleep(10);
        }
        assertThat(runner.run(ShardAssignment.ALL, new RunParameters(10, Duration.ofMinutes(5), false), RunLog.NONE).claimed())
                .as("a run triggered during shutdown claims nothing").isZero();
        Thread.sleep(300);
        assertThat(shutdown).as("shutdown waits for the run").isNotDone();
        gate.open();
        shutdown.get(30, TimeUnit.SECONDS);

        assertThat(run).as("the run ended before the context finished closing").isDone();
        RunSummary summary = run.get();
        assertThat(summary.stopReason()).isEqualTo(StopReason.SHUTDOWN);
        assertThat(summary.deleted()).isEqualTo(4);
        assertThat(summary.claimed()).isEqualTo(claimed);
        assertThat(summary.released()).as("the queued rows and the batch claimed ahead, never started").isEqualTo(claimed - 4);
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'IN_PROGRESS'", Integer.class)).isZero();
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'PENDING' AND attempts = 0", Integer.class)).isEqualTo(36);
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM file_deletion_task_history", Integer.class)).isEqualTo(4);
    }

    @Test
    void a_stopped_registry_that_is_started_again_lets_runs_claim_again() {
        RunRegistry registry = new RunRegistry(new io.shardsweep.config.ShardSweepProperties("/srv", null, 2, 200, 5000,
                Duration.ofSeconds(50), Duration.ofHours(6), Duration.ofSeconds(1), 3, Duration.ofMinutes(1), Duration.ofMinutes(5),
                500, 1000, Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(2), true, 2, 16));
        registry.start();
        registry.stop();
        assertThat(registry.enter()).as("refused while stopped").isFalse();

        registry.start(); // a paused context resumes

        assertThat(registry.isStopping()).isFalse();
        assertThat(registry.enter()).isTrue();
        registry.exit();
    }
}
