package io.shardsweep.storage.filesystem;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardsweep.claim.ShardAssignment;
import io.shardsweep.run.CleanupRunner;
import io.shardsweep.run.RunLog;
import io.shardsweep.run.RunParameters;
import io.shardsweep.run.RunSummary;
import io.shardsweep.testsupport.DatabaseTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Issue 9, defect 5, at the level of rows: a directory that was swapped for a FIFO (or a file) must
 * neither block the run nor finish its rows ALREADY_ABSENT while their files still exist; the rows
 * fail, are retried after their backoff, and end DEAD with the reason once out of attempts.
 */
class NonDirectoryParentRowTest extends DatabaseTest {

    private static final RunParameters RUN = new RunParameters(50, Duration.ofMinutes(1), false);

    @Autowired
    CleanupRunner runner;

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a safety net, not a speed check
    void rows_below_a_directory_swapped_for_a_fifo_are_retried_then_dead_and_never_finished_already_absent() throws Exception {
        writeFile("videos/2026/a.mp4");
        writeFile("videos/2026/b.mp4");
        long a = enqueue("videos/2026/a.mp4");
        long b = enqueue("videos/2026/b.mp4");
        Path real = STORAGE_ROOT.resolve("videos/2026");
        Path aside = Files.move(real, STORAGE_ROOT.resolve("videos/2026-aside"));
        Path fifo = ConfinedFileDeleterTest.fifo(real);
        try {
            RunSummary first = runner.run(ShardAssignment.ALL, RUN, RunLog.NONE);

            assertThat(first.failed()).isEqualTo(2);
            assertThat(first.alreadyAbsent()).isZero();
            assertThat(row(a)).containsEntry("status", "PENDING").containsEntry("attempts", 1);
            assertThat((String) row(a).get("last_error"))
                    .startsWith("IOException: Could not delete 'videos/2026/a.mp4': 'videos/2026' is a FIFO where a"
                            + " directory should be");
            clock.advance(Duration.ofSeconds(61));
            assertThat(runner.run(ShardAssignment.ALL, RUN, RunLog.NONE).failed()).isEqualTo(2);
            clock.advance(Duration.ofSeconds(121));
            assertThat(runner.run(ShardAssignment.ALL, RUN, RunLog.NONE).dead()).isEqualTo(2);

            assertThat(row(a)).containsEntry("status", "DEAD").containsEntry("attempts", 3);
            assertThat(row(b)).containsEntry("status", "DEAD").containsEntry("attempts", 3);
            assertThat(count("SELECT COUNT(*) FROM file_deletion_task_history")).isZero();
            assertThat(aside.resolve("a.mp4")).exists();
            assertThat(aside.resolve("b.mp4")).exists();
        } finally {
            if (Files.exists(fifo) && !Files.isDirectory(fifo)) {
                ConfinedFileDeleterTest.releaseReadersOf(fifo);
            }
        }
    }

    @Test
    void a_row_below_a_regular_file_where_a_directory_should_be_fails_and_is_not_finished_already_absent() throws IOException {
        writeFile("thumbs/x.jpg");
        long id = enqueue("thumbs/x.jpg/small.jpg");

        RunSummary summary = runner.run(ShardAssignment.ALL, RUN, RunLog.NONE);

        assertThat(summary.failed()).isEqualTo(1);
        assertThat(summary.alreadyAbsent()).isZero();
        assertThat(row(id)).containsEntry("status", "PENDING").containsEntry("attempts", 1);
        assertThat((String) row(id).get("last_error")).contains("'thumbs/x.jpg' is a regular file where a directory should be");
        assertThat(STORAGE_ROOT.resolve("thumbs/x.jpg")).hasContent("x");
    }
}
