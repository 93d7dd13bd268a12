package io.shardsweep.claim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardsweep.testsupport.DatabaseTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.dao.DataAccessException;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

class TaskClaimerTest extends DatabaseTest {

    @Autowired
    TaskClaimer claimer;

    @Autowired
    PlatformTransactionManager transactions;

    @Test
    void claim_takes_only_due_pending_rows_of_its_own_shard_and_stamps_owner_token_and_lease() {
        List<Long> ids = enqueueFiles(20);

        ClaimedBatch batch = claimer.claim(new ShardAssignment(1, 3), 100);

        List<Long> expected = ids.stream().filter(id -> id % 3 == 1).toList();
        assertThat(batch.tasks()).extracting(ClaimedTask::id).containsExactlyElementsOf(expected);
        assertThat(batch.leaseUntil()).isEqualTo(batch.claimedAt().plus(Duration.ofMinutes(5)));
        for (long id : expected) {
            var row = row(id);
            assertThat(row.get("status")).isEqualTo("IN_PROGRESS");
            assertThat(row.get("claim_token")).isEqualTo(batch.token());
            assertThat(row.get("claim_owner")).isEqualTo(claimer.owner());
            assertThat(row.get("lease_until")).isNotNull();
        }
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'PENDING'")).isEqualTo(20 - expected.size());
    }

    @Test
    void claim_respects_the_batch_limit_and_the_next_claim_takes_the_rest() {
        enqueueFiles(25);

        ClaimedBatch first = claimer.claim(ShardAssignment.ALL, 10);
        ClaimedBatch second = claimer.claim(ShardAssignment.ALL, 10);
        ClaimedBatch third = claimer.claim(ShardAssignment.ALL, 10);
        ClaimedBatch fourth = claimer.claim(ShardAssignment.ALL, 10);

        assertThat(List.of(first.size(), second.size(), third.size(), fourth.size())).containsExactly(10, 10, 5, 0);
        assertThat(Set.of(first.token(), second.token(), third.token())).hasSize(3);
    }

    @Test
    void rows_not_yet_due_are_claimed_only_once_their_not_before_has_passed() {
        long later = enqueue("a.mp4");
        jdbc.update("UPDATE file_deletion_task SET not_before = UTC_TIMESTAMP(3) + INTERVAL 7 DAY WHERE id = ?", later);

        assertThat(claimer.claim(ShardAssignment.ALL, 10).isEmpty()).isTrue();

        clock.advance(Duration.ofDays(7).plusMinutes(1));
        assertThat(claimer.claim(ShardAssignment.ALL, 10).tasks()).extracting(ClaimedTask::id).containsExactly(later);
    }

    @Test
    void dead_and_in_progress_rows_are_never_claimed() {
        long dead = enqueue("dead.mp4");
        long busy = enqueue("busy.mp4");
        long pending = enqueue("pending.mp4");
        jdbc.update("UPDATE file_deletion_task SET status = 'DEAD' WHERE id = ?", dead);
        jdbc.update("UPDATE file_deletion_task SET status = 'IN_PROGRESS', claim_token = 'someone-else' WHERE id = ?", busy);

        ClaimedBatch batch = claimer.claim(ShardAssignment.ALL, 10);

        assertThat(batch.tasks()).extracting(ClaimedTask::id).containsExactly(pending);
        assertThat(row(busy).get("claim_token")).isEqualTo("someone-else");
    }

    @Test
    void many_threads_on_overlapping_shards_never_claim_the_same_row_twice() throws Exception {
        List<Long> ids = enqueueFiles(2_000);
        // 16 claimers: four on each of shards 0..3 of 4, plus some holding stale totals of 2 and 3.
        List<ShardAssignment> claimers = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            claimers.add(new ShardAssignment(i % 4, 4));
        }
        claimers.add(new ShardAssignment(0, 2));
        claimers.add(new ShardAssignment(1, 2));
        claimers.add(new ShardAssignment(2, 3));
        claimers.add(ShardAssignment.ALL);

