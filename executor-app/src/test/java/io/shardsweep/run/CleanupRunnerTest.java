package io.shardsweep.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardsweep.claim.LeaseKeeper;
import io.shardsweep.claim.ShardAssignment;
import io.shardsweep.config.ShardSweepProperties;
import io.shardsweep.testsupport.CallOnItsOwnThread;
import io.shardsweep.testsupport.DatabaseTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

class CleanupRunnerTest extends DatabaseTest {

    private static final RunParameters DEFAULTS = new RunParameters(50, Duration.ofMinutes(2), false);

    @Autowired
    CleanupRunner runner;

    @Autowired
    LeaseKeeper leases;

    @Autowired
    ShardSweepProperties properties;

    @Autowired
    DataSource dataSource;

    private final ExecutorService background = Executors.newSingleThreadExecutor();

    @AfterEach
    void stopBackground() {
        background.shutdownNow();
    }

    /**
     * Starts a run of every due row (batch 40) on a background thread with the gate closed, and
     * returns once the pool's 4 threads hold 4 deletions at the gate: the claim is committed, 36
     * deletions are queued.
     */
    private Future<RunSummary> runHeldAtTheGate(Duration timeout) throws InterruptedException {
        gate.close();
        Future<RunSummary> run = background.submit(() -> runner.run(ShardAssignment.ALL,
                new RunParameters(40, timeout, false), RunLog.NONE));
        gate.awaitWaiting(4);
        return run;
    }

    @Autowired
    org.springframework.transaction.PlatformTransactionManager transactions;

    @Test
    void two_shards_drain_the_backlog_and_every_row_moves_to_history_once_with_its_file_deleted() {
        List<Long> ids = enqueueFiles(230);

        RunSummary first = runner.run(new ShardAssignment(0, 2), DEFAULTS, RunLog.NONE);
        RunSummary second = runner.run(new ShardAssignment(1, 2), DEFAULTS, RunLog.NONE);

        assertThat(first.deleted()).isEqualTo(115);
        assertThat(second.deleted()).isEqualTo(115);
        assertThat(first.stopReason()).isEqualTo(StopReason.DRAINED);
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task")).isZero();
        assertThat(jdbc.queryForList("SELECT id FROM file_deletion_task_history ORDER BY id", Long.class)).isEqualTo(ids);
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task_history WHERE outcome = 'DELETED' AND finished_by IS NOT NULL")).isEqualTo(230);
        assertThat(filesLeft()).isZero();
    }

    @Test
    void a_file_that_is_already_gone_finishes_as_already_absent() {
        long present = enqueue("a/present.mp4");
        writeFile("a/present.mp4");
        long gone = enqueue("a/never-existed.mp4");

        RunSummary summary = runner.run(ShardAssignment.ALL, DEFAULTS, RunLog.NONE);

        assertThat(summary.deleted()).isEqualTo(1);
        assertThat(summary.alreadyAbsent()).isEqualTo(1);
        assertThat(outcome(present)).isEqualTo("DELETED");
        assertThat(outcome(gone)).isEqualTo("ALREADY_ABSENT");
    }

    @Test
    void hostile_paths_end_dead_with_a_clear_error_and_the_file_outside_the_root_is_untouched() throws Exception {
        Path outside = Files.createTempDirectory("shardsweep-outside");
        Path secret = Files.writeString(outside.resolve("secret.txt"), "keep me");
        Files.createSymbolicLink(STORAGE_ROOT.resolve("escape"), outside);
        long traversal = enqueue("../" + outside.getFileName() + "/secret.txt");
        long absolute = enqueue(secret.toString());
        long symlinkEscape = enqueue("escape/secret.txt");
        long directory = enqueue("videos");
        writeFile("videos/keep.mp4");
        long legit = enqueue("ok/fine.mp4");
        writeFile("ok/fine.mp4");

        RunSummary summary = runner.run(ShardAssignment.ALL, DEFAULTS, RunLog.NONE);

        assertThat(summary.dead()).isEqualTo(4);
        assertThat(summary.deleted()).isEqualTo(1);
        for (long id : List.of(traversal, absolute, symlinkEscape, directory)) {
            assertThat(status(id)).isEqualTo("DEAD");
            assertThat((String) row(id).get("last_error")).startsWith("refused: ");
        }
        assertThat((String) row(traversal).get("last_error")).contains("..");
        assertThat((String) row(absolute).get("last_error")).containsIgnoringCase("absolute");
        assertThat((String) row(symlinkEscape).get("last_error")).containsIgnoringCase("symbolic link");
        assertThat((String) row(directory).get("last_error")).containsIgnoringCase("directory");
        assertThat(Files.readString(secret)).isEqualTo("keep me");
        assertThat(STORAGE_ROOT.resolve("videos/keep.mp4")).exists();
        assertThat(outcome(legit)).isEqualTo("DELETED");
        assertThat(inProgressCount()).isZero();
    }

