package io.shardsweep.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardsweep.ShardSweepApplication;
import io.shardsweep.claim.ClaimMapper;
import io.shardsweep.claim.ClaimedBatch;
import io.shardsweep.claim.ShardAssignment;
import io.shardsweep.claim.TaskClaimer;
import io.shardsweep.finish.TaskFinisher;
import io.shardsweep.intake.EnqueueRequest;
import io.shardsweep.intake.TaskIntake;
import io.shardsweep.intake.TaskView;
import io.shardsweep.storage.TaskResult;
import io.shardsweep.testsupport.DatabaseTest;
import io.shardsweep.testsupport.MariaDb10GreetingProxy;
import io.shardsweep.testsupport.MutableClock;
import io.shardsweep.testsupport.TestDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
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
 * Every time the executor writes or compares keeps its milliseconds, against a server that greets
 * as MariaDB 10.x does ({@code 5.5.5-10.x}): Connector/J then takes the server for MySQL 5.5 and
 * cuts the fraction off every temporal parameter. The real database, reached through a proxy that
 * only rewrites that greeting.
 */
@SpringBootTest(classes = ShardSweepApplication.class, properties = {
        "xxl.job.executor.enabled=false",
        "spring.main.keep-alive=false",
        "shardsweep.delete-pool-size=2",
        "shardsweep.retry-backoff=1m",
        "shardsweep.stale-threshold=5m",
        "shardsweep.intake.api-token=test-intake-token-0123456789abcdef0123"})
@Import(DatabaseTest.TestBeans.class)
class MillisecondTimestampsTest {

    private static final String SCHEMA = "millis";
    private static MariaDb10GreetingProxy proxy;

    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    DataSource dataSource;
    @Autowired
    MutableClock clock;
    @Autowired
    TaskIntake intake;
    @Autowired
    TaskClaimer claimer;
    @Autowired
    TaskFinisher finisher;
    @Autowired
    ClaimMapper claims;

    @DynamicPropertySource
    static void databaseBehindAMariaDb10Greeting(DynamicPropertyRegistry registry) throws IOException {
        TestDatabase db = TestDatabase.get();
        db.freshSchema(SCHEMA);
        proxy = new MariaDb10GreetingProxy(db.jdbcUrl(SCHEMA));
        registry.add("spring.datasource.url", () -> proxy.proxied(db.jdbcUrl(SCHEMA)));
        registry.add("spring.datasource.username", db::username);
        registry.add("spring.datasource.password", db::password);
        registry.add("shardsweep.storage-root", MillisecondTimestampsTest::storageRoot);
    }

    @BeforeEach
    void emptyTables() {
        jdbc.update("DELETE FROM file_deletion_task");
        jdbc.update("DELETE FROM file_deletion_task_history");
        clock.reset();
    }

