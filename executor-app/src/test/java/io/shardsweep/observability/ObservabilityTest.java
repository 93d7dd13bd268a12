package io.shardsweep.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.shardsweep.claim.ClaimedBatch;
import io.shardsweep.claim.ShardAssignment;
import io.shardsweep.claim.TaskClaimer;
import io.shardsweep.compensation.StaleTaskCompensator;
import io.shardsweep.run.CleanupRunner;
import io.shardsweep.run.RunFinished;
import io.shardsweep.run.RunLog;
import io.shardsweep.run.RunParameters;
import io.shardsweep.run.RunSummary;
import io.shardsweep.run.StopReason;
import io.shardsweep.testsupport.DatabaseTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.prometheus.PrometheusOutputFormat;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.prometheus.PrometheusScrapeEndpoint;
import org.springframework.dao.DataAccessException;

/**
 * What the meters and the health indicators report, read from the actuator endpoints' own beans:
 * the SQL-level context runs without servers, and actuator's HTTP side (its own port, loopback) is
 * tested with real servers in {@link ManagementPortTest}.
 */
class ObservabilityTest extends DatabaseTest {

    @Autowired
    PrometheusScrapeEndpoint prometheus;

    @Autowired
    HealthEndpoint health;

    @Autowired
    CleanupRunner runner;

    @Autowired
    TaskClaimer claimer;

    @Autowired
    StaleTaskCompensator compensator;

    @Autowired
    CleanupMetrics metrics;

    @Autowired
    MeterRegistry registry;

    @Test
    void prometheus_shows_the_rows_a_run_handled_by_outcome_and_its_duration() throws Exception {
        double deletedBefore = scrape("shardsweep_tasks_total", "outcome=\"deleted\"");
        double absentBefore = scrape("shardsweep_tasks_total", "outcome=\"already_absent\"");
        enqueueFiles(7);
        enqueue("gone.mp4");

        runner.run(ShardAssignment.ALL, new RunParameters(50, Duration.ofMinutes(1), false), RunLog.NONE);

        assertThat(scrape("shardsweep_tasks_total", "outcome=\"deleted\"") - deletedBefore).isEqualTo(7);
        assertThat(scrape("shardsweep_tasks_total", "outcome=\"already_absent\"") - absentBefore).isEqualTo(1);
        assertThat(scrape("shardsweep_run_duration_seconds_count", "stop=\"drained\"")).isGreaterThanOrEqualTo(1);
        assertThat(scrape("shardsweep_run_files_per_second", "")).isGreaterThan(0);
    }

    @Test
    void prometheus_times_each_batch_claim_and_finish_on_the_run_thread() throws Exception {
        double ownClaimsBefore = scrape("shardsweep_claim_duration_seconds_count", "from=\"own\"");
        double overdueClaimsBefore = scrape("shardsweep_claim_duration_seconds_count", "from=\"overdue\"");
        double finishesBefore = scrape("shardsweep_finish_duration_seconds_count", "");
        enqueueFiles(12);

        RunSummary summary = runner.run(ShardAssignment.ALL, new RunParameters(5, Duration.ofMinutes(1), false), RunLog.NONE);

        assertThat(summary.batches()).isEqualTo(3);
        // 3 batches finished, then one claim that found the shard drained
        assertThat(scrape("shardsweep_claim_duration_seconds_count", "from=\"own\"") - ownClaimsBefore).isEqualTo(4);
        assertThat(scrape("shardsweep_claim_duration_seconds_count", "from=\"overdue\"") - overdueClaimsBefore).isZero();
        assertThat(scrape("shardsweep_finish_duration_seconds_count", "") - finishesBefore).isEqualTo(3);
        assertThat(scrape("shardsweep_finish_duration_seconds_sum", "")).isGreaterThan(0);
    }

    @Test
    void prometheus_counts_swept_rows_apart_as_part_of_the_claimed_ones() throws Exception {
        double sweptBefore = scrape("shardsweep_tasks_total", "outcome=\"swept\"");
        double claimedBefore = scrape("shardsweep_tasks_total", "outcome=\"claimed\"");
        enqueueFiles(9);
        clock.advance(Duration.ofMinutes(5));

        runner.run(new ShardAssignment(0, 3), new RunParameters(50, Duration.ofMinutes(1), false).withSweepAfter(Duration.ofMinutes(2)),
                RunLog.NONE);

        assertThat(scrape("shardsweep_tasks_total", "outcome=\"swept\"") - sweptBefore).isEqualTo(6);
        assertThat(scrape("shardsweep_tasks_total", "outcome=\"claimed\"") - claimedBefore).isEqualTo(9);
    }

