package io.shardsweep.claim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.shardsweep.config.ShardSweepProperties;
import io.shardsweep.testsupport.DatabaseTest;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.dao.QueryTimeoutException;

/**
 * Renewal on the real database, with LeaseKeepers of the test's own (the context's keeper renews in
 * the background and must not move the leases under the assertions).
 */
class LeaseKeeperTest extends DatabaseTest {

    @Autowired
    TaskClaimer claimer;

    @Autowired
    ClaimMapper mapper;

    @Autowired
    ShardSweepProperties properties;

    private LeaseKeeper keeper;

    @AfterEach
    void stopKeeper() {
        if (keeper != null) {
            keeper.destroy();
        }
    }

    @Test
    void renewal_by_the_claims_ids_moves_lease_until_on_its_rows_and_reports_the_new_end() {
        enqueueFiles(6);
        ClaimedBatch batch = claimer.claim(new ShardAssignment(0, 2), 10);
        ClaimedBatch other = claimer.claim(new ShardAssignment(1, 2), 10);
        keeper = new LeaseKeeper(mapper, clock, LeaseSettings.from(properties));
        keeper.track(batch);
        assertThat(keeper.leaseUntil(batch.token())).contains(batch.leaseUntil());

        clock.advance(Duration.ofMinutes(4));
        Instant expected = clock.instant().plus(properties.staleThreshold());
        assertThat(keeper.renewNow()).isEqualTo(3);

        assertThat(keeper.leaseUntil(batch.token())).hasValueSatisfying(until -> assertThat(until).isCloseTo(expected, within(1, ChronoUnit.SECONDS)));
        Instant reported = keeper.leaseUntil(batch.token()).orElseThrow();
        assertThat(leaseEnds(batch)).allSatisfy(end -> assertThat(end).isCloseTo(reported, within(1, ChronoUnit.MILLIS)));
        assertThat(leaseEnds(other)).as("an untracked claim's rows").allSatisfy(end ->
                assertThat(end).isCloseTo(other.leaseUntil(), within(1, ChronoUnit.MILLIS)));
        assertThat(keeper.leaseUntil(other.token())).isEmpty();

        keeper.release(batch.token());
        assertThat(keeper.leaseUntil(batch.token())).isEmpty();
        assertThat(keeper.renewNow()).isZero();
    }

    @Test
    void a_failing_renewal_leaves_the_reported_lease_end_unchanged_and_the_other_claims_still_renew() {
        enqueueFiles(6);
        ClaimedBatch failing = claimer.claim(new ShardAssignment(0, 2), 10);
        ClaimedBatch healthy = claimer.claim(new ShardAssignment(1, 2), 10);
        keeper = new LeaseKeeper(failingFor(failing.token()), clock, LeaseSettings.from(properties));
        keeper.track(failing);
        keeper.track(healthy);

        clock.advance(Duration.ofMinutes(4));
        assertThat(keeper.renewNow()).isEqualTo(healthy.size());

        assertThat(keeper.leaseUntil(failing.token())).contains(failing.leaseUntil());
        assertThat(leaseEnds(failing)).allSatisfy(end -> assertThat(end).isCloseTo(failing.leaseUntil(), within(1, ChronoUnit.MILLIS)));
        assertThat(keeper.leaseUntil(healthy.token())).hasValueSatisfying(until -> assertThat(until).isAfter(healthy.leaseUntil()));
    }

    @Test
    void a_renewal_that_finds_rows_no_longer_owned_by_the_claim_leaves_the_reported_lease_end_unchanged() {
        enqueueFiles(3);
        ClaimedBatch batch = claimer.claim(ShardAssignment.ALL, 10);
        keeper = new LeaseKeeper(mapper, clock, LeaseSettings.from(properties));
        keeper.track(batch);
        // One row was taken from the claim (compensated after its lease ran out, say).
        jdbc.update("UPDATE file_deletion_task SET status = 'PENDING', claim_token = NULL, lease_until = NULL WHERE id = ?",
                batch.tasks().get(1).id());

        clock.advance(Duration.ofMinutes(4));
        assertThat(keeper.renewNow()).isEqualTo(2);

        assertThat(keeper.leaseUntil(batch.token())).contains(batch.leaseUntil());
    }

    /** lease_until of the batch's rows, read back as UTC instants. */
    private List<Instant> leaseEnds(ClaimedBatch batch) {
        String ids = batch.ids().stream().map(String::valueOf).collect(Collectors.joining(","));
        return jdbc.queryForList("SELECT lease_until FROM file_deletion_task WHERE id IN (" + ids + ")", LocalDateTime.class)
                .stream().map(t -> t.toInstant(ZoneOffset.UTC)).toList();
    }

    /** The real mapper, except that renewing the claim {@code token} fails as a lost connection would. */
    @Test
    void release_waits_for_a_renewal_of_the_claim_under_way_so_that_none_lands_after_it() throws Exception {
        enqueueFiles(3);
        ClaimedBatch batch = claimer.claim(ShardAssignment.ALL, 10);
        CountDownLatch renewing = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        AtomicBoolean renewalWritten = new AtomicBoolean();
        keeper = new LeaseKeeper(renewalWaitingFor(renewing, proceed, renewalWritten), clock, LeaseSettings.from(properties));
        keeper.track(batch);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<Integer> renewal = threads.submit(keeper::renewNow);
            assertThat(renewing.await(10, TimeUnit.SECONDS)).isTrue(); // waits, as for a connection during an outage
            Future<?> release = threads.submit(() -> keeper.release(batch.token()));
            Thread.sleep(300);
            assertThat(release.isDone()).as("release returned while a renewal of its claim was under way").isFalse();

            proceed.countDown();
            release.get(10, TimeUnit.SECONDS);
            // What must not happen is a renewal statement landing after release: its UPDATE has returned
            // by now. (The renewal's own thread may still be summing its count, so not renewal.isDone().)
            assertThat(renewalWritten).as("the renewal's statement ended before release returned").isTrue();
            assertThat(renewal.get(10, TimeUnit.SECONDS)).isEqualTo(3);
            assertThat(keeper.renewNow()).as("rows renewed after release").isZero();
        } finally {
            proceed.countDown();
            threads.shutdownNow();
        }
    }

    /**
     * The real mapper, whose renewal first signals {@code renewing}, then waits for {@code proceed}, and
     * sets {@code written} once its statement has returned.
     */
    private ClaimMapper renewalWaitingFor(CountDownLatch renewing, CountDownLatch proceed, AtomicBoolean written) {
        return (ClaimMapper) Proxy.newProxyInstance(ClaimMapper.class.getClassLoader(), new Class<?>[] {ClaimMapper.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("renewLeases")) {
                        renewing.countDown();
                        proceed.await(10, TimeUnit.SECONDS);
                    }
                    try {
                        Object result = method.invoke(mapper, args);
                        if (method.getName().equals("renewLeases")) {
                            written.set(true);
                        }
                        return result;
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private ClaimMapper failingFor(String token) {
        Predicate<Object[]> fails = args -> args != null && token.equals(args[0]);
        return (ClaimMapper) Proxy.newProxyInstance(ClaimMapper.class.getClassLoader(), new Class<?>[] {ClaimMapper.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("renewLeases") && fails.test(args)) {
                        throw new QueryTimeoutException("renewal of " + token + " failed (test)");
                    }
                    try {
                        return method.invoke(mapper, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