    @Test
    void the_driver_takes_the_server_for_mariadb_10_as_it_greets() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            assertThat(c.getMetaData().getDatabaseProductVersion()).startsWith("5.5.5-");
        }
    }

    @Test
    void a_not_before_of_750_milliseconds_enqueued_through_the_intake_is_stored_and_shown_with_them() {
        TaskView view = intake.enqueue(new EnqueueRequest("a.mp4", null, "2030-01-02T03:04:05.750Z")).task();

        assertThat(stored("not_before", "file_deletion_task", view.id())).isEqualTo("2030-01-02 03:04:05.750");
        assertThat(view.notBefore()).isEqualTo(Instant.parse("2030-01-02T03:04:05.750Z"));
    }

    @Test
    void a_not_before_of_750_milliseconds_is_due_at_750_and_not_at_749() {
        intake.enqueue(new EnqueueRequest("a.mp4", null, "2030-01-02T03:04:05.750Z"));

        assertThat(claims.countDue(0, 1, Instant.parse("2030-01-02T03:04:05.749Z"))).isZero();
        assertThat(claims.countDue(0, 1, Instant.parse("2030-01-02T03:04:05.750Z"))).isEqualTo(1);
    }

    @Test
    void claimed_at_and_lease_until_are_stored_with_the_milliseconds_of_the_claim() {
        long id = intake.enqueue(new EnqueueRequest("a.mp4", null, null)).task().id();
        clockAtAbout750Milliseconds();

        ClaimedBatch batch = claimer.claim(ShardAssignment.ALL, 10);

        assertThat(batch.claimedAt().toEpochMilli() % 1000).as("the premise: a claim at a fraction of a second").isNotZero();
        assertThat(stored("claimed_at", "file_deletion_task", id)).isEqualTo(UtcInstantTypeHandler.format(batch.claimedAt()));
        assertThat(stored("lease_until", "file_deletion_task", id)).isEqualTo(UtcInstantTypeHandler.format(batch.leaseUntil()));
    }

    @Test
    void a_retry_backoff_is_stored_with_the_milliseconds_of_the_failure() {
        long id = intake.enqueue(new EnqueueRequest("a.mp4", null, null)).task().id();
        clockAtAbout750Milliseconds();
        ClaimedBatch batch = claimer.claim(ShardAssignment.ALL, 10);
        Instant earliest = batch.claimedAt().truncatedTo(ChronoUnit.MILLIS);

        finisher.finish(batch, List.of(TaskResult.failed(batch.tasks().get(0), TaskResult.Kind.FAILED, "IOException: busy")));
        Instant latest = clock.instant();

        Instant notBefore = jdbc.queryForObject("SELECT not_before FROM file_deletion_task WHERE id = ?", LocalDateTime.class, id)
                .toInstant(ZoneOffset.UTC);
        assertThat(notBefore).isBetween(earliest.plus(Duration.ofMinutes(1)), latest.plus(Duration.ofMinutes(1)));
    }

    @Test
    void a_task_finished_in_the_second_it_was_created_has_a_finished_at_not_before_its_created_at() {
        awaitEarlyInASecond();
        long id = intake.enqueue(new EnqueueRequest("a.mp4", null, null)).task().id();
        ClaimedBatch batch = claimer.claim(ShardAssignment.ALL, 10);

        finisher.finish(batch, List.of(TaskResult.of(batch.tasks().get(0), TaskResult.Kind.DELETED)));

        String created = stored("created_at", "file_deletion_task_history", id);
        String finished = stored("finished_at", "file_deletion_task_history", id);
        assertThat(created).as("the premise: created at a fraction of a second").doesNotEndWith(".000");
        assertThat(finished).isGreaterThanOrEqualTo(created);
    }

    @Test
    void a_created_at_and_finished_at_of_15_milliseconds_are_shown_with_them() {
        jdbc.update("INSERT INTO file_deletion_task_history (id, file_path, business_key, outcome, attempts, created_at, finished_at, finished_by)"
                + " VALUES (7, 'a.mp4', 'k', 'DELETED', 0, '2026-12-01 19:28:39.015', '2026-12-01 19:28:40.015', 'host')");

        TaskView view = intake.find(7).orElseThrow();

        assertThat(view.createdAt()).isEqualTo(Instant.parse("2026-12-01T19:28:39.015Z"));
        assertThat(view.finishedAt()).isEqualTo(Instant.parse("2026-12-01T19:28:40.015Z"));
    }

    /** Moves the clock so that it reads a little after .750 of some second, never a whole second. */
    private void clockAtAbout750Milliseconds() {
        long millis = clock.instant().toEpochMilli() % 1000;
        clock.advance(Duration.ofMillis(1750 - millis));
    }

    /**
     * Waits (at most a second) for the wall clock to be early in a second, so that a row created now
     * and finished a few milliseconds later is created and finished within the same second, after .000.
     */
    private static void awaitEarlyInASecond() {
        while (true) {
            long millis = System.currentTimeMillis() % 1000;
            if (millis >= 100 && millis < 500) {
                return;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private String stored(String column, String table, long id) {
        return jdbc.queryForObject("SELECT CAST(" + column + " AS CHAR) FROM " + table + " WHERE id = ?", String.class, id);
    }

    private static String storageRoot() {
        try {
            return Files.createTempDirectory("shardsweep-millis").toRealPath().toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