        List<Long> claimed = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(claimers.size());
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        for (ShardAssignment shard : claimers) {
            futures.add(pool.submit((Callable<Void>) () -> {
                start.await();
                ClaimedBatch batch;
                do {
                    batch = claimer.claim(shard, 37);
                    batch.tasks().forEach(t -> claimed.add(t.id()));
                } while (!batch.isEmpty());
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : futures) {
            f.get(2, TimeUnit.MINUTES);
        }
        pool.shutdown();

        assertThat(claimed).hasSize(ids.size()).doesNotHaveDuplicates();
        assertThat(new HashSet<>(claimed)).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(count("SELECT COUNT(DISTINCT claim_token) FROM file_deletion_task")).isGreaterThan(claimers.size());
    }

    @Test
    void four_shards_claim_while_the_other_three_hold_their_claims_open_without_waiting() throws Exception {
        enqueueFiles(400);
        CountDownLatch holding = new CountDownLatch(3);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        List<Future<Integer>> holders = new ArrayList<>();
        for (int index = 0; index < 3; index++) {
            ShardAssignment shard = new ShardAssignment(index, 4);
            holders.add(pool.submit(() -> openTransaction().execute(status -> {
                int size = claimer.claim(shard, 1000).size();
                holding.countDown();
                await(release);
                return size;
            })));
        }
        assertThat(holding.await(30, TimeUnit.SECONDS)).isTrue();
        try {
            // Shard 3 scans past rows the other three have locked and not committed. With a 1 s lock
            // wait timeout, any wait on their locks would fail this claim.
            ClaimedBatch last = withLockWaitTimeoutOfOneSecond(() -> claimer.claim(new ShardAssignment(3, 4), 1000));
            assertThat(last.size()).isEqualTo(100);
        } finally {
            release.countDown();
        }
        for (Future<Integer> holder : holders) {
            assertThat(holder.get(30, TimeUnit.SECONDS)).isEqualTo(100);
        }
        pool.shutdown();
    }

    @Test
    void a_claimer_of_an_overlapping_shard_takes_the_rows_an_open_claim_does_not_hold_at_once_and_never_the_held_ones() throws Exception {
        List<Long> ids = enqueueFiles(40);
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<List<Long>> held = new CompletableFuture<>();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        // The holder claims part of shard 0/2 and keeps its transaction open: in the committed version
        // those rows are still PENDING and due, and only its locks keep other claimers off them.
        Future<Integer> holder = pool.submit(() -> openTransaction().execute(status -> {
            ClaimedBatch batch = claimer.claim(new ShardAssignment(0, 2), 5);
            held.complete(batch.tasks().stream().map(ClaimedTask::id).toList());
            holding.countDown();
            await(release);
            return batch.size();
        }));
        assertThat(holding.await(30, TimeUnit.SECONDS)).isTrue();
        List<Long> heldIds = held.get();
        ClaimedBatch other;
        try {
            assertThat(count("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'PENDING' AND id IN ("
                    + String.join(",", heldIds.stream().map(String::valueOf).toList()) + ")")).isEqualTo(5);
            // A plain locking read of a held row waits and times out: the 1 s timeout does catch a wait.
            assertThatThrownBy(() -> withLockWaitTimeoutOfOneSecond(() -> jdbc.queryForList(
                    "SELECT id FROM file_deletion_task WHERE id = ? FOR UPDATE", Long.class, heldIds.get(0))))
                    .isInstanceOf(DataAccessException.class)
                    .hasMessageContaining("Lock wait timeout");
            // The whole table (total 1) overlaps the holder's shard; the claim passes the held rows.
            other = withLockWaitTimeoutOfOneSecond(() -> claimer.claim(ShardAssignment.ALL, 1000));
        } finally {
            release.countDown();
        }
        assertThat(holder.get(30, TimeUnit.SECONDS)).isEqualTo(5);
        pool.shutdown();

        assertThat(other.tasks()).extracting(ClaimedTask::id)
                .hasSize(35)
                .doesNotContainAnyElementsOf(heldIds)
                .isSorted();
        List<Long> both = new ArrayList<>(heldIds);
        both.addAll(other.ids());
        assertThat(both).containsExactlyInAnyOrderElementsOf(ids);
    }

    @Test
    void a_claimer_that_finds_every_due_row_held_by_an_open_claim_reads_again_and_takes_the_rows_behind_it_once_that_claim_commits()
            throws Exception {
        List<Long> ids = enqueueFiles(20);
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        Future<ClaimedBatch> holder = pool.submit(() -> openTransaction().execute(status -> {
            ClaimedBatch batch = claimer.claim(ShardAssignment.ALL, 5);
            holding.countDown();
            await(release);
            return batch;
        }));
        assertThat(holding.await(30, TimeUnit.SECONDS)).isTrue();
        // Same shard, same limit: its first read finds exactly the five rows the holder has locked.
        Future<ClaimedBatch> second = pool.submit(() -> claimer.claim(ShardAssignment.ALL, 5));
        Thread.sleep(5);
        release.countDown();

        assertThat(holder.get(30, TimeUnit.SECONDS).ids()).isEqualTo(ids.subList(0, 5));
        assertThat(second.get(30, TimeUnit.SECONDS).ids()).isEqualTo(ids.subList(5, 10));
        pool.shutdown();
    }

    @Test
    void claim_rejects_a_shard_index_out_of_range_before_touching_the_database() {
        enqueueFiles(3);
        assertThatThrownBy(() -> new ShardAssignment(2, 2)).isInstanceOf(ShardAssignment.InvalidShardException.class)
                .hasMessageContaining("shard index 2 is out of range for total 2");
        assertThatThrownBy(() -> new ShardAssignment(0, 0)).hasMessageContaining("shard total must be at least 1");
        assertThatThrownBy(() -> new ShardAssignment(-1, 3)).hasMessageContaining("out of range");
        assertThat(inProgressCount()).isZero();
    }

    @Test
    void dry_run_preview_counts_due_rows_of_the_shard_and_changes_nothing() {
        enqueueFiles(10);

        TaskClaimer.Preview preview = claimer.preview(new ShardAssignment(0, 2), 3, Duration.ZERO);

        assertThat(preview.dueCount()).isEqualTo(5);
        assertThat(preview.sample()).hasSize(3).allMatch(t -> t.id() % 2 == 0);
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'PENDING'")).isEqualTo(10);
    }

    @Autowired
    org.apache.ibatis.session.SqlSessionFactory sessions;

    @Test
    void the_claim_statement_reads_a_range_of_the_claim_index_not_the_whole_table() {
        enqueueFiles(3_000);
        jdbc.update("UPDATE file_deletion_task SET status = 'DEAD' WHERE id % 10 <> 0");
        jdbc.update("UPDATE file_deletion_task SET not_before = UTC_TIMESTAMP(3) + INTERVAL 1 DAY WHERE id % 20 = 0");
        jdbc.execute("ANALYZE TABLE file_deletion_task");
        var parameters = new java.util.HashMap<String, Object>();
        parameters.put("shardIndex", 1);
        parameters.put("shardTotal", 2);
        parameters.put("now", clock.instant());
        parameters.put("limit", 100);
        BoundStatement bound = bind("findDue", parameters);

        var plan = jdbc.queryForList("EXPLAIN " + bound.sql(), bound.args());

        assertThat(plan).hasSize(1);
        assertThat(plan.get(0).get("key")).isEqualTo("idx_task_claim");
        assertThat(plan.get(0).get("type")).isEqualTo("range");
    }

    private static final Duration SWEEP_AFTER = Duration.ofMinutes(2);
    private static final ShardAssignment SHARD_0_OF_3 = new ShardAssignment(0, 3);

    @Test
    void rows_of_other_shards_are_swept_only_once_they_have_been_due_for_longer_than_the_sweep_age() {
        List<Long> ids = enqueueFiles(30);

        assertThat(claimer.claimOverdue(SHARD_0_OF_3, SWEEP_AFTER, 100).isEmpty()).as("fresh rows").isTrue();
        clock.advance(SWEEP_AFTER.minusSeconds(5));
        assertThat(claimer.claimOverdue(SHARD_0_OF_3, SWEEP_AFTER, 100).isEmpty()).as("due for 1m55s").isTrue();
        clock.advance(Duration.ofSeconds(10));
        ClaimedBatch swept = claimer.claimOverdue(SHARD_0_OF_3, SWEEP_AFTER, 100);

        assertThat(swept.ids()).as("every row of shards 1/3 and 2/3, none of the sweeper's own")
                .containsExactlyElementsOf(ids.stream().filter(id -> id % 3 != 0).toList());
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'IN_PROGRESS' AND claim_token = ?", swept.token()))
                .isEqualTo(20);
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'PENDING' AND MOD(id, 3) = 0")).isEqualTo(10);
    }

    @Test
    void a_row_has_been_due_since_the_later_of_its_creation_and_its_not_before() {
        long oldNoNotBefore = enqueue("a.mp4");          // due since created, 10 min ago: overdue
        long oldNotBeforeRecent = enqueue("b.mp4");      // created 10 min ago, due 1 min ago: not yet
        long oldNotBeforeLongAgo = enqueue("c.mp4");     // created 10 min ago, due 3 min ago: overdue
        long newNotBeforeLongAgo = enqueue("d.mp4");     // due "3 min ago" but created 30 s ago: not yet
        long recentNoNotBefore = enqueue("e.mp4");       // created 1 min ago: not yet
        jdbc.update("UPDATE file_deletion_task SET created_at = UTC_TIMESTAMP(3) - INTERVAL 10 MINUTE WHERE id IN (?, ?, ?)",
                oldNoNotBefore, oldNotBeforeRecent, oldNotBeforeLongAgo);
        jdbc.update("UPDATE file_deletion_task SET not_before = UTC_TIMESTAMP(3) - INTERVAL 1 MINUTE WHERE id = ?", oldNotBeforeRecent);
        jdbc.update("UPDATE file_deletion_task SET not_before = UTC_TIMESTAMP(3) - INTERVAL 3 MINUTE WHERE id IN (?, ?)",
                oldNotBeforeLongAgo, newNotBeforeLongAgo);
        jdbc.update("UPDATE file_deletion_task SET created_at = UTC_TIMESTAMP(3) - INTERVAL 30 SECOND WHERE id = ?", newNotBeforeLongAgo);
        jdbc.update("UPDATE file_deletion_task SET created_at = UTC_TIMESTAMP(3) - INTERVAL 1 MINUTE WHERE id = ?", recentNoNotBefore);
        // A sweeper of a shard none of them is in: total 1000, index 999.
        ShardAssignment elsewhere = new ShardAssignment(999, 1000);

        ClaimedBatch swept = claimer.claimOverdue(elsewhere, SWEEP_AFTER, 100);

        assertThat(swept.ids()).containsExactly(oldNoNotBefore, oldNotBeforeLongAgo);
    }

    @Test
    void a_retry_row_whose_not_before_is_still_ahead_is_not_swept_however_old_it_is() {
        long retry = enqueue("retry.mp4");
        jdbc.update("UPDATE file_deletion_task SET created_at = UTC_TIMESTAMP(3) - INTERVAL 1 DAY, attempts = 1, "
                + "last_error = 'IOException: earlier', not_before = UTC_TIMESTAMP(3) + INTERVAL 1 MINUTE WHERE id = ?", retry);
        ShardAssignment elsewhere = new ShardAssignment((int) ((retry + 1) % 3), 3);

        assertThat(claimer.claimOverdue(elsewhere, SWEEP_AFTER, 100).isEmpty()).isTrue();
        clock.advance(Duration.ofMinutes(1).plus(SWEEP_AFTER).minusSeconds(5));
        assertThat(claimer.claimOverdue(elsewhere, SWEEP_AFTER, 100).isEmpty()).as("due again, but not for 2m yet").isTrue();
        clock.advance(Duration.ofSeconds(10));
        assertThat(claimer.claimOverdue(elsewhere, SWEEP_AFTER, 100).ids()).containsExactly(retry);
    }

    @Test
    void dead_and_in_progress_rows_are_never_swept() {
        long dead = enqueue("dead.mp4");
        long busy = enqueue("busy.mp4");
        jdbc.update("UPDATE file_deletion_task SET status = 'DEAD' WHERE id = ?", dead);
        jdbc.update("UPDATE file_deletion_task SET status = 'IN_PROGRESS', claim_token = 'someone-else' WHERE id = ?", busy);
        clock.advance(Duration.ofDays(1));

        assertThat(claimer.claimOverdue(new ShardAssignment(999, 1000), SWEEP_AFTER, 100).isEmpty()).isTrue();
        assertThat(row(busy).get("claim_token")).isEqualTo("someone-else");
    }

    @Test
    void a_sweep_age_of_zero_is_refused_before_touching_the_database() {
        enqueueFiles(3);
        clock.advance(Duration.ofDays(1));
        assertThatThrownBy(() -> claimer.claimOverdue(SHARD_0_OF_3, Duration.ZERO, 100))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shardsweep.sweep-after");
        assertThat(inProgressCount()).isZero();
    }

    @Test
    void sweepers_of_every_shard_and_the_owners_claiming_at_once_take_each_overdue_row_exactly_once() throws Exception {
        List<Long> ids = enqueueFiles(1_500);
        clock.advance(Duration.ofMinutes(3));
        // Per shard of 3: its owner claims it, and two sweepers of that shard sweep the other two.
        List<Callable<List<Long>>> claimers = new ArrayList<>();
        for (int index = 0; index < 3; index++) {
            ShardAssignment shard = new ShardAssignment(index, 3);
            claimers.add(() -> drain(() -> claimer.claim(shard, 23)));
            claimers.add(() -> drain(() -> claimer.claimOverdue(shard, SWEEP_AFTER, 29)));
            claimers.add(() -> drain(() -> claimer.claimOverdue(shard, SWEEP_AFTER, 31)));
        }
        ExecutorService pool = Executors.newFixedThreadPool(claimers.size());
        CountDownLatch start = new CountDownLatch(1);
        List<Future<List<Long>>> futures = new ArrayList<>();
        for (Callable<List<Long>> c : claimers) {
            futures.add(pool.submit(() -> {
                start.await();
                return c.call();
            }));
        }
        start.countDown();
        List<Long> claimed = new ArrayList<>();
        int swept = 0;
        for (int i = 0; i < futures.size(); i++) {
            List<Long> taken = futures.get(i).get(2, TimeUnit.MINUTES);
            claimed.addAll(taken);
            if (i % 3 != 0) {
                int index = i / 3;
                assertThat(taken).as("a sweeper of shard %s/3 never sweeps its own shard", index).noneMatch(id -> id % 3 == index);
                swept += taken.size();
            }
        }
        pool.shutdown();

        assertThat(claimed).hasSize(ids.size()).doesNotHaveDuplicates();
        assertThat(new HashSet<>(claimed)).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(swept).as("rows the sweepers took (they competed)").isPositive();
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task WHERE status <> 'IN_PROGRESS'")).isZero();
    }

    @Test
    void the_sweep_read_is_a_range_of_the_claim_index_read_from_the_index_alone_and_passes_no_fresh_row() {
        enqueueFiles(3_000);
        // 150 rows overdue (created 10 minutes ago), 2,850 fresh; and 300 DEAD and 300 in a grace period.
        jdbc.update("UPDATE file_deletion_task SET created_at = UTC_TIMESTAMP(3) - INTERVAL 10 MINUTE WHERE id % 20 = 1");
        jdbc.update("UPDATE file_deletion_task SET status = 'DEAD' WHERE id % 10 = 2");
        jdbc.update("UPDATE file_deletion_task SET not_before = UTC_TIMESTAMP(3) + INTERVAL 1 DAY WHERE id % 10 = 3");
        jdbc.execute("ANALYZE TABLE file_deletion_task");
        var parameters = new java.util.HashMap<String, Object>();
        parameters.put("shardIndex", 0);
        parameters.put("shardTotal", 3);
        parameters.put("cutoff", clock.instant().minus(SWEEP_AFTER));
        parameters.put("limit", 1000);
        BoundStatement bound = bind("findOverdue", parameters);

        var plan = jdbc.queryForList("EXPLAIN " + bound.sql(), bound.args());
        long[] readNext = new long[1];
        List<Long> found = jdbc.execute((org.springframework.jdbc.core.ConnectionCallback<List<Long>>) connection -> {
            long before = handlerReadNext(connection);
            List<Long> rows = new ArrayList<>();
            try (var ps = connection.prepareStatement(bound.sql())) {
                for (int i = 0; i < bound.args().length; i++) {
                    ps.setObject(i + 1, bound.args()[i]);
                }
                try (var rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(rs.getLong(1));
                    }
                }
            }
            readNext[0] = handlerReadNext(connection) - before;
            return rows;
        });

        // Two SELECTs joined by UNION ALL (and, on MariaDB, the union result): each a range of the claim index, index-only.
        List<Map<String, Object>> reads = plan.stream().filter(step -> step.get("key") != null).toList();
        assertThat(reads).as("plan %s", plan).hasSize(2).allSatisfy(step -> {
            assertThat(step.get("key")).isEqualTo("idx_task_claim");
            assertThat(step.get("type")).isEqualTo("range");
            assertThat(String.valueOf(step.get("Extra"))).as("index-only: no table lookup per entry").contains("Using index");
        });
        assertThat(plan).as("nothing else is read").allMatch(step -> step.get("key") != null || String.valueOf(step.get("table")).startsWith("<union"));
        assertThat(found).as("the overdue rows of shards 1 and 2").hasSize(100).allMatch(id -> id % 20 == 1 && id % 3 != 0);
        // 150 overdue entries (the sweeper's own shard's 50 among them) are all the range holds.
        assertThat(readNext[0]).as("index entries read by the sweep read (of 3,000 rows, 2,250 fresh and PENDING)")
                .isLessThanOrEqualTo(160);
    }

    private static long handlerReadNext(java.sql.Connection connection) throws java.sql.SQLException {
        try (var st = connection.createStatement(); var rs = st.executeQuery("SHOW SESSION STATUS LIKE 'Handler_read_next'")) {
            rs.next();
            return rs.getLong(2);
        }
    }

    private static List<Long> drain(java.util.function.Supplier<ClaimedBatch> claim) {
        List<Long> taken = new ArrayList<>();
        ClaimedBatch batch;
        do {
            batch = claim.get();
            taken.addAll(batch.ids());
        } while (!batch.isEmpty());
        return taken;
    }

    @Test
    void dry_run_preview_counts_overdue_rows_of_the_other_shards_a_sweep_would_take() {
        enqueueFiles(30);
        clock.advance(Duration.ofMinutes(3));

        TaskClaimer.Preview preview = claimer.preview(SHARD_0_OF_3, 3, SWEEP_AFTER);

        assertThat(preview.dueCount()).isEqualTo(10);
        assertThat(preview.overdueElsewhere()).isEqualTo(20);
        assertThat(claimer.preview(SHARD_0_OF_3, 3, Duration.ZERO).overdueElsewhere()).as("sweeping off").isZero();
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'PENDING'")).isEqualTo(30);
    }

    private TransactionTemplate openTransaction() {
        TransactionTemplate template = new TransactionTemplate(transactions);
        template.setIsolationLevel(TransactionDefinition.ISOLATION_READ_COMMITTED);
        return template;
    }

    private <T> T withLockWaitTimeoutOfOneSecond(java.util.function.Supplier<T> action) {
        return openTransaction().execute(status -> {
            jdbc.execute("SET SESSION innodb_lock_wait_timeout = 1");
            try {
                return action.get();
            } finally {
                jdbc.execute("SET SESSION innodb_lock_wait_timeout = 50");
            }
        });
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A claim statement of ClaimMapper.xml as MyBatis binds it, with instants as UTC, for EXPLAIN and counted reads. */
    private record BoundStatement(String sql, Object[] args) {
    }

    private BoundStatement bind(String statementId, java.util.Map<String, Object> parameters) {
        var bound = sessions.getConfiguration().getMappedStatement("io.shardsweep.claim.ClaimMapper." + statementId).getBoundSql(parameters);
        Object[] args = bound.getParameterMappings().stream().map(m -> {
            Object value = parameters.get(m.getProperty());
            return value instanceof java.time.Instant instant
                    ? java.time.LocalDateTime.ofInstant(instant, java.time.ZoneOffset.UTC) : value;
        }).toArray();
        return new BoundStatement(bound.getSql(), args);
    }
}
