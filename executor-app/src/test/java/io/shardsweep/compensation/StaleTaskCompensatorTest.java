package io.shardsweep.compensation;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardsweep.claim.ClaimedBatch;
import io.shardsweep.claim.LeaseKeeper;
import io.shardsweep.claim.ShardAssignment;
import io.shardsweep.claim.TaskClaimer;
import io.shardsweep.config.ShardSweepProperties;
import io.shardsweep.testsupport.DatabaseTest;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.core.retry.RetryTemplate;
import org.springframework.dao.DataAccessResourceFailureException;

class StaleTaskCompensatorTest extends DatabaseTest {

    @Autowired
    TaskClaimer claimer;

    @Autowired
    StaleTaskCompensator compensator;

    @Autowired
    LeaseKeeper leases;

    @Autowired
    CompensationMapper mapper;

    @Autowired
    ShardSweepProperties properties;

    @Autowired
    @Qualifier("databaseRetry")
    RetryTemplate databaseRetry;

    @Test
    void rows_whose_lease_expired_go_back_to_pending_and_the_crash_uses_an_attempt() {
        enqueueFiles(5);
        claimer.claim(ShardAssignment.ALL, 10);
        clock.advance(Duration.ofMinutes(5).plusSeconds(1));

        CompensationSummary summary = compensator.compensate(changed -> { });

        assertThat(summary.reset()).isEqualTo(5);
        assertThat(summary.dead()).isZero();
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'PENDING' AND attempts = 1 AND claim_token IS NULL")).isEqualTo(5);
        assertThat(jdbc.queryForList("SELECT last_error FROM file_deletion_task", String.class))
                .allMatch(e -> e.contains(claimer.owner()) && e.contains("expired"));
    }

    @Test
    void a_page_that_fails_on_a_broken_connection_is_run_again_and_compensation_completes() {
        enqueueFiles(5);
        claimer.claim(ShardAssignment.ALL, 10);
        clock.advance(Duration.ofMinutes(5).plusSeconds(1));
        AtomicInteger failures = new AtomicInteger();
        CompensationMapper brokenOnce = (CompensationMapper) Proxy.newProxyInstance(CompensationMapper.class.getClassLoader(),
                new Class<?>[] {CompensationMapper.class}, (proxy, method, args) -> {
                    if (method.getName().equals("resetStale") && failures.getAndIncrement() == 0) {
                        throw new DataAccessResourceFailureException("Communications link failure (test)");
                    }
                    try {
                        return method.invoke(mapper, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        StaleTaskCompensator withBrokenConnection = new StaleTaskCompensator(brokenOnce, event -> { }, clock, CompensationSettings.from(properties), databaseRetry);

        CompensationSummary summary = withBrokenConnection.compensate(changed -> { });

        assertThat(failures).as("resetStale calls, the first one failed").hasValueGreaterThan(1);
        assertThat(summary.reset()).isEqualTo(5);
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'PENDING' AND attempts = 1")).isEqualTo(5);
    }

    @Test
    void rows_with_a_live_lease_are_never_touched() {
        enqueueFiles(3);
        ClaimedBatch batch = claimer.claim(ShardAssignment.ALL, 10);
        clock.advance(Duration.ofMinutes(4)); // lease is 5 minutes

        CompensationSummary summary = compensator.compensate(changed -> { });

        assertThat(summary.reset() + summary.dead()).isZero();
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'IN_PROGRESS' AND claim_token = ?", batch.token())).isEqualTo(3);
    }

    @Test
    void a_row_that_crashes_its_executor_every_time_ends_dead_instead_of_looping() {
        long id = enqueue("poison.mp4");
        for (int crash = 1; crash <= 3; crash++) {
            assertThat(claimer.claim(ShardAssignment.ALL, 10).size()).as("claim %d", crash).isEqualTo(1);
            clock.advance(Duration.ofMinutes(6)); // the executor died: nobody renews or finishes
            compensator.compensate(changed -> { });
        }

        assertThat(row(id)).containsEntry("status", "DEAD").containsEntry("attempts", 3);
        clock.advance(Duration.ofDays(1));
        assertThat(claimer.claim(ShardAssignment.ALL, 10).isEmpty()).isTrue();
    }

    @Test
    void a_live_instance_renews_its_leases_so_slow_work_outlives_the_stale_threshold() {
        enqueueFiles(4);
        ClaimedBatch batch = claimer.claim(ShardAssignment.ALL, 10);
        leases.track(batch);
        try {
            clock.advance(Duration.ofMinutes(4));
            assertThat(leases.renewNow()).isEqualTo(4);
            clock.advance(Duration.ofMinutes(4)); // 8 minutes after the claim, 4 after the renewal

            assertThat(compensator.compensate(changed -> { }).reset()).isZero();
            assertThat(count("SELECT COUNT(*) FROM file_deletion_task WHERE claim_token = ?", batch.token())).isEqualTo(4);
        } finally {
            leases.release(batch.token());
        }
        clock.advance(Duration.ofMinutes(6)); // renewal stopped with the claim's owner
        assertThat(compensator.compensate(changed -> { }).reset()).isEqualTo(4);
    }

    /** Page size is the default, 500. */
    @Test
    void compensation_works_page_by_page_and_reports_each_page() {
        enqueueFiles(1_234);
        while (!claimer.claim(ShardAssignment.ALL, 1000).isEmpty()) {
            // claim everything
        }
        clock.advance(Duration.ofMinutes(10));
        List<Integer> pages = new ArrayList<>();

        CompensationSummary summary = compensator.compensate(pages::add);

        assertThat(summary.reset()).isEqualTo(1_234);
        // one empty page for the dead pass, then 500 + 500 + 234 for the reset pass
        assertThat(pages).containsExactly(0, 500, 500, 234);
        assertThat(summary.pages()).isEqualTo(4);
        assertThat(inProgressCount()).isZero();
    }
}