    @Test
    void a_failing_deletion_is_retried_after_its_backoff_and_parked_dead_after_the_maximum_attempts() {
        long flaky = enqueue("flaky/a.mp4");
        writeFile("flaky/a.mp4");
        gate.failPathsContaining("flaky/");

        RunSummary first = runner.run(ShardAssignment.ALL, DEFAULTS, RunLog.NONE);
        assertThat(first.failed()).isEqualTo(1);
        assertThat(row(flaky)).containsEntry("status", "PENDING").containsEntry("attempts", 1);
        assertThat((String) row(flaky).get("last_error")).contains("simulated storage failure");

        // Not due before its backoff (1 min, then 2 min).
        assertThat(runner.run(ShardAssignment.ALL, DEFAULTS, RunLog.NONE).claimed()).isZero();
        clock.advance(Duration.ofSeconds(61));
        assertThat(runner.run(ShardAssignment.ALL, DEFAULTS, RunLog.NONE).failed()).isEqualTo(1);
        assertThat(row(flaky)).containsEntry("status", "PENDING").containsEntry("attempts", 2);
        clock.advance(Duration.ofSeconds(121));
        RunSummary third = runner.run(ShardAssignment.ALL, DEFAULTS, RunLog.NONE);

        assertThat(third.dead()).isEqualTo(1);
        assertThat(row(flaky)).containsEntry("status", "DEAD").containsEntry("attempts", 3);
        clock.advance(Duration.ofDays(1));
        gate.failPathsContaining(null);
        assertThat(runner.run(ShardAssignment.ALL, DEFAULTS, RunLog.NONE).claimed()).as("dead rows are never claimed").isZero();
        assertThat(STORAGE_ROOT.resolve("flaky/a.mp4")).exists();
    }

    /**
     * Self-fencing. The lease keeper renews every quarter of the lease on a real-time schedule; here no
     * renewal succeeds: the test's clock jumps into the lease's last quarter, and a row lock held by the
     * test makes any scheduled renewal in that moment wait, as on an unreachable database.
     */
    @Test
    void a_run_whose_lease_cannot_be_renewed_stops_starting_deletions_in_the_last_quarter_of_the_lease() throws Exception {
        List<Long> ids = enqueueFiles(40);
        Future<RunSummary> run = runHeldAtTheGate(Duration.ofHours(1));
        try (Connection holder = dataSource.getConnection(); Statement st = holder.createStatement()) {
            holder.setAutoCommit(false);
            st.executeQuery("SELECT id FROM file_deletion_task WHERE id = " + ids.get(39) + " FOR UPDATE").close();
            clock.advance(properties.staleThreshold().minus(properties.leaseRenewInterval()).plusSeconds(1));
            Thread.sleep(1_000); // the run looks every 200 ms
            holder.rollback();
        }
        gate.open();

        RunSummary summary = run.get(30, TimeUnit.SECONDS);

        assertThat(summary.stopReason()).isEqualTo(StopReason.LEASE_EXPIRING);
        assertThat(summary.deleted()).as("deletions already under way finish").isEqualTo(4);
        assertThat(summary.released()).as("queued deletions never start").isEqualTo(36);
        assertThat(inProgressCount()).isZero();
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'PENDING' AND attempts = 0")).isEqualTo(36);
        assertThat(filesLeft()).isEqualTo(36);
    }

    @Test
    void a_run_whose_lease_is_renewed_goes_on_deleting_past_the_first_lease() throws Exception {
        enqueueFiles(40);
        Future<RunSummary> run = runHeldAtTheGate(Duration.ofHours(1));
        Duration fence = properties.staleThreshold().minus(properties.leaseRenewInterval());
        clock.advance(fence.minusSeconds(1));
        assertThat(leases.renewNow()).as("rows renewed").isEqualTo(40);
        clock.advance(Duration.ofSeconds(2)); // past the first lease's fence, early in the renewed one
        Thread.sleep(1_000);
        gate.open();

        RunSummary summary = run.get(30, TimeUnit.SECONDS);

        assertThat(summary.stopReason()).isEqualTo(StopReason.DRAINED);
        assertThat(summary.deleted()).isEqualTo(40);
        assertThat(filesLeft()).isZero();
    }

