package io.shardsweep.finish;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardsweep.claim.ClaimedBatch;
import io.shardsweep.claim.ClaimedTask;
import io.shardsweep.claim.ShardAssignment;
import io.shardsweep.claim.TaskClaimer;
import io.shardsweep.compensation.StaleTaskCompensator;
import io.shardsweep.config.ShardSweepProperties;
import io.shardsweep.storage.TaskResult;
import io.shardsweep.testsupport.DatabaseTest;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

class TaskFinisherTest extends DatabaseTest {

    @Autowired
    TaskClaimer claimer;

    @Autowired
    TaskFinisher finisher;

    @Autowired
    StaleTaskCompensator compensator;

    @Autowired
    FinishMapper mapper;

    @Autowired
    ShardSweepProperties properties;

    @Autowired
    PlatformTransactionManager transactions;

    @Test
    void successes_move_to_history_in_one_batch_with_their_outcome_owner_and_original_fields() {
        long a = enqueue("a.mp4");
        long b = enqueue("b.mp4");
        jdbc.update("UPDATE file_deletion_task SET business_key = 'video-42' WHERE id = ?", a);
        ClaimedBatch batch = claimer.claim(ShardAssignment.ALL, 10);

        FinishSummary summary = finisher.finish(batch, List.of(
                TaskResult.of(task(batch, a), TaskResult.Kind.DELETED),
                TaskResult.of(task(batch, b), TaskResult.Kind.ALREADY_ABSENT)));

        assertThat(summary).isEqualTo(new FinishSummary(1, 1, 0, 0, 0, 0));
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task")).isZero();
        var history = jdbc.queryForMap("SELECT * FROM file_deletion_task_history WHERE id = ?", a);
        assertThat(history).containsEntry("outcome", "DELETED").containsEntry("business_key", "video-42")
                .containsEntry("file_path", "a.mp4").containsEntry("finished_by", claimer.owner());
        assertThat(jdbc.queryForObject("SELECT outcome FROM file_deletion_task_history WHERE id = ?", String.class, b))
                .isEqualTo("ALREADY_ABSENT");
    }

    @Test
    void a_finish_under_a_claim_token_that_was_taken_over_changes_nothing_and_counts_the_rows_as_lost() {
        long id = enqueue("a.mp4");
        ClaimedBatch stale = claimer.claim(ShardAssignment.ALL, 10);
        // The owner stalls past its lease; compensation returns the row and another run claims it.
        clock.advance(Duration.ofMinutes(6));
        assertThat(compensator.compensate(changed -> { }).reset()).isEqualTo(1);
        ClaimedBatch fresh = claimer.claim(ShardAssignment.ALL, 10);
        assertThat(fresh.tasks()).extracting(ClaimedTask::id).containsExactly(id);

        FinishSummary late = finisher.finish(stale, List.of(TaskResult.of(task(stale, id), TaskResult.Kind.DELETED)));

        assertThat(late.lostClaims()).isEqualTo(1);
        assertThat(late.deleted() + late.alreadyAbsent()).as("rows moved to history").isZero();
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task_history")).isZero();
        assertThat(row(id)).containsEntry("status", "IN_PROGRESS").containsEntry("claim_token", fresh.token());

        // The stale owner cannot fail, kill or release the row either.
        FinishSummary lateFailure = finisher.finish(stale, List.of(
                TaskResult.failed(task(stale, id), TaskResult.Kind.REFUSED, "refused: stale")));
        assertThat(lateFailure.lostClaims()).isEqualTo(1);
        assertThat(finisher.finish(stale, List.of(TaskResult.of(task(stale, id), TaskResult.Kind.UNSTARTED))).lostClaims())
                .as("a release by the stale owner").isEqualTo(1);
        assertThat(row(id)).containsEntry("status", "IN_PROGRESS").containsEntry("claim_token", fresh.token());

        // The current owner finishes it, exactly once.
        assertThat(finisher.finish(fresh, List.of(TaskResult.of(task(fresh, id), TaskResult.Kind.DELETED))).deleted()).isEqualTo(1);
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task_history WHERE id = ?", id)).isEqualTo(1);
    }

