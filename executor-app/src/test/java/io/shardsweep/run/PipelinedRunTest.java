package io.shardsweep.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.MeterRegistry;
import io.shardsweep.claim.LeaseKeeper;
import io.shardsweep.claim.ShardAssignment;
import io.shardsweep.testsupport.CallOnItsOwnThread;
import io.shardsweep.testsupport.DatabaseTest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.dao.DataAccessException;

/**
 * The pipeline of a run (the default, {@code shardsweep.pipelined=true}): the next batch is claimed
 * while the current one is deleted, and each batch is finished on the finish pool. The deletions are
 * held at the gate, so what the run claimed ahead can be seen in the table.
 */
class PipelinedRunTest extends DatabaseTest {

    private static final int BATCH = 40;

    @Autowired
    CleanupRunner runner;

    @Autowired
    LeaseKeeper leases;

    @Autowired
    MeterRegistry meters;

    @Test
    void a_run_claims_its_next_batch_while_the_deletions_of_the_current_one_are_held_and_then_drains_every_row_once() throws Exception {
        List<Long> ids = enqueueFiles(100);
        double finishedOnThePool = finishPoolCompleted();
        long handovers = meters.get("shardsweep.finish.wait").timer().count();
        gate.close();
        CompletableFuture<RunSummary> run = CompletableFuture.supplyAsync(() ->
                runner.run(ShardAssignment.ALL, new RunParameters(BATCH, Duration.ofMinutes(1), false), RunLog.NONE));
        gate.awaitWaiting(4);

        awaitInProgress(2 * BATCH);
        Thread.sleep(200);
        assertThat(inProgressCount()).as("one batch ahead, not more, while the first is held").isEqualTo(2 * BATCH);
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task_history")).isZero();
        gate.open();
        RunSummary summary = run.get(30, TimeUnit.SECONDS);

        assertThat(summary.stopReason()).isEqualTo(StopReason.DRAINED);
        assertThat(summary.batches()).isEqualTo(3);
        assertThat(summary.deleted()).isEqualTo(100);
        assertThat(jdbc.queryForList("SELECT id FROM file_deletion_task_history ORDER BY id", Long.class)).isEqualTo(ids);
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task")).isZero();
        assertThat(filesLeft()).isZero();
        assertThat(finishPoolCompleted() - finishedOnThePool).as("batches finished on the finish pool").isEqualTo(3);
        assertThat(meters.get("shardsweep.finish.wait").timer().count() - handovers).as("finishes awaited by the run").isEqualTo(3);
    }

    @Test
    void interrupting_a_run_releases_the_batch_it_claimed_ahead_untouched_and_finishes_the_rows_in_flight() throws Exception {
        enqueueFiles(100);
        gate.close();
        CallOnItsOwnThread<RunSummary> run = new CallOnItsOwnThread<>(() ->
                runner.run(ShardAssignment.ALL, new RunParameters(BATCH, Duration.ofMinutes(1), false), RunLog.NONE));
        gate.awaitWaiting(4);
        awaitInProgress(2 * BATCH);

        run.interrupt(); // what /kill and the executor timeout do
        Thread.sleep(300);
        gate.open();
        RunSummary summary = run.get(Duration.ofSeconds(30));

        assertThat(summary.stopReason()).isEqualTo(StopReason.INTERRUPTED);
        assertThat(run.keptTheInterrupt()).isTrue();
        assertThat(summary.claimed()).isEqualTo(2 * BATCH);
        assertThat(summary.deleted()).isEqualTo(4);
        assertThat(summary.released()).as("36 queued behind the gate and the 40 claimed ahead").isEqualTo(76);
        assertThat(inProgressCount()).isZero();
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'PENDING' AND attempts = 0 AND claim_token IS NULL"))
                .isEqualTo(96);
        assertThat(filesLeft()).isEqualTo(96);
    }

    @Test
    void a_finish_that_fails_fails_the_run_and_no_lease_is_kept_for_the_batches_claimed_after_it() throws Exception {
        enqueueFiles(130);
        gate.close();
        CompletableFuture<RunSummary> run = CompletableFuture.supplyAsync(() ->
                runner.run(ShardAssignment.ALL, new RunParameters(BATCH, Duration.ofMinutes(1), false), RunLog.NONE));
        gate.awaitWaiting(4);
        awaitInProgress(2 * BATCH);
        // The first batch's finish fails on the table it moves rows to; the claims still work.
        jdbc.execute("RENAME TABLE file_deletion_task_history TO file_deletion_task_history_away");
        try {
            gate.open();
            assertThatThrownBy(() -> run.get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(DataAccessException.class);
        } finally {
            jdbc.execute("RENAME TABLE file_deletion_task_history_away TO file_deletion_task_history");
        }

        // Every claimed row waits for its lease to expire, for compensation, as a failed batch's rows
        // did before the pipeline. A lease still kept would be renewed for ever, and the rows never returned.
        assertThat(inProgressCount()).as("the failed batch, the one after it and the one claimed ahead").isEqualTo(120);
        assertThat(leases.renewNow()).as("rows whose lease this instance still renews").isZero();
    }

    private double finishPoolCompleted() {
        return meters.get("executor.completed").tag("name", "shardsweep.finish").functionCounter().count();
    }

    private void awaitInProgress(int rows) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (inProgressCount() < rows && System.nanoTime() < end) {
            Thread.sleep(10);
        }
        assertThat(inProgressCount()).as("rows claimed").isEqualTo(rows);
    }
}