    @Test
    void run_timeout_releases_unstarted_rows_without_an_attempt_and_finishes_the_ones_in_flight() throws Exception {
        enqueueFiles(40);
        Future<RunSummary> run = runHeldAtTheGate(Duration.ofSeconds(1));
        Thread.sleep(1_500);  // past the run timeout, inside the in-flight grace
        gate.open();

        RunSummary summary = run.get(30, TimeUnit.SECONDS);

        assertThat(summary.stopReason()).isEqualTo(StopReason.TIMEOUT);
        assertThat(summary.deleted()).isEqualTo(4);
        assertThat(summary.released()).isEqualTo(36);
        assertThat(inProgressCount()).isZero();
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'PENDING' AND attempts = 0 AND claim_token IS NULL")).isEqualTo(36);
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task_history")).isEqualTo(4);
        assertThat(filesLeft()).isEqualTo(36);
    }

    @Test
    void interrupting_a_run_releases_unstarted_rows_finishes_in_flight_ones_and_keeps_the_interrupt() throws Exception {
        enqueueFiles(30);
        gate.close();
        CallOnItsOwnThread<RunSummary> run = new CallOnItsOwnThread<>(() ->
                runner.run(ShardAssignment.ALL, new RunParameters(30, Duration.ofMinutes(1), false), RunLog.NONE));
        gate.awaitWaiting(4);

        run.interrupt(); // what /kill and the executor timeout do
        Thread.sleep(300);
        gate.open();
        RunSummary summary = run.get(Duration.ofSeconds(30));

        assertThat(summary.stopReason()).isEqualTo(StopReason.INTERRUPTED);
        assertThat(run.keptTheInterrupt()).isTrue();
        assertThat(summary.deleted()).isEqualTo(4);
        assertThat(summary.released()).isEqualTo(26);
        assertThat(inProgressCount()).isZero();
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'PENDING' AND attempts = 0")).isEqualTo(26);
    }