    @Test
    void a_row_taken_over_between_the_copy_and_the_delete_sends_the_finish_lock_first_and_each_row_reaches_history_once() throws Exception {
        long a = enqueue("a.mp4");
        long taken = enqueue("b.mp4");
        long c = enqueue("c.mp4");
        ClaimedBatch stale = claimer.claim(ShardAssignment.ALL, 10);
        AtomicReference<ClaimedBatch> fresh = new AtomicReference<>();
        AtomicInteger hookRuns = new AtomicInteger();
        var other = java.util.concurrent.Executors.newSingleThreadExecutor(); // its own connection, outside the finish
        TaskFinisher finisherWithTakeover = new TaskFinisher(afterCopy(() -> {
            if (hookRuns.getAndIncrement() > 0) {
                return;
            }
            try {
                other.submit(() -> {
                    // The lease of one row ran out: compensation returns it and another run claims it.
                    jdbc.update("UPDATE file_deletion_task SET lease_until = UTC_TIMESTAMP(3) - INTERVAL 1 MINUTE WHERE id = ?", taken);
                    assertThat(compensator.compensate(changed -> { }).reset()).isEqualTo(1);
                    fresh.set(claimer.claim(ShardAssignment.ALL, 10));
                }).get(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }), clock, RetrySettings.from(properties), transactions);
        FinishSummary late;
        try {
            late = finisherWithTakeover.finish(stale, all(stale, TaskResult.Kind.DELETED));
        } finally {
            other.shutdown();
        }

        assertThat(hookRuns).as("copies: the fast path's, then the lock-first path's after the takeover").hasValue(2);
        assertThat(fresh.get().tasks()).extracting(ClaimedTask::id).containsExactly(taken);
        assertThat(late).isEqualTo(new FinishSummary(2, 0, 0, 0, 0, 1));
        assertThat(jdbc.queryForList("SELECT id FROM file_deletion_task_history ORDER BY id", Long.class)).containsExactly(a, c);
        assertThat(row(taken)).containsEntry("status", "IN_PROGRESS").containsEntry("claim_token", fresh.get().token())
                .containsEntry("attempts", 1);

        FinishSummary current = finisher.finish(fresh.get(), all(fresh.get(), TaskResult.Kind.DELETED));
        assertThat(current.deleted()).isEqualTo(1);
        assertThat(jdbc.queryForList("SELECT id FROM file_deletion_task_history ORDER BY id", Long.class)).containsExactly(a, taken, c);
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task")).isZero();
    }

    @Test
    void a_failure_records_its_error_and_attempt_and_returns_the_row_as_retryable_after_a_doubling_backoff() {
        long id = enqueue("a.mp4");
        ClaimedBatch batch = claimer.claim(ShardAssignment.ALL, 10);

        FinishSummary summary = finisher.finish(batch, List.of(
                TaskResult.failed(task(batch, id), TaskResult.Kind.FAILED, "IOException: disk on fire")));

        assertThat(summary.retryScheduled()).isEqualTo(1);
        assertThat(row(id)).containsEntry("status", "PENDING").containsEntry("attempts", 1)
                .containsEntry("last_error", "IOException: disk on fire").containsEntry("claim_token", null);
        assertThat(finisher.backoff(0)).isEqualTo(Duration.ofMinutes(1));
        assertThat(finisher.backoff(1)).isEqualTo(Duration.ofMinutes(2));
        assertThat(finisher.backoff(2)).isEqualTo(Duration.ofMinutes(4));
        assertThat(finisher.backoff(500)).isEqualTo(Duration.ofMinutes(1L << 16));
    }

    @Test
    void the_last_allowed_failure_parks_the_row_dead() {
        long id = enqueue("a.mp4");
        jdbc.update("UPDATE file_deletion_task SET attempts = 2 WHERE id = ?", id);
        ClaimedBatch batch = claimer.claim(ShardAssignment.ALL, 10);

        FinishSummary summary = finisher.finish(batch, List.of(
                TaskResult.failed(task(batch, id), TaskResult.Kind.FAILED, "IOException: still broken")));

        assertThat(summary.dead()).isEqualTo(1);
        assertThat(row(id)).containsEntry("status", "DEAD").containsEntry("attempts", 3);
    }

    @Test
    void unstarted_rows_are_released_untouched_without_using_an_attempt() {
        long id = enqueue("a.mp4");
        jdbc.update("UPDATE file_deletion_task SET attempts = 1, last_error = 'earlier' WHERE id = ?", id);
        ClaimedBatch batch = claimer.claim(ShardAssignment.ALL, 10);

        FinishSummary summary = finisher.finish(batch, List.of(TaskResult.of(task(batch, id), TaskResult.Kind.UNSTARTED)));

        assertThat(summary.released()).isEqualTo(1);
        assertThat(row(id)).containsEntry("status", "PENDING").containsEntry("attempts", 1)
                .containsEntry("last_error", "earlier").containsEntry("claim_token", null).containsEntry("lease_until", null);
    }

    @Test
    void an_overlong_error_is_truncated_to_fit_the_column() {
        long id = enqueue("a.mp4");
        ClaimedBatch batch = claimer.claim(ShardAssignment.ALL, 10);

        finisher.finish(batch, List.of(TaskResult.failed(task(batch, id), TaskResult.Kind.FAILED, "x".repeat(5000))));

        assertThat((String) row(id).get("last_error")).hasSize(TaskFinisher.MAX_ERROR_LENGTH).endsWith("...");
    }

    @Test
    void finishing_one_shard_never_waits_for_another_shards_uncommitted_finish() throws Exception {
        enqueueFiles(2_000);
        ClaimedBatch shard0 = claimer.claim(new ShardAssignment(0, 2), 1000);
        ClaimedBatch shard1 = claimer.claim(new ShardAssignment(1, 2), 1000);
        java.util.concurrent.CountDownLatch holding = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        var pool = java.util.concurrent.Executors.newSingleThreadExecutor();
        var holder = pool.submit(() -> readCommitted().execute(status -> {
            FinishSummary summary = finisher.finish(shard0, all(shard0, TaskResult.Kind.DELETED));
            holding.countDown();
            try {
                release.await(60, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return summary;
        }));
        assertThat(holding.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        try {
            FinishSummary other = readCommitted().execute(status -> {
                jdbc.execute("SET SESSION innodb_lock_wait_timeout = 1");
                try {
                    return finisher.finish(shard1, all(shard1, TaskResult.Kind.DELETED));
                } finally {
                    jdbc.execute("SET SESSION innodb_lock_wait_timeout = 50");
                }
            });
            assertThat(other.deleted()).isEqualTo(1000);
        } finally {
            release.countDown();
        }
        assertThat(holder.get(30, java.util.concurrent.TimeUnit.SECONDS).deleted()).isEqualTo(1000);
        pool.shutdown();
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task_history")).isEqualTo(2000);
    }

    private TransactionTemplate readCommitted() {
        var template = new TransactionTemplate(transactions);
        template.setIsolationLevel(TransactionDefinition.ISOLATION_READ_COMMITTED);
        return template;
    }

    private static List<TaskResult> all(ClaimedBatch batch, TaskResult.Kind kind) {
        return batch.tasks().stream().map(t -> TaskResult.of(t, kind)).toList();
    }

    private static ClaimedTask task(ClaimedBatch batch, long id) {
        return batch.tasks().stream().filter(t -> t.id() == id).findFirst().orElseThrow();
    }

    /** The real mapper, which runs {@code action} after each copy to history, before the matching delete. */
    private FinishMapper afterCopy(Runnable action) {
        return (FinishMapper) Proxy.newProxyInstance(FinishMapper.class.getClassLoader(), new Class<?>[] {FinishMapper.class},
                (proxy, method, args) -> {
                    try {
                        Object result = method.invoke(mapper, args);
                        if (method.getName().equals("copyOwnedToHistory")) {
                            action.run();
                        }
                        return result;
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
