package io.shardsweep.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardsweep.claim.ShardAssignment;
import io.shardsweep.testsupport.DatabaseTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A storage root that stops opening while the backlog waits (an unmounted volume, a renamed or
 * replaced directory): the run must not fail row after row, each paying an attempt, until the whole
 * backlog is parked DEAD. It stops after the first batch, returns every row it claimed to PENDING
 * untouched and fails, saying why; once the root is back, the next run deletes everything.
 */
class StorageRootUnavailableTest extends DatabaseTest {

    private static final int ROWS = 230;
    private static final int BATCH = 50;
    private static final RunParameters RUN = new RunParameters(BATCH, Duration.ofMinutes(2), false);

    @Autowired
    CleanupRunner runner;

    private final Path away = STORAGE_ROOT.resolveSibling(STORAGE_ROOT.getFileName() + "-away");

    /** Puts the real root back, whatever the test left in its place. */
    @AfterEach
    void restoreRoot() throws IOException {
        if (Files.exists(away)) {
            if (Files.isSymbolicLink(STORAGE_ROOT)) {
                Files.delete(STORAGE_ROOT);
            }
            Files.move(away, STORAGE_ROOT);
        }
    }

    @Test
    void a_storage_root_that_no_longer_opens_stops_the_run_after_its_first_batch_and_costs_no_row_an_attempt() throws IOException {
        enqueueFiles(ROWS);
        Files.move(STORAGE_ROOT, away);
        List<String> lines = new ArrayList<>();

        RunSummary summary = runner.run(ShardAssignment.ALL, RUN, capture(lines));

        assertThat(summary.stopReason()).isEqualTo(StopReason.STORAGE_UNAVAILABLE);
        assertThat(summary.stopReason().cutShort()).as("reported to the admin as a failure").isTrue();
        // the first batch, and at most the one claimed ahead of it while it was deleted
        assertThat(summary.claimed()).isBetween(BATCH, 2 * BATCH);
        assertThat(summary.released()).isEqualTo(summary.claimed());
        assertThat(summary.deleted() + summary.failed() + summary.dead() + summary.alreadyAbsent()).isZero();
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'PENDING' AND attempts = 0 AND last_error IS NULL"
                + " AND claim_token IS NULL")).as("rows untouched").isEqualTo(ROWS);
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task_history")).isZero();
        assertThat(lines).anySatisfy(line -> assertThat(line)
                .contains("the storage could not be reached: Could not open the storage root " + STORAGE_ROOT)
                .contains("without using an attempt"));

        Files.move(away, STORAGE_ROOT);
        RunSummary next = runner.run(ShardAssignment.ALL, RUN, RunLog.NONE);

        assertThat(next.stopReason()).isEqualTo(StopReason.DRAINED);
        assertThat(next.deleted()).isEqualTo(ROWS);
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task")).isZero();
        assertThat(filesLeft()).isZero();
    }

    @Test
    void a_storage_root_replaced_by_a_symlink_stops_the_run_and_nothing_behind_the_link_is_deleted() throws IOException {
        enqueueFiles(ROWS);
        Files.move(STORAGE_ROOT, away);
        Files.createSymbolicLink(STORAGE_ROOT, away); // the same files, one link away

        RunSummary summary = runner.run(ShardAssignment.ALL, RUN, RunLog.NONE);

        assertThat(summary.stopReason()).isEqualTo(StopReason.STORAGE_UNAVAILABLE);
        assertThat(summary.deleted()).isZero();
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'PENDING' AND attempts = 0")).isEqualTo(ROWS);
        try (var files = Files.walk(away)) {
            assertThat(files.filter(Files::isRegularFile).count()).as("files behind the link").isEqualTo(ROWS);
        }
    }

    private static RunLog capture(List<String> lines) {
        return (pattern, args) -> lines.add(org.slf4j.helpers.MessageFormatter.arrayFormat(pattern, args).getMessage());
    }
}