    @Test
    void a_deletion_stuck_past_the_in_flight_grace_uses_an_attempt_and_a_later_run_finishes_it() throws Exception {
        long id = enqueue("stuck/a.mp4");
        writeFile("stuck/a.mp4");
        gate.close();
        ExecutorService runThread = Executors.newSingleThreadExecutor();
        Future<RunSummary> run = runThread.submit(() -> runner.run(ShardAssignment.ALL,
                new RunParameters(10, Duration.ofSeconds(1), false), RunLog.NONE));

        RunSummary summary = run.get(30, TimeUnit.SECONDS); // 1 s timeout + 5 s grace, gate still closed
        assertThat(summary.failed()).isEqualTo(1);
        assertThat(row(id)).containsEntry("status", "PENDING").containsEntry("attempts", 1);
        assertThat((String) row(id).get("last_error")).contains("still running");
        assertThat(inProgressCount()).isZero();

        gate.open(); // the stuck syscall completes late and removes the file
        runThread.shutdown();
        assertThat(runThread.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(200);
        clock.advance(Duration.ofMinutes(2));
        RunSummary later = runner.run(ShardAssignment.ALL, DEFAULTS, RunLog.NONE);

        assertThat(later.alreadyAbsent() + later.deleted()).isEqualTo(1);
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task_history WHERE id = ?", id)).isEqualTo(1);
    }

    @Test
    void instances_with_changing_and_stale_shard_totals_process_every_row_exactly_once() throws Exception {
        List<Long> ids = enqueueFiles(900);
        RunParameters small = new RunParameters(7, Duration.ofMinutes(1), false);
        // Each round is one broadcast as different instances saw it: totals change between rounds,
        // and in some rounds instances hold different totals at the same moment.
        List<List<ShardAssignment>> rounds = List.of(
                List.of(new ShardAssignment(0, 3), new ShardAssignment(1, 2), new ShardAssignment(2, 3)),
                List.of(new ShardAssignment(0, 2), new ShardAssignment(0, 3), new ShardAssignment(1, 3)),
                List.of(new ShardAssignment(1, 4), new ShardAssignment(3, 4), new ShardAssignment(1, 2), new ShardAssignment(0, 1)),
                List.of(new ShardAssignment(0, 2), new ShardAssignment(1, 2)));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        int claimedTotal = 0;
        for (List<ShardAssignment> round : rounds) {
            List<Future<RunSummary>> runs = new ArrayList<>();
            for (ShardAssignment shard : round) {
                runs.add(pool.submit(() -> runner.run(shard, small, RunLog.NONE)));
            }
            for (Future<RunSummary> f : runs) {
                RunSummary s = f.get(2, TimeUnit.MINUTES);
                assertThat(s.lostClaims()).isZero();
                claimedTotal += s.claimed();
            }
            assertThat(inProgressCount()).isZero();
        }
        pool.shutdown();

        assertThat(claimedTotal).as("no row claimed twice").isEqualTo(ids.size());
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task")).isZero();
        assertThat(jdbc.queryForList("SELECT id FROM file_deletion_task_history ORDER BY id", Long.class)).isEqualTo(ids);
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task_history WHERE outcome = 'DELETED'")).isEqualTo(ids.size());
        assertThat(filesLeft()).isZero();
    }

    @Test
    void a_missed_shard_is_left_pending_and_taken_by_a_later_run() {
        List<Long> ids = enqueueFiles(60);

        // Two instances think the total is 3 and take shards 0 and 1; shard 2 had no instance this time.
        runner.run(new ShardAssignment(0, 3), DEFAULTS, RunLog.NONE);
        runner.run(new ShardAssignment(1, 3), DEFAULTS, RunLog.NONE);
        assertThat(jdbc.queryForList("SELECT id FROM file_deletion_task WHERE status = 'PENDING' ORDER BY id", Long.class))
                .isEqualTo(ids.stream().filter(id -> id % 3 == 2).toList());

        runner.run(new ShardAssignment(0, 2), DEFAULTS, RunLog.NONE);
        runner.run(new ShardAssignment(1, 2), DEFAULTS, RunLog.NONE);
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task")).isZero();
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task_history")).isEqualTo(60);
    }

    @Test
    void a_run_passes_a_row_another_transaction_holds_instead_of_waiting_and_a_later_run_takes_it() throws Exception {
        List<Long> ids = enqueueFiles(120);
        long held = ids.get(60);
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService producer = Executors.newSingleThreadExecutor();
        Future<?> holder = producer.submit(() -> {
            var tx = new org.springframework.transaction.support.TransactionTemplate(transactions);
            tx.setIsolationLevel(org.springframework.transaction.TransactionDefinition.ISOLATION_READ_COMMITTED);
            tx.executeWithoutResult(status -> {
                // A producer's transaction that touched the row and has not committed yet.
                jdbc.update("UPDATE file_deletion_task SET business_key = 'late-producer' WHERE id = ?", held);
                holding.countDown();
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        });
        assertThat(holding.await(30, TimeUnit.SECONDS)).isTrue();
        RunSummary first;
        try {
            first = runner.run(ShardAssignment.ALL, new RunParameters(25, Duration.ofMinutes(1), false), RunLog.NONE);
        } finally {
            release.countDown();
        }
        holder.get(30, TimeUnit.SECONDS);
        producer.shutdown();

        assertThat(first.stopReason()).isEqualTo(StopReason.DRAINED);
        assertThat(first.deleted()).isEqualTo(119);
        assertThat(row(held)).containsEntry("status", "PENDING").containsEntry("attempts", 0).containsEntry("business_key", "late-producer");

        RunSummary later = runner.run(ShardAssignment.ALL, DEFAULTS, RunLog.NONE);
        assertThat(later.deleted()).isEqualTo(1);
        assertThat(jdbc.queryForList("SELECT id FROM file_deletion_task_history ORDER BY id", Long.class)).isEqualTo(ids);
    }

    @Test
    void progress_and_the_start_line_go_to_the_run_log() {
        enqueueFiles(12);
        List<String> lines = new ArrayList<>();
        RunLog capture = (pattern, args) -> lines.add(org.slf4j.helpers.MessageFormatter.arrayFormat(pattern, args).getMessage());

        runner.run(ShardAssignment.ALL, new RunParameters(5, Duration.ofMinutes(1), false), capture);

        assertThat(lines.get(0)).contains("shard 0/1").contains("batch size 5");
    }

    private static final Duration SWEEP_AFTER = Duration.ofMinutes(2);
    private static final RunParameters SWEEPING = DEFAULTS.withSweepAfter(SWEEP_AFTER);

    @Test
    void a_drained_run_sweeps_the_overdue_rows_of_other_shards_and_counts_them_as_swept() {
        List<Long> ids = enqueueFiles(90);
        clock.advance(SWEEP_AFTER.plusSeconds(5));
        List<String> lines = new ArrayList<>();

        RunSummary summary = runner.run(new ShardAssignment(0, 3), SWEEPING, capture(lines));

        assertThat(summary.stopReason()).isEqualTo(StopReason.DRAINED);
        assertThat(summary.claimed()).isEqualTo(90);
        assertThat(summary.swept()).isEqualTo(60);
        assertThat(summary.deleted()).isEqualTo(90);
        assertThat(summary.unaccounted()).isZero();
        assertThat(summary.toString()).contains("lost_claims=0 swept=60 batches=");
        assertThat(lines).contains("swept 60 overdue rows of shards 1/3 (30), 2/3 (30) (due for more than 120s)");
        assertThat(jdbc.queryForList("SELECT id FROM file_deletion_task_history ORDER BY id", Long.class)).isEqualTo(ids);
        assertThat(filesLeft()).isZero();
    }

    @Test
    void rows_of_other_shards_not_yet_overdue_are_left_to_their_own_shard() {
        List<Long> ids = enqueueFiles(90);
        clock.advance(SWEEP_AFTER.minusSeconds(5));
        List<String> lines = new ArrayList<>();

        RunSummary summary = runner.run(new ShardAssignment(0, 3), SWEEPING, capture(lines));

        assertThat(summary.claimed()).isEqualTo(30);
        assertThat(summary.swept()).isZero();
        assertThat(lines).noneMatch(line -> line.startsWith("swept"));
        assertThat(jdbc.queryForList("SELECT id FROM file_deletion_task WHERE status = 'PENDING' AND attempts = 0 ORDER BY id", Long.class))
                .isEqualTo(ids.stream().filter(id -> id % 3 != 0).toList());
    }

    @Test
    void with_a_sweep_age_of_zero_a_drained_run_sweeps_nothing_however_overdue() {
        enqueueFiles(90);
        clock.advance(Duration.ofDays(1));

        RunSummary summary = runner.run(new ShardAssignment(0, 3), DEFAULTS.withSweepAfter(Duration.ZERO), RunLog.NONE);

        assertThat(summary.claimed()).isEqualTo(30);
        assertThat(summary.swept()).isZero();
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'PENDING' AND MOD(id, 3) <> 0")).isEqualTo(60);
    }

    @Test
    void a_run_drains_its_own_shard_first_and_sweeps_only_after_it() {
        List<Long> ids = enqueueFiles(90);
        clock.advance(SWEEP_AFTER.plusSeconds(5));

        // Batches of 20: two for the own shard's 30 rows, then three of swept rows. A run that swept
        // first would finish rows of shards 0 and 1 before its own.
        RunSummary summary = runner.run(new ShardAssignment(2, 3), new RunParameters(20, Duration.ofMinutes(2), false)
                .withSweepAfter(SWEEP_AFTER), RunLog.NONE);

        assertThat(summary.swept()).isEqualTo(60);
        assertThat(summary.batches()).isEqualTo(5);
        java.sql.Timestamp lastOwn = jdbc.queryForObject("SELECT MAX(finished_at) FROM file_deletion_task_history WHERE MOD(id, 3) = 2",
                java.sql.Timestamp.class);
        java.sql.Timestamp firstSwept = jdbc.queryForObject("SELECT MIN(finished_at) FROM file_deletion_task_history WHERE MOD(id, 3) <> 2",
                java.sql.Timestamp.class);
        assertThat(lastOwn).as("the own shard's last row finished no later than the first swept one").isBeforeOrEqualTo(firstSwept);
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task_history")).isEqualTo(ids.size());
    }

    @Test
    void a_retry_row_of_another_shard_is_not_swept_before_it_has_been_due_again_for_the_sweep_age() {
        long flaky = enqueue("flaky/a.mp4");
        writeFile("flaky/a.mp4");
        jdbc.update("UPDATE file_deletion_task SET created_at = UTC_TIMESTAMP(3) - INTERVAL 1 DAY WHERE id = ?", flaky);
        ShardAssignment owner = new ShardAssignment((int) (flaky % 3), 3);
        ShardAssignment sweeper = new ShardAssignment((int) ((flaky + 1) % 3), 3);
        gate.failPathsContaining("flaky/");
        assertThat(runner.run(owner, SWEEPING, RunLog.NONE).failed()).as("failed, retry in 1 min").isEqualTo(1);
        gate.failPathsContaining(null);

        assertThat(runner.run(sweeper, SWEEPING, RunLog.NONE).swept()).as("a day old, but its retry is not due yet").isZero();
        clock.advance(Duration.ofMinutes(1).plus(SWEEP_AFTER).minusSeconds(5));
        assertThat(runner.run(sweeper, SWEEPING, RunLog.NONE).swept()).as("due again for 1m55s").isZero();
        assertThat(row(flaky)).containsEntry("status", "PENDING").containsEntry("attempts", 1);
        clock.advance(Duration.ofSeconds(10));
        RunSummary swept = runner.run(sweeper, SWEEPING, RunLog.NONE);

        assertThat(swept.swept()).isEqualTo(1);
        assertThat(swept.deleted()).isEqualTo(1);
        assertThat(jdbc.queryForObject("SELECT attempts FROM file_deletion_task_history WHERE id = ?", Integer.class, flaky)).isEqualTo(1);
    }

    @Test
    void a_non_sharded_run_has_nothing_to_sweep_and_ends_as_before() {
        enqueueFiles(10);
        clock.advance(Duration.ofDays(1));

        RunSummary summary = runner.run(ShardAssignment.ALL, SWEEPING, RunLog.NONE);

        assertThat(summary.claimed()).isEqualTo(10);
        assertThat(summary.swept()).isZero();
        assertThat(summary.batches()).isEqualTo(1);
    }

    @Test
    void concurrent_runs_of_every_shard_with_every_row_overdue_move_each_row_once_and_lose_no_claim() throws Exception {
        List<Long> ids = enqueueFiles(600);
        clock.advance(SWEEP_AFTER.plusSeconds(5));
        RunParameters small = new RunParameters(17, Duration.ofMinutes(1), false).withSweepAfter(SWEEP_AFTER);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        List<Future<RunSummary>> runs = new ArrayList<>();
        for (int index = 0; index < 3; index++) {
            ShardAssignment shard = new ShardAssignment(index, 3);
            runs.add(pool.submit(() -> runner.run(shard, small, RunLog.NONE)));
        }
        int claimed = 0;
        for (Future<RunSummary> run : runs) {
            RunSummary s = run.get(2, TimeUnit.MINUTES);
            assertThat(s.lostClaims()).isZero();
            assertThat(s.alreadyAbsent()).as("a file deleted twice").isZero();
            assertThat(s.stopReason()).isEqualTo(StopReason.DRAINED);
            claimed += s.claimed();
        }
        pool.shutdown();

        assertThat(claimed).as("no row claimed twice").isEqualTo(ids.size());
        assertThat(jdbc.queryForList("SELECT id FROM file_deletion_task_history ORDER BY id", Long.class)).isEqualTo(ids);
        assertThat(filesLeft()).isZero();
    }

    @Test
    void an_interrupted_sweep_releases_its_unstarted_rows_and_reports_the_interrupt() throws Exception {
        enqueueFiles(90);
        clock.advance(SWEEP_AFTER.plusSeconds(5));
        jdbc.update("DELETE FROM file_deletion_task WHERE MOD(id, 3) = 0"); // the own shard is empty: the run sweeps at once
        gate.close();
        CompletableFuture<RunSummary> run = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                run.complete(runner.run(new ShardAssignment(0, 3), new RunParameters(60, Duration.ofMinutes(1), false)
                        .withSweepAfter(SWEEP_AFTER), RunLog.NONE));
            } catch (Throwable e) {
                run.completeExceptionally(e);
            }
        });
        thread.start();
        gate.awaitWaiting(4);

        thread.interrupt();
        Thread.sleep(300);
        gate.open();
        RunSummary summary = run.get(30, TimeUnit.SECONDS);
        thread.join(5_000);

        assertThat(summary.stopReason()).isEqualTo(StopReason.INTERRUPTED);
        assertThat(summary.swept()).isEqualTo(60);
        assertThat(summary.deleted()).isEqualTo(4);
        assertThat(summary.released()).isEqualTo(56);
        assertThat(inProgressCount()).isZero();
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'PENDING' AND attempts = 0")).isEqualTo(56);
    }

    private static RunLog capture(List<String> lines) {
        return (pattern, args) -> lines.add(org.slf4j.helpers.MessageFormatter.arrayFormat(pattern, args).getMessage());
    }

    private String outcome(long id) {
        return jdbc.queryForObject("SELECT outcome FROM file_deletion_task_history WHERE id = ?", String.class, id);
    }
}
