package io.shardsweep.benchmark;

import static io.shardsweep.benchmark.TextTable.f1;
import static io.shardsweep.benchmark.TextTable.f2;

import io.shardsweep.claim.InstanceIdentity;
import io.shardsweep.claim.ShardAssignment;
import io.shardsweep.claim.TaskClaimer;
import io.shardsweep.config.ShardSweepProperties;
import io.shardsweep.finish.TaskFinisher;
import io.shardsweep.testsupport.DatabaseTest;
import io.shardsweep.testsupport.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.ibatis.session.SqlSessionFactory;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * How the claim's cost grows with the shard total (issue 12, target 3). The candidate read filters
 * {@code MOD(id, n) = i} inside one range of {@code idx_task_claim}, so a shard passes the rows of the
 * other {@code n - 1} shards between the ones it takes. For shard totals 1, 2, 4, 8 and 16, each on a
 * fresh backlog of due rows (no files), the context's {@code TaskClaimer} claims shard 0, 1, ..., n-1
 * in turn on one thread, round after round, and the context's {@code TaskFinisher} finishes each batch
 * as DELETED: every shard drains at the same pace, as under a broadcast, and no claim competes with
 * another for the two cores. Reported per shard total: the rows (index entries) the claim's statements
 * read per row claimed, from the session's {@code Handler_read_*} counters, and the claim's time per
 * row, its commit included. Prints a table and the 16-vs-2 ratio (target: 1.5 or less); asserts only
 * correctness (every row in history exactly once).
 *
 * <p>Run: {@code mvn -B -pl executor-app -Pbenchmark test -Dtest=ShardScalingBenchmark}; the
 * process-level command in docs/performance.md runs it too. Options: {@code -Dbench.rows=100000} (per
 * shard total), {@code -Dbench.batch} (default: the application's batch size).
 */
@Tag("benchmark")
class ShardScalingBenchmark extends DatabaseTest {

    private static final int ROWS = Integer.getInteger("bench.rows", 100_000);
    private static final int[] TOTALS = {1, 2, 4, 8, 16};

    @Autowired TaskClaimer claimer;
    @Autowired TaskFinisher finisher;
    @Autowired PlatformTransactionManager transactions;
    @Autowired ShardSweepProperties properties;
    @Autowired InstanceIdentity identity;
    @Autowired SqlSessionFactory sessions;

    /** The non-empty claims of one shard total. */
    record Scale(int shards, List<ClaimProbe.Claim> claims, String plan, double seconds) {
        long rowsClaimed() {
            return claims.stream().mapToLong(c -> c.batch().size()).sum();
        }

        double readsPerRow() {
            return claims.stream().mapToLong(ClaimProbe.Claim::rowsRead).sum() / (double) rowsClaimed();
        }

        double medianReadsPerRow() {
            return Instruments.median(claims.stream().map(c -> (double) c.rowsRead() / c.batch().size()).toList());
        }

        double medianClaimMs() {
            return Instruments.median(claims.stream().map(c -> c.nanosWithCommit() / 1e6).toList());
        }

        /** Microseconds per row claimed, commit included: the median over the claims. */
        double medianUsPerRow() {
            return Instruments.median(claims.stream().map(c -> c.nanosWithCommit() / 1e3 / c.batch().size()).toList());
        }

        double medianUsPerRowWithoutCommit() {
            return Instruments.median(claims.stream().map(c -> c.nanos() / 1e3 / c.batch().size()).toList());
        }

        /** Microseconds per row claimed, commit included: all claim time over all rows claimed. */
        double meanUsPerRow() {
            return claims.stream().mapToLong(ClaimProbe.Claim::nanosWithCommit).sum() / 1e3 / rowsClaimed();
        }
    }

    @Test
    void the_claim_cost_per_row_at_16_shards_is_measured_against_2_shards_and_every_row_is_moved_once() {
        BenchData data = new BenchData(jdbc, STORAGE_ROOT);
        ClaimProbe probe = new ClaimProbe(jdbc, transactions, claimer, finisher);
        int batch = Integer.getInteger("bench.batch", properties.batchSize());
        drain(data, probe, 2, Math.min(ROWS, 10_000), batch); // warm-up, not reported
        List<Scale> scales = new ArrayList<>();
        for (int total : TOTALS) {
            scales.add(drain(data, probe, total, ROWS, batch));
        }
        data.truncate();

        Scale two = scales.stream().filter(s -> s.shards() == 2).findFirst().orElseThrow();
        Scale sixteen = scales.stream().filter(s -> s.shards() == 16).findFirst().orElseThrow();
        TextTable t = new TextTable("shards", "claims", "rows claimed", "rows read per row claimed (all / median)", "claim ms per batch (median)",
                "claim us per row (median)", "vs 2 shards", "claim us per row (mean)", "claim us per row, without commit (median)",
                "drain s", "EXPLAIN findDue (shard 0): type, key, rows");
        for (Scale s : scales) {
            t.row(s.shards(), s.claims().size(), (int) s.rowsClaimed(), f1(s.readsPerRow()) + " / " + f1(s.medianReadsPerRow()),
                    f2(s.medianClaimMs()), f1(s.medianUsPerRow()), f2(s.medianUsPerRow() / two.medianUsPerRow()) + "x",
                    f1(s.meanUsPerRow()), f1(s.medianUsPerRowWithoutCommit()), f1(s.seconds()), s.plan());
        }
        double ratio = sixteen.medianUsPerRow() / two.medianUsPerRow();
        System.out.println("\nSHARD SCALING (one JVM: the context's TaskClaimer claims shards 0..n-1 in turn on one thread, each batch"
                + " finished as DELETED by its TaskFinisher; " + String.format(Locale.ROOT, "%,d", ROWS) + " due rows, no files, per shard"
                + " total; batch " + batch + "; rows read: the session's Handler_read_* deltas over the claim's statements; claim time"
                + " with its commit unless said; empty claims, one per shard at the end, left out; database " + TestDatabase.get().kind() + ", "
                + CpuSplit.cores() + " cores)\n" + t.render()
                + String.format(Locale.ROOT, "claim cost per row, 16 shards vs 2 (medians): %.2fx (target <= 1.5) -> %s; rows read per row"
                        + " claimed %s vs %s%n", ratio, ratio <= 1.5 ? "MET" : "NOT MET", f1(sixteen.readsPerRow()), f1(two.readsPerRow())));
    }

    private Scale drain(BenchData data, ClaimProbe probe, int total, int rows, int batch) {
        data.truncate();
        BenchData.Dataset d = data.rowsOnly("scale-" + total, rows);
        data.analyze();
        data.awaitPurge(Duration.ofSeconds(60));
        String plan = plan(total, batch);
        List<ClaimProbe.Claim> claims = new ArrayList<>();
        boolean[] drained = new boolean[total];
        int left = total;
        long t0 = System.nanoTime();
        while (left > 0) {
            for (int index = 0; index < total; index++) {
                if (drained[index]) {
                    continue;
                }
                ClaimProbe.Claim claim = probe.claim(new ShardAssignment(index, total), batch);
                if (claim.batch().isEmpty()) {
                    drained[index] = true;
                    left--;
                    continue;
                }
                claims.add(claim);
                probe.finishAsDeleted(claim.batch());
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        data.assertMoved(d, List.of(identity.id()));
        return new Scale(total, claims, plan, seconds);
    }

    private String plan(int total, int batch) {
        Map<String, Object> p = new HashMap<>(); // mutable: MyBatis's dynamic SQL did not always resolve names in a Map.of
        p.put("shardIndex", 0);
        p.put("shardTotal", total);
        p.put("now", clock.instant());
        p.put("limit", batch);
        PlanExplainer.Plan plan = new PlanExplainer(sessions, jdbc).explain("io.shardsweep.claim.ClaimMapper.findDue", p);
        return plan.rows().stream().map(r -> r.get("type") + ", " + r.get("key") + ", " + r.get("rows")
                + (r.get("Extra") == null ? "" : " (" + r.get("Extra") + ")")).reduce((a, b) -> a + "; " + b).orElse("");
    }
}