    @Test
    void a_run_that_fails_on_the_database_is_counted_as_a_failure() throws Exception {
        double before = scrape("shardsweep_run_failures_total", "cause=\"database\"");
        enqueueFiles(2);
        jdbc.execute("RENAME TABLE file_deletion_task TO file_deletion_task_away");
        try {
            assertThatThrownBy(() -> runner.run(ShardAssignment.ALL, new RunParameters(50, Duration.ofMinutes(1), false), RunLog.NONE))
                    .isInstanceOf(DataAccessException.class);
        } finally {
            jdbc.execute("RENAME TABLE file_deletion_task_away TO file_deletion_task");
        }

        assertThat(scrape("shardsweep_run_failures_total", "cause=\"database\"") - before).isEqualTo(1);
    }

    @Test
    void backlog_gauges_count_rows_by_state() throws Exception {
        enqueueFiles(5);
        jdbc.update("UPDATE file_deletion_task SET status = 'DEAD' WHERE id % 5 = 0");
        long scheduled = enqueue("later.mp4");
        jdbc.update("UPDATE file_deletion_task SET not_before = UTC_TIMESTAMP(3) + INTERVAL 1 DAY WHERE id = ?", scheduled);

        metrics.refreshBacklog();

        assertThat(scrape("shardsweep_backlog_rows", "state=\"due\"")).isEqualTo(4);
        assertThat(scrape("shardsweep_backlog_rows", "state=\"dead\"")).isEqualTo(1);
        assertThat(scrape("shardsweep_backlog_rows", "state=\"scheduled\"")).isEqualTo(1);
        assertThat(scrape("shardsweep_backlog_rows", "state=\"in_progress\"")).isZero();
    }

    @Test
    void backlog_gauges_count_in_progress_rows_past_their_lease_as_lease_expired_too() throws Exception {
        enqueueFiles(3);
        assertThat(claimer.claim(ShardAssignment.ALL, 3).size()).isEqualTo(3);
        clock.advance(Duration.ofMinutes(10)); // past the 5-minute lease of those three
        enqueueFiles(2);
        assertThat(claimer.claim(ShardAssignment.ALL, 10).size()).isEqualTo(2); // leased from now on

        metrics.refreshBacklog();

        assertThat(scrape("shardsweep_backlog_rows", "state=\"in_progress\"")).isEqualTo(5);
        assertThat(scrape("shardsweep_backlog_rows", "state=\"lease_expired\"")).isEqualTo(3);
    }

    @Test
    void the_files_per_second_gauge_never_reads_zero_while_runs_replace_its_value() throws Exception {
        RunSummary busy = new RunSummary("r", ShardAssignment.ALL, 1, 100, 100, 0, 0, 0, 0, 0, 0, Duration.ofSeconds(1), StopReason.DRAINED);
        metrics.onRunFinished(new RunFinished(busy));
        Gauge gauge = registry.get("shardsweep.run.files.per.second").gauge();
        AtomicBoolean done = new AtomicBoolean();
        Thread runs = new Thread(() -> {
            for (int i = 0; i < 200_000; i++) {
                metrics.onRunFinished(new RunFinished(busy));
            }
            done.set(true);
        });
        runs.start();
        long zeros = 0;
        while (!done.get()) {
            if (gauge.value() == 0) {
                zeros++;
            }
        }
        runs.join();

        assertThat(zeros).as("scrapes that read 0 files/s between two runs of 100 files/s").isZero();
        assertThat(gauge.value()).isEqualTo(100.0);
    }

    @Test
    void stale_rows_reset_by_compensation_are_counted() throws Exception {
        double before = scrape("shardsweep_stale_rows_total", "result=\"reset\"");
        enqueueFiles(3);
        ClaimedBatch batch = claimer.claim(ShardAssignment.ALL, 10);
        assertThat(batch.size()).isEqualTo(3);
        clock.advance(Duration.ofMinutes(10));

        compensator.compensate(changed -> { });

        assertThat(scrape("shardsweep_stale_rows_total", "result=\"reset\"") - before).isEqualTo(3);
    }

    @Test
    void health_reports_the_database() {
        assertThat(health.healthForPath("db")).as("the db component of /actuator/health").isNotNull();
        assertThat(health.healthForPath("db").getStatus()).isEqualTo(Status.UP);
        assertThat(health.health().getStatus()).isEqualTo(Status.UP);
    }

    @Test
    void health_has_no_s3_component_with_the_file_system_backend() {
        assertThat(health.healthForPath("s3")).as("the s3 component of /actuator/health").isNull();
    }

    /** The value of the first Prometheus sample of {@code metric} whose labels contain {@code label}. */
    private double scrape(String metric, String label) throws Exception {
        String body = new String(prometheus.scrape(PrometheusOutputFormat.CONTENT_TYPE_004, null).getBody(), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("(?m)^" + metric + "\\{([^}]*)\\} (\\S+)$").matcher(body);
        while (m.find()) {
            if (m.group(1).contains(label)) {
                return Double.parseDouble(m.group(2));
            }
        }
        if (label.isEmpty()) {
            Matcher plain = Pattern.compile("(?m)^" + metric + "(?:\\{[^}]*\\})? (\\S+)$").matcher(body);
            if (plain.find()) {
                return Double.parseDouble(plain.group(1));
            }
        }
        return 0;
    }
}
