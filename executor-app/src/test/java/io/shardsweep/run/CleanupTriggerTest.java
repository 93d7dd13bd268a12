package io.shardsweep.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardsweep.claim.ShardAssignment;
import io.shardsweep.testsupport.DatabaseTest;
import io.shardsweep.xxljob.JobParameterParser;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

class CleanupTriggerTest extends DatabaseTest {

    @Autowired
    CleanupTrigger trigger;

    @Autowired
    JobParameterParser parser;

    @Test
    void requeueing_chosen_ids_brings_dead_rows_of_this_shard_back_and_the_same_run_cleans_them() {
        List<Long> ids = enqueueFiles(6);
        jdbc.update("UPDATE file_deletion_task SET status = 'DEAD', attempts = 3, last_error = 'IOException: earlier'");
        long even = ids.stream().filter(id -> id % 2 == 0).findFirst().orElseThrow();
        long odd = ids.stream().filter(id -> id % 2 == 1).findFirst().orElseThrow();

        CleanupTrigger.Outcome outcome = trigger.execute(new ShardAssignment(0, 2),
                parser.parse("{\"requeueIds\": [" + even + ", " + odd + "]}"), "operator", RunLog.NONE);

        assertThat(outcome.success()).isTrue();
        assertThat(outcome.message()).contains("requeued 1 of the 2 listed ids");
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task_history WHERE id = ?", even)).isEqualTo(1);
        assertThat(row(odd)).as("another shard's id is left to its own instance").containsEntry("status", "DEAD");
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'DEAD'")).isEqualTo(5);
    }

    @Test
    void a_dry_run_of_a_shard_also_reports_the_overdue_rows_of_other_shards_it_would_sweep_and_changes_nothing() {
        enqueueFiles(30);
        clock.advance(Duration.ofMinutes(3)); // past the context's sweep-after of 2m
        List<String> lines = new java.util.ArrayList<>();

        CleanupTrigger.Outcome outcome = trigger.execute(new ShardAssignment(1, 3), parser.parse("{\"dryRun\": true}"), "operator",
                (pattern, args) -> lines.add(org.slf4j.helpers.MessageFormatter.arrayFormat(pattern, args).getMessage()));

        assertThat(outcome.message()).contains("dry run of shard 1/3: 10 due rows, then 20 rows of other shards, due for more than 120s, "
                + "would be swept;");
        assertThat(lines.get(0)).contains("then 20 rows of other shards, due for more than 120s, would be swept");
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'PENDING'")).as("dry run changes nothing").isEqualTo(30);
    }

    @Test
    void a_requeued_row_starts_over_with_full_attempts_and_keeps_its_old_error_readable() {
        long id = enqueue("a.mp4");
        jdbc.update("UPDATE file_deletion_task SET status = 'DEAD', attempts = 3, last_error = 'IOException: earlier' WHERE id = ?", id);

        trigger.execute(ShardAssignment.ALL, parser.parse("{\"requeueIds\": [" + id + "], \"dryRun\": false, \"timeoutSeconds\": 1, \"batchSize\": 1}"),
                "operator", RunLog.NONE);

        // the file does not exist: the same run finished it as ALREADY_ABSENT with the fresh attempt count
        var history = jdbc.queryForMap("SELECT outcome, attempts FROM file_deletion_task_history WHERE id = ?", id);
        assertThat(history).containsEntry("outcome", "ALREADY_ABSENT").containsEntry("attempts", 0);
    }

    @Test
    void requeue_dead_takes_every_dead_row_of_the_shard_and_no_other() {
        List<Long> ids = enqueueFiles(1_203);
        jdbc.update("UPDATE file_deletion_task SET status = 'DEAD', attempts = 3");

        CleanupTrigger.Outcome outcome = trigger.execute(new ShardAssignment(1, 3),
                parser.parse("{\"requeueDead\": true, \"dryRun\": true}"), "operator", RunLog.NONE);
        assertThat(outcome.message()).contains("would requeue 401 DEAD rows of shard 1/3").contains("dry run");
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'DEAD'")).as("dry run changes nothing").isEqualTo(1_203);

        outcome = trigger.execute(new ShardAssignment(1, 3), parser.parse("{\"requeueDead\": true}"), "operator", RunLog.NONE);

        assertThat(outcome.message()).contains("requeued 401 DEAD rows of shard 1/3");
        assertThat(outcome.summary().deleted()).isEqualTo(401);
        assertThat(jdbc.queryForList("SELECT id FROM file_deletion_task_history ORDER BY id", Long.class))
                .isEqualTo(ids.stream().filter(id -> id % 3 == 1).toList());
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'DEAD'")).isEqualTo(802);
    }

    @Test
    void a_row_in_progress_is_never_requeued_from_under_its_live_claim() {
        long id = enqueue("a.mp4");
        jdbc.update("UPDATE file_deletion_task SET status = 'IN_PROGRESS', claim_token = 'live', lease_until = UTC_TIMESTAMP(3) + INTERVAL 1 HOUR WHERE id = ?", id);

        CleanupTrigger.Outcome outcome = trigger.execute(ShardAssignment.ALL, parser.parse("{\"requeueIds\": [" + id + "]}"), "operator", RunLog.NONE);

        assertThat(outcome.message()).contains("requeued 0 of the 1 listed ids");
        assertThat(row(id)).containsEntry("status", "IN_PROGRESS").containsEntry("claim_token", "live");
    }

    @Test
    void a_dry_run_with_requeue_ids_reports_and_changes_nothing() {
        long id = enqueue("a.mp4");
        writeFile("a.mp4");
        jdbc.update("UPDATE file_deletion_task SET status = 'DEAD' WHERE id = ?", id);

        CleanupTrigger.Outcome outcome = trigger.execute(ShardAssignment.ALL,
                parser.parse("{\"requeueIds\": [" + id + "], \"dryRun\": true}"), "operator", RunLog.NONE);

        assertThat(outcome.message()).contains("would requeue 1 of the 1 listed ids");
        assertThat(status(id)).isEqualTo("DEAD");
        assertThat(STORAGE_ROOT.resolve("a.mp4")).exists();
    }

    @Test
    void a_run_interrupted_is_reported_as_a_failure_so_the_admin_retries_it() throws Exception {
        enqueueFiles(10);
        gate.close();
        Thread.currentThread().interrupt();
        try {
            CleanupTrigger.Outcome outcome = trigger.execute(ShardAssignment.ALL,
                    new RunParameters(10, Duration.ofMinutes(1), false), "operator", RunLog.NONE);
            assertThat(outcome.success()).isFalse();
            assertThat(outcome.message()).contains("interrupted");
        } finally {
            Thread.interrupted();
            gate.open();
        }
        assertThat(inProgressCount()).isZero();
    }
}
