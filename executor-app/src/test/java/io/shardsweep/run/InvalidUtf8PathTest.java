package io.shardsweep.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardsweep.claim.ClaimedBatch;
import io.shardsweep.claim.ShardAssignment;
import io.shardsweep.claim.TaskClaimer;
import io.shardsweep.finish.TaskFinisher;
import io.shardsweep.intake.TaskIntake;
import io.shardsweep.storage.TaskResult;
import io.shardsweep.testsupport.DatabaseTest;
import io.shardsweep.xxljob.JobParameterParser;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.helpers.MessageFormatter;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A file_path whose bytes are not valid UTF-8 (MariaDB stores the encoded surrogate ED B2 80 in a
 * utf8mb4 column, strict mode or not) is refused and parked DEAD, never read as another name. The
 * file its lenient decoding would name, {@code uni/U+FFFD.txt}, exists in the root and must survive.
 */
class InvalidUtf8PathTest extends DatabaseTest {

    /** {@code uni/} ED B2 80 {@code .txt}: the encoding of the lone surrogate U+DC80 at offset 4. */
    private static final String INVALID_PATH_HEX = "756E692FEDB2802E747874";
    /** What Connector/J's getString makes of it. */
    private static final String LENIENT_DECODING = "uni/\uFFFD.txt";
    private static final String REASON = "refused: file_path is not valid UTF-8 (bytes ED B2 80 at offset 4 of 11); "
            + "a path is deleted only as stored, never as a repaired name";
    private static final RunParameters DEFAULTS = new RunParameters(50, Duration.ofMinutes(1), false);

    @Autowired
    CleanupRunner runner;
    @Autowired
    CleanupTrigger trigger;
    @Autowired
    JobParameterParser parser;
    @Autowired
    DryRun dryRun;
    @Autowired
    TaskClaimer claimer;
    @Autowired
    TaskFinisher finisher;
    @Autowired
    TaskIntake intake;

    private Path decoyFile;

    @BeforeEach
    void theFileThatALenientDecodingWouldName() {
        decoyFile = writeFile(LENIENT_DECODING);
    }

    @Test
    void the_database_stores_the_invalid_bytes_as_they_were_sent() {
        long id = enqueueInvalidPath();

        assertThat(storedHex("file_deletion_task", id)).isEqualTo(INVALID_PATH_HEX);
    }

    @Test
    void a_path_that_is_not_utf8_ends_dead_with_the_reason_and_the_file_its_lenient_decoding_names_survives() {
        long id = enqueueInvalidPath();
        long legit = enqueue("ok/fine.mp4");
        writeFile("ok/fine.mp4");

        RunSummary summary = runner.run(ShardAssignment.ALL, DEFAULTS, RunLog.NONE);

        assertThat(summary.dead()).isEqualTo(1);
        assertThat(summary.deleted()).as("the legitimate row of the same batch").isEqualTo(1);
        assertThat(row(id)).containsEntry("status", "DEAD").containsEntry("last_error", REASON).containsEntry("attempts", 1);
        assertThat(storedHex("file_deletion_task", id)).isEqualTo(INVALID_PATH_HEX);
        assertThat(decoyFile).exists();
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task_history WHERE id = ?", id)).isZero();
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task_history WHERE id = ?", legit)).isEqualTo(1);
    }

    @Test
    void a_dry_run_reports_a_path_that_is_not_utf8_as_refused_and_changes_nothing() {
        long id = enqueueInvalidPath();
        List<String> lines = new ArrayList<>();

        String report = dryRun.report(ShardAssignment.ALL, DEFAULTS,
                (pattern, arguments) -> lines.add(MessageFormatter.arrayFormat(pattern, arguments).getMessage()));

        assertThat(report).contains("1 of the first 1 would be refused");
        assertThat(lines).anySatisfy(line -> assertThat(line).isEqualTo("  id=" + id + " attempts=0: would refuse (row goes DEAD): " + REASON));
        assertThat(String.join("\n", lines)).doesNotContain("\uFFFD");
        assertThat(row(id)).containsEntry("status", "PENDING");
        assertThat(decoyFile).exists();
    }

    @Test
    void requeueing_a_dead_path_that_is_not_utf8_keeps_its_bytes_and_the_next_run_refuses_it_again() {
        long id = enqueueInvalidPath();
        runner.run(ShardAssignment.ALL, DEFAULTS, RunLog.NONE);
        assertThat(status(id)).isEqualTo("DEAD");

        intake.requeue(id);
        assertThat(storedHex("file_deletion_task", id)).as("after the intake's requeue").isEqualTo(INVALID_PATH_HEX);
        runner.run(ShardAssignment.ALL, DEFAULTS, RunLog.NONE);
        trigger.execute(ShardAssignment.ALL, parser.parse("{\"requeueIds\": [" + id + "]}"), "operator", RunLog.NONE);
        assertThat(storedHex("file_deletion_task", id)).as("after the job's requeueIds").isEqualTo(INVALID_PATH_HEX);
        trigger.execute(ShardAssignment.ALL, parser.parse("{\"requeueDead\": true}"), "operator", RunLog.NONE);

        assertThat(row(id)).containsEntry("status", "DEAD");
        assertThat((String) row(id).get("last_error")).startsWith(REASON);
        assertThat(storedHex("file_deletion_task", id)).as("after the job's requeueDead").isEqualTo(INVALID_PATH_HEX);
        assertThat(decoyFile).exists();
    }

    @Test
    void the_history_copy_keeps_the_bytes_of_a_path_that_is_not_utf8() {
        long id = enqueueInvalidPath();
        ClaimedBatch batch = claimer.claim(ShardAssignment.ALL, 10);
        assertThat(batch.tasks().get(0).filePath().isValidUtf8()).isFalse();

        // Not what a run does with such a row; it shows that the SQL copy moves bytes, not decoded text.
        finisher.finish(batch, List.of(TaskResult.of(batch.tasks().get(0), TaskResult.Kind.ALREADY_ABSENT)));

        assertThat(storedHex("file_deletion_task_history", id)).isEqualTo(INVALID_PATH_HEX);
    }

    @Test
    void a_claimed_path_that_is_not_utf8_carries_its_exact_bytes_and_no_text() {
        enqueueInvalidPath();

        ClaimedBatch batch = claimer.claim(ShardAssignment.ALL, 10);

        var path = batch.tasks().get(0).filePath();
        assertThat(path.isValidUtf8()).isFalse();
        assertThat(hex(path.bytes())).isEqualTo(INVALID_PATH_HEX);
        assertThat(path.invalidOffset()).isEqualTo(4);
    }

    private long enqueueInvalidPath() {
        jdbc.update("INSERT INTO file_deletion_task (file_path) VALUES (CONVERT(X'" + INVALID_PATH_HEX + "' USING utf8mb4))");
        return jdbc.queryForObject("SELECT MAX(id) FROM file_deletion_task", Long.class);
    }

    private String storedHex(String table, long id) {
        return jdbc.queryForObject("SELECT HEX(CAST(file_path AS BINARY)) FROM " + table + " WHERE id = ?", String.class, id);
    }

    private static String hex(byte[] bytes) {
        return java.util.HexFormat.of().withUpperCase().formatHex(bytes);
    }
}
