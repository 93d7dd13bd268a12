package io.shardsweep.benchmark;

import static io.shardsweep.benchmark.TextTable.f0;
import static io.shardsweep.benchmark.TextTable.f1;
import static io.shardsweep.benchmark.TextTable.f2;
import static io.shardsweep.benchmark.TextTable.num;
import static io.shardsweep.benchmark.TextTable.pct;
import static org.assertj.core.api.Assertions.assertThat;

import io.shardsweep.benchmark.Instruments.Cpu;
import io.shardsweep.benchmark.Instruments.Heap;
import io.shardsweep.benchmark.Instruments.HeapProbe;
import io.shardsweep.benchmark.Instruments.Samples;
import io.shardsweep.benchmark.Instruments.ServerCounters;
import io.shardsweep.benchmark.Instruments.StartEnd;
import io.shardsweep.benchmark.Instruments.TimedClaimer;
import io.shardsweep.benchmark.Instruments.TimedDeleter;
import io.shardsweep.benchmark.Instruments.TimedFinisher;
import io.shardsweep.claim.ClaimMapper;
import io.shardsweep.claim.ClaimedBatch;
import io.shardsweep.claim.InstanceIdentity;
import io.shardsweep.claim.LeaseKeeper;
import io.shardsweep.claim.ShardAssignment;
import io.shardsweep.claim.TaskClaimer;
import io.shardsweep.config.ShardSweepProperties;
import io.shardsweep.finish.FinishMapper;
import io.shardsweep.finish.TaskFinisher;
import io.shardsweep.run.CleanupRunner;
import io.shardsweep.run.RunLog;
import io.shardsweep.run.RunParameters;
import io.shardsweep.run.RunRegistry;
import io.shardsweep.run.RunSummary;
import io.shardsweep.storage.filesystem.ConfinedFileDeleter;
import io.shardsweep.testsupport.DatabaseTest;
import io.shardsweep.testsupport.TestDatabase;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.ibatis.session.SqlSessionFactory;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.core.retry.RetryTemplate;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * ShardSweep's claim → concurrent delete → history move, next to a per-row baseline and a no-claim
 * floor, on one database and the same generated data (empty files under a temp root). Prints
 * tables; asserts only correctness (every row in history exactly once, every file gone).
 *
 * <p><b>Run</b> (about 6 to 9 minutes on 2 cores):
 * <pre>
 * mvn -B -pl executor-app -Pbenchmark test -Dtest=ThroughputBenchmark
 * </pre>
 * On another server add {@code -Dshardsweep.test.jdbc-url=jdbc:mysql://127.0.0.1:3306/} (root, empty
 * password; {@code -Dshardsweep.test.jdbc-user/-password} otherwise). Options:
 * {@code -Dbench.million=true} adds the 1,000,000-row cases (the per-row baseline then runs under its
 * time cap), {@code -Dbench.batch=500} the claim batch size, {@code -Dbench.baselineCapSeconds=10}
 * the per-row baseline's time cap (its rate is measured over the rows it did by then),
 * {@code -Dbench.historyRows=1000000} the grown history of the flatness check.
 *
 * <p><b>What runs.</b> For 10,000 and 100,000 rows (and 1,000,000 with the flag), and shard totals 1,
 * 2 and 4, each on a freshly generated backlog:
 * <ol>
 *   <li><b>ShardSweep</b>: {@code CleanupRunner.run(shard, params, RunLog.NONE)}, one thread per
 *       instance, all instances at once as a broadcast drives them. The runner is built from the
 *       context's own beans; its claimer, finisher and deleter are timing decorators that delegate to
 *       the context's transactional {@code TaskClaimer}/{@code TaskFinisher} and to the real
 *       {@code ConfinedFileDeleter}. The instances of one JVM share the one delete pool
 *       ({@code shardsweep.delete-pool-size=4} in the test context), as runs of one instance do.</li>
 *   <li><b>per-row baseline</b> ({@link PerRowBaseline}): one optimistic claim UPDATE per row, same
 *       deleter, one history transaction per row, on as many threads as the delete pool.</li>
 *   <li><b>floor</b> ({@link NoClaimFloor}): chunked INSERT ... SELECT + DELETE of 1,000 ids, no
 *       claiming, plus a plain unlink loop on as many threads, both at once.</li>
 * </ol>
 * Then the flatness probes, with direct {@code TaskClaimer.claim} calls of the context's bean, each
 * batch then finished as DELETED by the context's {@code TaskFinisher} (rows only, no files): a 100k
 * backlog; 20k due rows with an empty history (the reference); the same behind 100,000 DEAD and
 * not-yet-due rows with lower ids; the same with the history grown to 1,000,000 rows. And the query
 * plans of the claim and finish statements, rendered by MyBatis from the mapper XML.
 *
 * <p><b>Measures.</b> Heap: a sampler thread reads {@code MemoryMXBean} heap used every 5 ms (peak
 * "used", garbage included), and the GC notifications give the heap occupancy after each collection
 * (peak "live"); each case starts after a {@code System.gc()}. Claim latency in the throughput cases:
 * the decorator times every {@code TaskClaimer.claim} call (its three statements and the commit); "start"
 * and "end" are the medians of the first and last 10 non-empty batches of each shard (fewer if a shard
 * has under 30). In the probes the claim is timed inside an outer transaction (commit excluded) and the
 * session's Handler_read_* counters give the rows the claim read. Locks: deltas of the global
 * {@code Innodb_row_lock_waits}, {@code Innodb_row_lock_time} and {@code Innodb_deadlocks} (on MySQL
 * the {@code lock_deadlocks} InnoDB metric). CPU: this JVM's process CPU time, and the database
 * server's from {@code /proc/<pid>/stat} when it runs on this machine.
 */
@Tag("benchmark")
class ThroughputBenchmark extends DatabaseTest {

    /** Smoke runs only: multiplies every row count (default 1). */
    private static final double SCALE = Double.parseDouble(System.getProperty("bench.scale", "1"));
    private static final int BATCH = Integer.getInteger("bench.batch", 500);
    private static final boolean MILLION = Boolean.getBoolean("bench.million");
    private static final double BASELINE_CAP_SECONDS = Double.parseDouble(System.getProperty("bench.baselineCapSeconds", "10"));
    private static final int HISTORY_ROWS = scaled(Integer.getInteger("bench.historyRows", 1_000_000));
    private static final int BLOCKERS = scaled(100_000);
    private static final int PROBE_ROWS = scaled(20_000);
    private static final int BACKLOG_PROBE_ROWS = scaled(100_000);
    private static final int EDGE = 10;
    private static final int REPEAT = Integer.getInteger("bench.repeat", 2);

    @Autowired TaskClaimer claimerBean;
    @Autowired ClaimMapper claimMapper;
    @Autowired TaskFinisher finisherBean;
    @Autowired FinishMapper finishMapper;
    @Autowired LeaseKeeper leases;
    @Autowired ConfinedFileDeleter confinedDeleter;
    @Autowired @Qualifier("deletePool") ExecutorService deletePool;
    @Autowired @Qualifier("finishPool") ExecutorService finishPool;
    @Autowired @Qualifier("databaseRetry") RetryTemplate databaseRetry;
    @Autowired RunRegistry registry;
    @Autowired ApplicationEventPublisher events;
    @Autowired ShardSweepProperties properties;
    @Autowired InstanceIdentity identity;
    @Autowired PlatformTransactionManager transactions;
    @Autowired SqlSessionFactory sessions;

    private BenchData data;
    private ServerCounters counters;
    private Cpu cpu;
    private String schema;
    private int caseNumber;
    private final List<String> deadlockReports = new ArrayList<>();
    private double purgeWaitSeconds;
    private boolean warmingUp;
    private long allLockWaits;
    private long allDeadlocks;
    private long allFailedRuns;
    private int allShardSweepRuns;

    @Test
    void throughput_flatness_and_plans() throws Exception {
        data = new BenchData(jdbc, STORAGE_ROOT);
        counters = new ServerCounters(jdbc);
        cpu = new Cpu(jdbc);
        schema = jdbc.queryForObject("SELECT DATABASE()", String.class);
        long benchStarted = System.nanoTime();
        String environment = environment();
        progress(environment);

        // Warm-up (not reported): JIT, connection pool, buffer pool.
        progress("warm-up");
        warmingUp = true;
        runCase(scaled(5_000), 2);
        warmingUp = false;

        List<int[]> plan = new ArrayList<>(List.of(new int[] {10_000, 1}, new int[] {10_000, 2}, new int[] {10_000, 4},
                new int[] {100_000, 1}, new int[] {100_000, 2}, new int[] {100_000, 4}));
        if (MILLION) {
            plan.addAll(List.of(new int[] {1_000_000, 1}, new int[] {1_000_000, 2}, new int[] {1_000_000, 4}));
        }
        String only = System.getProperty("bench.only", "");
        if (!only.isBlank()) { // profiling: e.g. -Dbench.only=100000x2 runs that case alone, without the probes
            String[] rs = only.split("x");
            plan = List.of(new int[] {Integer.parseInt(rs[0]), Integer.parseInt(rs[1])});
        }
        List<CaseResult> cases = new ArrayList<>();
        for (int[] c : plan) {
            cases.add(runCase(scaled(c[0]), c[1]));
        }

        List<String> planLines = new ArrayList<>();
        List<ProbeResult> probes = only.isBlank() ? flatnessProbes(planLines) : List.of();
        Map<String, Double> statements = statementCosts();
        double[] deletes = deleteCosts();
        List<DrainResult> drains = only.isBlank() ? concurrencyExperiment() : List.of();

        StringBuilder out = new StringBuilder();
        out.append('\n').append(environment).append('\n');
        out.append(throughputTable(cases));
        out.append(shardSweepDetailTable(cases));
        out.append(comparisonDetailTable(cases));
        out.append(costTable(statements, deletes));
        if (!drains.isEmpty()) {
            out.append(concurrencyTable(drains));
        }
        if (only.isBlank()) {
            out.append(flatnessTable(cases, probes));
            out.append("\nQUERY PLANS (EXPLAIN of the SQL MyBatis renders from the mapper XML)\n");
            planLines.forEach(line -> out.append(line).append('\n'));
            out.append(targets(cases, probes));
        }
        if (!deadlockReports.isEmpty()) {
            out.append("\nDEADLOCKS (SHOW ENGINE INNODB STATUS, latest detected deadlock after the case)\n");
            deadlockReports.forEach(r -> out.append(r).append('\n'));
        }
        out.append(String.format(Locale.ROOT, "%nbenchmark took %.0f s (of which %.0f s waiting for InnoDB purge between cases)%n",
                (System.nanoTime() - benchStarted) / 1e9, purgeWaitSeconds));
        System.out.println(out);
    }

    // ------------------------------------------------------------------------------------ cases

    record Measured<T>(T value, double seconds, Heap heap, long lockWaits, long lockMs, long deadlocks,
                       long historyListLength, double jvmCpu, double dbCpu, double machineBusy, Map<String, Long> jvmTicks,
                       int otherSessions) {
        /** Share of all cores used by processes other than this JVM and the database server. */
        double otherProcesses() {
            return Math.max(0, machineBusy - (jvmCpu + dbCpu) / (seconds * cores())); // 10 ms ticks: small runs can dip below 0
        }

        /** Share of all cores used by one group of this JVM's threads. */
        double jvmGroup(String group) {
            return jvmTicks.getOrDefault(group, 0L) / 100.0 / (seconds * cores());
        }
    }

    record SsRun(List<RunSummary> summaries, long[] instanceNanos, TimedClaimer claimer, TimedFinisher finisher,
                 TimedDeleter deleter, List<String> failedRuns) {
        int batches() {
            return summaries.stream().mapToInt(RunSummary::batches).sum();
        }
    }

    /** The best of the repeats (highest rows/s), with every repeat's rate. */
    record Best<T>(Measured<T> best, List<Double> rates) {
        String spread() {
            if (rates.size() < 2) {
                return "";
            }
            return rates.stream().map(r -> String.format(Locale.ROOT, "%,.0f", r)).collect(Collectors.joining(" / "));
        }
    }

    record CaseResult(int rows, int shards, Best<SsRun> ssAll, Best<PerRowBaseline.Result> perRowAll,
                      Best<NoClaimFloor.Result> floorAll) {
        Measured<SsRun> ss() {
            return ssAll.best();
        }

        Measured<PerRowBaseline.Result> perRow() {
            return perRowAll.best();
        }

        Measured<NoClaimFloor.Result> floor() {
            return floorAll.best();
        }

        double ssRate() {
            return rows / ss().seconds();
        }

        double perRowRate() {
            return perRow().value().processed() / perRow().seconds();
        }

        double floorRate() {
            return rows / floor().seconds();
        }
    }

    /**
     * One case: ShardSweep, per-row baseline and floor, each on freshly generated data, interleaved,
     * {@code bench.repeat} times; each keeps its best repeat (the machine may be shared).
     */
    private CaseResult runCase(int rows, int shards) throws Exception {
        List<Measured<SsRun>> ssRuns = new ArrayList<>();
        List<Measured<PerRowBaseline.Result>> perRowRuns = new ArrayList<>();
        List<Measured<NoClaimFloor.Result>> floorRuns = new ArrayList<>();
        int repeats = rows > 100_000 ? 1 : REPEAT; // the million-row cases run once
        for (int repeat = 0; repeat < repeats; repeat++) {
            int n = ++caseNumber;

            data.truncate();
            BenchData.Dataset ssData = data.generate("c" + n + "-ss", rows);
            data.analyze();
            ExecutorService instances = Executors.newFixedThreadPool(shards, r -> new Thread(r, "bench-instance"));
            Measured<SsRun> ss;
            try {
                ss = measure(() -> runShardSweep(shards, instances));
            } finally {
                instances.shutdown(); // after the measurement, so that the threads' CPU is still readable
            }
            if (ss.deadlocks() > 0 || !ss.value().failedRuns().isEmpty()) {
                String deadlock = latestDeadlock();
                progress(String.format(Locale.ROOT, "%,d rows, %d shards: %d deadlocks, failed runs %s", rows, shards,
                        ss.deadlocks(), ss.value().failedRuns()));
                if (deadlock != null && deadlockReports.size() < 4) {
                    deadlockReports.add(String.format(Locale.ROOT, "case %,d rows, %d shards:%n%s", rows, shards, deadlock));
                }
            }
            verifyShardSweep(ssData, ss.value());
            ssRuns.add(ss);
            if (!warmingUp) {
                allLockWaits += Math.max(0, ss.lockWaits());
                allDeadlocks += Math.max(0, ss.deadlocks());
                allFailedRuns += ss.value().failedRuns().size();
                allShardSweepRuns++;
            }
            progress(String.format(Locale.ROOT, "%,d rows, %d shards: ShardSweep %.2f s (%,.0f rows/s), other processes %s%% of the cores",
                    rows, shards, ss.seconds(), rows / ss.seconds(), pct(ss.otherProcesses())));

            if (repeat == 0 && !warmingUp) { // once: its rate is steady, and it is by far the slowest of the three
                data.truncate();
                BenchData.Dataset perRowData = data.generate("c" + n + "-row", rows);
                data.analyze();
                PerRowBaseline perRow = new PerRowBaseline(jdbc, transactions, confinedDeleter, properties.deletePoolSize());
                Measured<PerRowBaseline.Result> baseline = measure(() -> perRow.run(shards, BASELINE_CAP_SECONDS));
                data.assertMovedByPerRow(perRowData, baseline.value());
                perRowRuns.add(baseline);
                progress(String.format(Locale.ROOT, "%,d rows, %d shards: per-row %.2f s for %,d rows (%,.0f rows/s)%s, other processes %s%%",
                        rows, shards, baseline.seconds(), baseline.value().processed(), baseline.value().processed() / baseline.seconds(),
                        baseline.value().capped() ? " (capped)" : "", pct(baseline.otherProcesses())));
            }

            data.truncate();
            BenchData.Dataset floorData = data.generate("c" + n + "-floor", rows);
            data.analyze();
            NoClaimFloor floorRunner = new NoClaimFloor(jdbc, transactions, STORAGE_ROOT, properties.deletePoolSize());
            Measured<NoClaimFloor.Result> floor = measure(() -> floorRunner.run(floorData, shards));
            data.assertMoved(floorData, List.of("floor"));
            floorRuns.add(floor);
            progress(String.format(Locale.ROOT, "%,d rows, %d shards: floor %.2f s (%,.0f rows/s), other processes %s%%",
                    rows, shards, floor.seconds(), rows / floor.seconds(), pct(floor.otherProcesses())));
            data.truncate();
        }
        return new CaseResult(rows, shards,
                best(ssRuns, m -> rows / m.seconds()),
                best(perRowRuns, m -> m.value().processed() / m.seconds()),
                best(floorRuns, m -> rows / m.seconds()));
    }

    private static <T> Best<T> best(List<Measured<T>> runs, java.util.function.ToDoubleFunction<Measured<T>> rate) {
        if (runs.isEmpty()) {
            return null; // the warm-up skips the per-row baseline
        }
        Measured<T> best = runs.stream().max(java.util.Comparator.comparingDouble(rate)).orElseThrow();
        return new Best<>(best, runs.stream().map(rate::applyAsDouble).toList());
    }

    private SsRun runShardSweep(int shards, ExecutorService instances) throws Exception {
        Map<String, Integer> shardOfToken = new ConcurrentHashMap<>();
        TimedClaimer claimer = new TimedClaimer(claimerBean, claimMapper, clock, properties, identity, shardOfToken);
        TimedFinisher finisher = new TimedFinisher(finisherBean, finishMapper, clock, properties, transactions, shardOfToken);
        TimedDeleter deleter = new TimedDeleter(confinedDeleter);
        CleanupRunner runner = new CleanupRunner(claimer, finisher, leases,
                new io.shardsweep.storage.filesystem.FileSystemBackend(deleter, deletePool, properties.deleteChunkSize()), databaseRetry, registry,
                events, clock, properties, new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), finishPool);
        RunParameters parameters = new RunParameters(BATCH, Duration.ofHours(1), false);
        {
            List<Future<Object[]>> runs = new ArrayList<>();
            for (int index = 0; index < shards; index++) {
                ShardAssignment shard = new ShardAssignment(index, shards);
                runs.add(instances.submit(() -> {
                    long t0 = System.nanoTime();
                    List<RunSummary> done = new ArrayList<>();
                    List<String> failed = new ArrayList<>();
                    // A run that throws fails its trigger; the admin's fail-retry triggers it again. Do the same.
                    while (true) {
                        try {
                            RunSummary summary = runner.run(shard, parameters, RunLog.NONE);
                            done.add(summary);
                            break;
                        } catch (TransientDataAccessException e) {
                            failed.add(shard + ": " + rootMessage(e));
                            if (failed.size() > 20) {
                                throw e;
                            }
                        }
                    }
                    return new Object[] {done, System.nanoTime() - t0, failed};
                }));
            }
            List<RunSummary> summaries = new ArrayList<>();
            List<String> failures = new ArrayList<>();
            long[] nanos = new long[shards];
            for (int i = 0; i < shards; i++) {
                Object[] r = runs.get(i).get();
                @SuppressWarnings("unchecked") List<RunSummary> done = (List<RunSummary>) r[0];
                @SuppressWarnings("unchecked") List<String> failed = (List<String>) r[2];
                summaries.addAll(done);
                failures.addAll(failed);
                nanos[i] = (Long) r[1];
            }
            return new SsRun(summaries, nanos, claimer, finisher, deleter, failures);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }

    /** The LATEST DETECTED DEADLOCK section of SHOW ENGINE INNODB STATUS, or null. */
    private String latestDeadlock() {
        String status = jdbc.queryForObject("SHOW ENGINE INNODB STATUS", (rs, n) -> rs.getString("Status"));
        if (status == null) {
            return null;
        }
        int from = status.indexOf("LATEST DETECTED DEADLOCK");
        if (from < 0) {
            return null;
        }
        int to = status.indexOf("------------\nTRANSACTIONS", from);
        String section = status.substring(from, to < 0 ? Math.min(status.length(), from + 20000) : to);
        // Keep the statements and the lock lines; drop the record dumps and cut the long id lists.
        return section.lines()
                .filter(line -> !line.matches("\\s*\\d+: (len|SQL NULL).*") && !line.startsWith("Record lock, heap no"))
                .map(line -> line.length() > 220 ? line.substring(0, 220) + " ..." : line)
                .collect(Collectors.joining("\n"))
                .replaceAll("\n{3,}", "\n\n");
    }

    /**
     * Waits (at most 60 s) until InnoDB's purge has caught up with earlier cases and the data set-up
     * (history list length 20 or less), so that a case does not pay for the previous one's purge.
     */
    private void waitForPurge() throws InterruptedException {
        long started = System.nanoTime();
        long length = Long.MAX_VALUE;
        while (System.nanoTime() - started < 60e9) {
            length = counters.read().getOrDefault("Innodb_history_list_length", 0L);
            if (length <= 20) {
                break;
            }
            Thread.sleep(200);
        }
        purgeWaitSeconds += (System.nanoTime() - started) / 1e9;
        if (length > 20) {
            progress("purge did not catch up within 60 s: history list length " + length);
        }
    }

    private <T> Measured<T> measure(Callable<T> body) throws Exception {
        waitForPurge();
        int others = counters.otherBusySessions(schema);
        HeapProbe heapProbe = new HeapProbe(); // System.gc() first, outside the measured CPU and time
        Map<String, Long> before = counters.read();
        double[] cpu0 = cpu.now();
        long[] machine0 = Instruments.ProcCpu.machineTicks();
        Map<String, Long> threads0 = Instruments.ProcCpu.jvmThreadTicks();
        long t0 = System.nanoTime();
        T value;
        try {
            value = body.call();
        } finally {
            heapProbe.close();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Heap heap = heapProbe.stop();
        Map<String, Long> threads1 = Instruments.ProcCpu.jvmThreadTicks();
        long[] machine1 = Instruments.ProcCpu.machineTicks();
        double[] cpu1 = cpu.now();
        Map<String, Long> after = counters.read();
        others = Math.max(others, counters.otherBusySessions(schema));
        return new Measured<>(value, seconds, heap,
                Instruments.delta(before, after, "Innodb_row_lock_waits"),
                Instruments.delta(before, after, "Innodb_row_lock_time"),
                Instruments.delta(before, after, "Innodb_deadlocks"),
                after.getOrDefault("Innodb_history_list_length", -1L),
                cpu1[0] - cpu0[0], cpu1[1] - cpu0[1],
                machine1[1] == machine0[1] ? Double.NaN : (machine1[0] - machine0[0]) / (double) (machine1[1] - machine0[1]),
                Instruments.ProcCpu.delta(threads0, threads1), others);
    }

    // ------------------------------------------------------------------------------------ correctness

    private void verifyShardSweep(BenchData.Dataset d, SsRun run) {
        int deleted = run.summaries().stream().mapToInt(RunSummary::deleted).sum();
        int other = run.summaries().stream().mapToInt(s -> s.alreadyAbsent() + s.failed() + s.dead() + s.released() + s.lostClaims()).sum();
        assertThat(other).as("rows absent, failed, dead, released or lost").isZero();
        if (run.failedRuns().isEmpty()) {
            assertThat(deleted).as("rows deleted by the runs").isEqualTo(d.rows());
        } // a run that threw returns no summary: then the database and the storage below are the proof
        data.assertMoved(d, List.of(identity.id()));
    }

    // ------------------------------------------------------------------------------------ flatness probes

    record ProbeResult(String label, String state, Samples claims, Samples finishes, List<Long> rowsRead, double seconds) {
        StartEnd claimEdges() {
            return claims.startEnd(EDGE);
        }

        StartEnd finishEdges() {
            return finishes.startEnd(EDGE);
        }

        double rowsReadMedian(boolean start) {
            int n = Math.max(1, Math.min(EDGE, rowsRead.size() / 3));
            List<Long> part = start ? rowsRead.subList(0, n) : rowsRead.subList(rowsRead.size() - n, rowsRead.size());
            return Instruments.median(part);
        }
    }

    private List<ProbeResult> flatnessProbes(List<String> planLines) {
        List<ProbeResult> probes = new ArrayList<>();

        data.truncate();
        data.rowsOnly("probe-backlog", BACKLOG_PROBE_ROWS);
        data.analyze();
        explainClaim(planLines, "100k due rows, nothing else");
        probes.add(claimProbe("backlog", "100,000 due rows, drained by the probe", null));
        progress("probe: backlog done");

        data.truncate();
        data.rowsOnly("probe-ref", PROBE_ROWS);
        data.analyze();
        probes.add(claimProbe("reference", String.format(Locale.ROOT, "%,d due rows, empty history", PROBE_ROWS), null));
        progress("probe: reference done");

        data.truncate();
        data.addBlockers(BLOCKERS);
        data.rowsOnly("probe-blocked", PROBE_ROWS);
        data.analyze();
        explainClaim(planLines, "100k DEAD/not-yet-due rows in front of 20k due");
        probes.add(claimProbe("blockers", String.format(Locale.ROOT, "%,d DEAD + not-yet-due rows (lower ids) before %,d due", BLOCKERS, PROBE_ROWS),
                batch -> explainFinish(planLines, "100k blockers + 20k due, one batch claimed", batch)));
        progress("probe: blockers done");

        data.truncate();
        long t0 = System.nanoTime();
        data.growHistory(HISTORY_ROWS);
        double grow = (System.nanoTime() - t0) / 1e9;
        progress(String.format(Locale.ROOT, "history grown to %,d rows in %.1f s", HISTORY_ROWS, grow));
        data.rowsOnly("probe-history", PROBE_ROWS);
        data.analyze();
        probes.add(claimProbe("history", String.format(Locale.ROOT, "%,d due rows, history of %,d rows (grown in %.0f s)", PROBE_ROWS,
                        count("SELECT COUNT(*) FROM file_deletion_task_history"), grow),
                batch -> explainFinish(planLines, String.format(Locale.ROOT, "history of %,d rows, one batch claimed", HISTORY_ROWS), batch)));
        progress("probe: history done");
        data.truncate();
        return probes;
    }

    /**
     * Claims batches of the whole table with the context's TaskClaimer until none is left. Each claim
     * runs inside an outer READ COMMITTED transaction (so its time excludes the commit) between two
     * reads of the session's Handler_read_* counters; each batch is then finished as DELETED.
     */
    private ProbeResult claimProbe(String label, String state, Consumer<ClaimedBatch> onFirstBatch) {
        try {
            waitForPurge();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        ClaimProbe probe = new ClaimProbe(jdbc, transactions, claimerBean, finisherBean);
        Samples claims = new Samples();
        Samples finishes = new Samples();
        List<Long> rowsRead = new ArrayList<>();
        long started = System.nanoTime();
        boolean first = true;
        while (true) {
            ClaimProbe.Claim claimed = probe.claim(ShardAssignment.ALL, BATCH);
            ClaimedBatch batch = claimed.batch();
            claims.add(0, claimed.nanos(), batch.size());
            if (batch.isEmpty()) {
                break;
            }
            rowsRead.add(claimed.rowsRead());
            if (first && onFirstBatch != null) {
                onFirstBatch.accept(batch);
            }
            first = false;
            long t2 = System.nanoTime();
            probe.finishAsDeleted(batch);
            finishes.add(0, System.nanoTime() - t2, batch.size());
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task WHERE status IN ('PENDING', 'IN_PROGRESS') "
                + "AND (not_before IS NULL OR not_before <= UTC_TIMESTAMP(3))")).as("due rows left after the probe").isZero();
        return new ProbeResult(label, state, claims, finishes, rowsRead, seconds);
    }

    // ------------------------------------------------------------------------------------ cost probes

    private static final String CLAIM_FIND = "claim: findDue, SELECT id ... LIMIT (no locks)";
    private static final String CLAIM_LOCK = "claim: lockDue, SELECT ... WHERE id IN ... FOR UPDATE SKIP LOCKED";
    private static final String CLAIM_STAMP = "claim: claimLocked, UPDATE ... WHERE id IN";
    private static final String FINISH_COPY = "finish: copyOwnedToHistory, token-guarded";
    private static final String FINISH_DELETE = "finish: deleteOwned, token-guarded";

    /**
     * The database cost of one batch, statement by statement, in one session without concurrency:
     * the statements TaskClaimer.claim and TaskFinisher.finish's fast path run for an all-DELETED
     * batch (the same mapper methods, parameters and id chunks), timed one by one; then the floor's
     * statements on the same number of rows. Medians over the batches of a {@code PROBE_ROWS} drain,
     * per 500 rows. The finish's lock-first fallback (lockOwned, copyOwnedToHistory, deleteOwned) only
     * runs when a claim lost a row, and is not timed here.
     */
    private Map<String, Double> statementCosts() throws InterruptedException {
        Map<String, List<Long>> t = new java.util.LinkedHashMap<>();
        for (String k : List.of(CLAIM_FIND, CLAIM_LOCK, CLAIM_STAMP, "claim: begin + commit", FINISH_COPY, FINISH_DELETE,
                "finish: begin + commit", "floor: INSERT ... SELECT", "floor: DELETE", "floor: begin + commit")) {
            t.put(k, new ArrayList<>());
        }
        TransactionTemplate tx = new TransactionTemplate(transactions);
        tx.setIsolationLevel(TransactionDefinition.ISOLATION_READ_COMMITTED);

        data.truncate();
        data.rowsOnly("probe-stmt", PROBE_ROWS);
        data.analyze();
        waitForPurge();
        while (true) {
            // TaskClaimer.claim: read the due ids, lock them by primary key, stamp them, chunk by chunk.
            String token = java.util.UUID.randomUUID().toString();
            Instant now = clock.instant();
            Instant leaseUntil = now.plus(properties.staleThreshold());
            long s0 = System.nanoTime();
            long[] inner = new long[3];
            List<Long> ids = tx.execute(st -> {
                long a = System.nanoTime();
                List<Long> due = claimMapper.findDue(0, 1, now, BATCH).stream().sorted().toList();
                long b = System.nanoTime();
                List<Long> locked = new ArrayList<>();
                for (List<Long> chunk : io.shardsweep.IdChunks.of(due)) {
                    claimMapper.lockDue(chunk, now).forEach(task -> locked.add(task.id()));
                }
                long c = System.nanoTime();
                int stamped = 0;
                for (List<Long> chunk : io.shardsweep.IdChunks.of(locked)) {
                    stamped += claimMapper.claimLocked(chunk, identity.id(), token, now, leaseUntil);
                }
                long d = System.nanoTime();
                assertThat(stamped).as("rows stamped").isEqualTo(locked.size()).isEqualTo(due.size());
                inner[0] = b - a;
                inner[1] = c - b;
                inner[2] = d - c;
                return locked;
            });
            long claimNanos = System.nanoTime() - s0;
            if (ids.isEmpty()) {
                break; // the final, empty claim is not a batch
            }
            t.get(CLAIM_FIND).add(inner[0]);
            t.get(CLAIM_LOCK).add(inner[1]);
            t.get(CLAIM_STAMP).add(inner[2]);
            t.get("claim: begin + commit").add(claimNanos - inner[0] - inner[1] - inner[2]);

            // TaskFinisher.finish's fast path for an all-DELETED batch: copy and delete, token-guarded.
            long f0 = System.nanoTime();
            long[] statements = new long[2];
            tx.executeWithoutResult(st -> {
                for (List<Long> chunk : io.shardsweep.IdChunks.of(ids)) {
                    long a = System.nanoTime();
                    int copied = finishMapper.copyOwnedToHistory(token, chunk, List.of(), now);
                    long b = System.nanoTime();
                    int deleted = finishMapper.deleteOwned(token, chunk);
                    long c = System.nanoTime();
                    assertThat(List.of(copied, deleted)).as("rows copied and deleted").containsExactly(chunk.size(), chunk.size());
                    statements[0] += b - a;
                    statements[1] += c - b;
                }
            });
            long finish = System.nanoTime() - f0;
            t.get(FINISH_COPY).add(statements[0]);
            t.get(FINISH_DELETE).add(statements[1]);
            t.get("finish: begin + commit").add(finish - statements[0] - statements[1]);
        }

        // The prototype claim and finish (WhatIf: not the application's SQL) on the same drain.
        for (String k : List.of("what-if claim: SELECT ... FOR UPDATE SKIP LOCKED", "what-if claim: UPDATE ... WHERE id IN",
                "what-if claim: begin + commit", "what-if finish: copyToHistory, token-guarded", "what-if finish: delete, token-guarded",
                "what-if finish: begin + commit")) {
            t.put(k, new ArrayList<>());
        }
        data.truncate();
        data.rowsOnly("probe-stmt-what-if", PROBE_ROWS);
        data.analyze();
        waitForPurge();
        WhatIf whatIf = whatIf();
        while (true) {
            long[] c = new long[3];
            WhatIf.Claimed claimed = whatIf.claim(ShardAssignment.ALL, BATCH, c);
            if (claimed.ids().isEmpty()) {
                break;
            }
            long[] f = new long[3];
            whatIf.finish(claimed, f);
            t.get("what-if claim: SELECT ... FOR UPDATE SKIP LOCKED").add(c[0]);
            t.get("what-if claim: UPDATE ... WHERE id IN").add(c[1]);
            t.get("what-if claim: begin + commit").add(c[2]);
            t.get("what-if finish: copyToHistory, token-guarded").add(f[0]);
            t.get("what-if finish: delete, token-guarded").add(f[1]);
            t.get("what-if finish: begin + commit").add(f[2]);
        }

        data.truncate();
        BenchData.Dataset d = data.rowsOnly("probe-stmt-floor", PROBE_ROWS);
        data.analyze();
        waitForPurge();
        for (long lo = d.minId(); lo <= d.maxId(); lo += NoClaimFloor.CHUNK) {
            long from = lo;
            long to = Math.min(d.maxId(), lo + NoClaimFloor.CHUNK - 1);
            long s0 = System.nanoTime();
            long[] statements = new long[2];
            tx.executeWithoutResult(st -> {
                long a = System.nanoTime();
                jdbc.update("INSERT INTO file_deletion_task_history (id, file_path, business_key, outcome, attempts, created_at, finished_at, finished_by) "
                        + "SELECT id, file_path, business_key, 'DELETED', attempts, created_at, CURRENT_TIMESTAMP(3), 'floor' "
                        + "FROM file_deletion_task WHERE id BETWEEN ? AND ?", from, to);
                long b = System.nanoTime();
                jdbc.update("DELETE FROM file_deletion_task WHERE id BETWEEN ? AND ?", from, to);
                long c = System.nanoTime();
                statements[0] = b - a;
                statements[1] = c - b;
            });
            long all = System.nanoTime() - s0;
            double per500 = 500.0 / (to - from + 1);
            t.get("floor: INSERT ... SELECT").add(Math.round(statements[0] * per500));
            t.get("floor: DELETE").add(Math.round(statements[1] * per500));
            t.get("floor: begin + commit").add(Math.round((all - statements[0] - statements[1]) * per500));
        }
        data.truncate();

        Map<String, Double> medians = new java.util.LinkedHashMap<>();
        t.forEach((k, v) -> medians.put(k, Instruments.median(v) / 1e6));
        return medians;
    }

    private WhatIf whatIf() {
        return new WhatIf(jdbc, transactions, clock, identity.id(), properties.staleThreshold());
    }

    record DrainResult(String path, int shards, WhatIf.Drain drain, long lockWaits, long lockMs, long deadlocks) {
    }

    /**
     * Database-only drains of 100,000 rows (claim + finish, all DELETED, no files) with 2 and 4
     * concurrent claimers: the application's TaskClaimer/TaskFinisher beans against the prototype.
     */
    private List<DrainResult> concurrencyExperiment() throws Exception {
        List<DrainResult> out = new ArrayList<>();
        for (int shards : new int[] {2, 4}) {
            for (boolean prototype : new boolean[] {false, true}) {
                data.truncate();
                data.rowsOnly("drain", BACKLOG_PROBE_ROWS);
                data.analyze();
                WhatIf w = whatIf();
                Measured<WhatIf.Drain> m = measure(() -> w.drain(shards, BATCH, prototype, claimerBean, finisherBean));
                assertThat(m.value().rows()).as("rows drained").isEqualTo(BACKLOG_PROBE_ROWS);
                assertThat(count("SELECT COUNT(*) FROM file_deletion_task_history")).isEqualTo(BACKLOG_PROBE_ROWS);
                assertThat(count("SELECT COUNT(*) FROM file_deletion_task")).isZero();
                out.add(new DrainResult(prototype ? "what-if (prototype)" : "ShardSweep claim/finish beans", shards, m.value(),
                        m.lockWaits(), m.lockMs(), m.deadlocks()));
                progress(String.format(Locale.ROOT, "db-only drain, %d claimers, %s: %,.0f rows/s, %d failures",
                        shards, prototype ? "prototype" : "application", m.value().rate(), m.value().claimFailures()));
            }
        }
        data.truncate();
        return out;
    }

    private String concurrencyTable(List<DrainResult> drains) {
        TextTable t = new TextTable("claim/finish", "concurrent claimers", "rows/s", "lock waits", "lock wait ms", "deadlocks",
                "statements that failed (retried)", "first failure");
        for (DrainResult d : drains) {
            t.row(d.path(), d.shards(), f0(d.drain().rate()), num(d.lockWaits()), num(d.lockMs()), num(d.deadlocks()),
                    d.drain().claimFailures(), d.drain().failureMessages().isEmpty() ? "" : d.drain().failureMessages().get(0));
        }
        return "\nDATABASE-ONLY DRAIN, " + String.format(Locale.ROOT, "%,d", BACKLOG_PROBE_ROWS) + " rows, claim + finish without files,"
                + " one thread per shard (what-if = prototype SQL in WhatIf.java, not the application's)\n" + t.render();
    }

    /** One thread, 10,000 files each: the confined deleter against a plain {@code Files.delete}; us per file. */
    private double[] deleteCosts() throws Exception {
        int files = 10_000;
        BenchData.Dataset confined = data.generate("probe-del-confined", files);
        BenchData.Dataset plain = data.generate("probe-del-plain", files);
        data.truncate();
        for (int i = 0; i < 1_000; i++) { // warm up both paths on files that exist
            confinedDeleter.delete(confined.path(i));
            java.nio.file.Files.delete(STORAGE_ROOT.resolve(plain.path(i)));
        }
        long t0 = System.nanoTime();
        for (int i = 1_000; i < files; i++) {
            confinedDeleter.delete(confined.path(i));
        }
        long t1 = System.nanoTime();
        for (int i = 1_000; i < files; i++) {
            java.nio.file.Files.delete(STORAGE_ROOT.resolve(plain.path(i)));
        }
        long t2 = System.nanoTime();
        assertThat(data.filesLeft(confined.prefix()) + data.filesLeft(plain.prefix())).isZero();
        return new double[] {(t1 - t0) / 1e3 / (files - 1_000), (t2 - t1) / 1e3 / (files - 1_000)};
    }

    private String costTable(Map<String, Double> statements, double[] deletes) {
        TextTable t = new TextTable("path", "statement", "ms per 500 rows (median)");
        double ss = 0;
        double floor = 0;
        double whatIf = 0;
        for (Map.Entry<String, Double> e : statements.entrySet()) {
            String[] parts = e.getKey().split(": ", 2);
            if (parts[0].equals("floor")) {
                t.row("floor", parts[1], f2(e.getValue()));
                floor += e.getValue();
            } else if (parts[0].startsWith("what-if")) {
                t.row(parts[0] + " (prototype)", parts[1], f2(e.getValue()));
                whatIf += e.getValue();
            } else {
                t.row("ShardSweep " + parts[0], parts[1], f2(e.getValue()));
                ss += e.getValue();
            }
        }
        t.row("ShardSweep", "total (claim + finish)", f2(ss));
        t.row("what-if (prototype)", "total (claim + finish)", f2(whatIf));
        t.row("floor", "total", f2(floor));
        t.row("ratio", "ShardSweep / floor", f2(ss / floor));
        t.row("ratio", "what-if / floor", f2(whatIf / floor));
        return "\nDATABASE COST PER BATCH, ONE SESSION, NO CONCURRENCY (the statements TaskClaimer.claim and TaskFinisher.finish's"
                + " fast path run,"
                + " via the same mapper methods, timed one by one over a " + String.format(Locale.ROOT, "%,d", PROBE_ROWS)
                + "-row drain, batch " + BATCH + "; floor per 1,000-row chunk scaled to 500)\n" + t.render()
                + String.format(Locale.ROOT, "per-file delete, one thread, empty files: confined deleter %.1f us, plain Files.delete %.1f us (%.1fx)%n",
                        deletes[0], deletes[1], deletes[0] / deletes[1]);
    }

    // ------------------------------------------------------------------------------------ plans

    private void explainClaim(List<String> lines, String state) {
        PlanExplainer explainer = new PlanExplainer(sessions, jdbc);
        Instant now = clock.instant();
        for (int total : new int[] {1, 2}) {
            Map<String, Object> p = new HashMap<>();
            p.put("shardIndex", 0);
            p.put("shardTotal", total);
            p.put("now", now);
            p.put("limit", BATCH);
            addPlan(lines, state, "findDue (shard 0/" + total + ")", explainer.explain("io.shardsweep.claim.ClaimMapper.findDue", p));
        }
    }

    private void explainFinish(List<String> lines, String state, ClaimedBatch batch) {
        PlanExplainer explainer = new PlanExplainer(sessions, jdbc);
        Instant now = clock.instant();
        List<Long> ids = batch.tasks().stream().map(t -> t.id()).limit(500).toList();
        long id = ids.get(0);
        addPlan(lines, state, "lockDue (" + ids.size() + " ids)", explainer.explain("io.shardsweep.claim.ClaimMapper.lockDue",
                params("ids", ids, "now", now)));
        addPlan(lines, state, "claimLocked (" + ids.size() + " ids)", explainer.explain("io.shardsweep.claim.ClaimMapper.claimLocked",
                params("ids", ids, "owner", "explain", "token", batch.token(), "now", now, "leaseUntil", now)));
        addPlan(lines, state, "renewLeases (" + ids.size() + " ids)", explainer.explain("io.shardsweep.claim.ClaimMapper.renewLeases",
                params("token", batch.token(), "ids", ids, "leaseUntil", now)));
        addPlan(lines, state, "copyOwnedToHistory (" + ids.size() + " ids)", explainer.explain("io.shardsweep.finish.FinishMapper.copyOwnedToHistory",
                params("token", batch.token(), "ids", ids, "absentIds", ids.subList(0, 3), "now", now)));
        addPlan(lines, state, "lockOwned (" + ids.size() + " ids)", explainer.explain("io.shardsweep.finish.FinishMapper.lockOwned",
                params("token", batch.token(), "ids", ids)));
        addPlan(lines, state, "deleteOwned (" + ids.size() + " ids)", explainer.explain("io.shardsweep.finish.FinishMapper.deleteOwned",
                params("token", batch.token(), "ids", ids)));
        addPlan(lines, state, "markFailed", explainer.explain("io.shardsweep.finish.FinishMapper.markFailed",
                params("token", batch.token(), "id", id, "error", "x", "maxAttempts", 3, "retryAt", now)));
        addPlan(lines, state, "markDead", explainer.explain("io.shardsweep.finish.FinishMapper.markDead",
                params("token", batch.token(), "id", id, "error", "x")));
        addPlan(lines, state, "release (" + ids.size() + " ids)", explainer.explain("io.shardsweep.finish.FinishMapper.release",
                params("token", batch.token(), "ids", ids)));
    }

    /** A mutable map: MyBatis's dynamic SQL did not always resolve names in an immutable Map.of. */
    private static Map<String, Object> params(Object... keysAndValues) {
        Map<String, Object> map = new HashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    private static void addPlan(List<String> lines, String state, String statement, PlanExplainer.Plan plan) {
        if (lines.isEmpty()) {
            lines.add(String.format(Locale.ROOT, "%-48s %-26s %-3s %-12s %-28s %-6s %-22s %-9s %s",
                    "state", "statement", "id", "select_type", "table", "type", "key", "rows", "Extra"));
        }
        for (Map<String, Object> row : plan.rows()) {
            lines.add(String.format(Locale.ROOT, "%-48s %-26s %-3s %-12s %-28s %-6s %-22s %-9s %s",
                    state, statement, row.get("id"), row.get("select_type"), row.get("table"), row.get("type"), row.get("key"),
                    row.get("rows"), row.get("Extra")));
        }
    }

    // ------------------------------------------------------------------------------------ report

    private String environment() {
        String version = jdbc.queryForObject("SELECT VERSION()", String.class);
        Map<String, Object> v = jdbc.queryForMap("SELECT @@innodb_buffer_pool_size AS bp, @@innodb_flush_log_at_trx_commit AS flush");
        String gc = ManagementFactory.getGarbageCollectorMXBeans().stream().map(GarbageCollectorMXBean::getName).collect(Collectors.joining("+"));
        return String.format(Locale.ROOT,
                "ENVIRONMENT: database %s (%s), innodb_buffer_pool_size %d MB, innodb_flush_log_at_trx_commit %s; %d cores; "
                        + "JVM %s, max heap %d MB, %s; batch %d, delete pool %d threads (shared by the instances of this JVM), "
                        + "per-row baseline cap %.0f s; db process CPU %s",
                version, TestDatabase.get().kind(), ((Number) v.get("bp")).longValue() / 1048576, v.get("flush"),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                Runtime.getRuntime().maxMemory() / 1048576, gc, BATCH, properties.deletePoolSize(), BASELINE_CAP_SECONDS,
                cpu.dbKnown() ? "measured" : "not measurable (server not on this machine)");
    }

    private String throughputTable(List<CaseResult> cases) {
        TextTable t = new TextTable("rows", "shards", "ShardSweep s", "SS rows/s", "per-row rows/s", "floor rows/s",
                "SS/floor", "SS/per-row", "SS vs 1 shard", "SS rows/s, all repeats", "floor rows/s, all repeats", "other procs % (SS/row/floor)");
        for (CaseResult c : cases) {
            CaseResult one = cases.stream().filter(o -> o.rows() == c.rows() && o.shards() == 1).findFirst().orElse(c);
            t.row(c.rows(), c.shards(), f2(c.ss().seconds()), f0(c.ssRate()),
                    f0(c.perRowRate()) + (c.perRow().value().capped() ? " (capped " + String.format(Locale.ROOT, "%,d", c.perRow().value().processed()) + ")" : ""),
                    f0(c.floorRate()), f2(c.ssRate() / c.floorRate()), f1(c.ssRate() / c.perRowRate()) + "x",
                    f2(c.ssRate() / one.ssRate()) + "x", c.ssAll().spread(), c.floorAll().spread(),
                    pct(c.ss().otherProcesses()) + "/" + pct(c.perRow().otherProcesses()) + "/" + pct(c.floor().otherProcesses()));
        }
        return "\nTHROUGHPUT (same database, same generated data; ShardSweep and floor: best of " + REPEAT + " repeats, per-row: one run;"
                + " per-row capped at " + f0(BASELINE_CAP_SECONDS) + " s: its rate is over the rows it did; other procs: % of all cores"
                + " used by processes other than this JVM and the database during the best repeat)\n" + t.render();
    }

    private String shardSweepDetailTable(List<CaseResult> cases) {
        TextTable t = new TextTable("rows", "shards", "batches", "claim ms start", "claim ms end", "end/start", "finish ms med",
                "heap used peak MB", "heap live peak MB", "GCs", "lock waits", "lock wait ms", "deadlocks", "failed runs",
                "purge backlog at end", "other sessions");
        for (CaseResult c : cases) {
            Measured<SsRun> m = c.ss();
            SsRun run = m.value();
            StartEnd edges = run.claimer().samples.startEnd(EDGE);
            t.row(c.rows(), c.shards(), run.claimer().samples.nonEmptyPerShard().stream().mapToInt(List::size).sum(),
                    f1(edges.startMs()), f1(edges.endMs()), f2(edges.ratio()),
                    f1(run.finisher().samples.medianMs()), f0(m.heap().peakUsedMb()), f0(m.heap().peakLiveMb()), m.heap().gcs(),
                    num(m.lockWaits()), num(m.lockMs()), num(m.deadlocks()), run.failedRuns().size(), num(m.historyListLength()),
                    m.otherSessions());
        }
        TextTable b = new TextTable("rows", "shards", "claim %", "finish %", "waiting for deletes %", "pool busy %", "delete us/file",
                "delete pool", "instance threads", "GC", "JIT", "other JVM", "database", "other processes", "idle");
        for (CaseResult c : cases) {
            Measured<SsRun> m = c.ss();
            SsRun run = m.value();
            long instanceNanos = 0;
            for (long n : run.instanceNanos()) {
                instanceNanos += n;
            }
            double claimShare = run.claimer().samples.totalNanos() / (double) instanceNanos;
            double finishShare = run.finisher().samples.totalNanos() / (double) instanceNanos;
            double poolBusy = run.deleter().nanos.get() / (properties.deletePoolSize() * m.seconds() * 1e9);
            double db = m.dbCpu() / (m.seconds() * cores());
            b.row(c.rows(), c.shards(), pct(claimShare), pct(finishShare), pct(1 - claimShare - finishShare), pct(poolBusy),
                    f0(run.deleter().nanos.get() / 1e3 / Math.max(1, run.deleter().calls.get())),
                    pct(m.jvmGroup("delete pool")), pct(m.jvmGroup("instance threads")), pct(m.jvmGroup("GC")),
                    pct(m.jvmGroup("JIT")), pct(m.jvmGroup("other JVM")), pct(db), pct(m.otherProcesses()),
                    pct(1 - m.machineBusy()));
        }
        return "\nSHARDSWEEP DETAIL, best repeat (claim ms: each TaskClaimer.claim call incl. commit, median of the first/last " + EDGE
                + " batches of each shard; heap used: MemoryMXBean sampled every 5 ms; heap live: heap after each GC, peak;"
                + " locks: global Innodb_row_lock_waits / Innodb_row_lock_time / Innodb_deadlocks deltas; failed runs: runs"
                + " that threw and were run again, as the admin's fail-retry would)\n" + t.render()
                + "\nSHARDSWEEP TIME AND CPU BREAKDOWN, best repeat (claim/finish/waiting: shares of the instance threads' wall time;"
                + " pool busy: time inside the confined deleter / (pool threads x wall); delete us/file: per call, under load;"
                + " the rest: % of all " + cores() + " cores, from /proc: this JVM's threads by group, the database server process,"
                + " other processes, idle)\n" + b.render();
    }

    private String comparisonDetailTable(List<CaseResult> cases) {
        TextTable t = new TextTable("rows", "shards", "per-row s", "per-row heap used/live MB", "per-row lock waits", "per-row deadlocks",
                "per-row cpu jvm/db %", "floor s", "floor db-side s", "floor unlink-side s", "floor unlink us/file",
                "floor heap used/live MB", "floor cpu jvm/db %");
        for (CaseResult c : cases) {
            var p = c.perRow();
            var f = c.floor();
            t.row(c.rows(), c.shards(), f2(p.seconds()), f0(p.heap().peakUsedMb()) + "/" + f0(p.heap().peakLiveMb()),
                    num(p.lockWaits()), num(p.deadlocks()),
                    pct(p.jvmCpu() / (p.seconds() * cores())) + "/" + pct(p.dbCpu() / (p.seconds() * cores())),
                    f2(f.seconds()), f2(f.value().dbSeconds()), f2(f.value().unlinkSeconds()),
                    f1(f.value().unlinkNanos() / 1e3 / c.rows()),
                    f0(f.heap().peakUsedMb()) + "/" + f0(f.heap().peakLiveMb()),
                    pct(f.jvmCpu() / (f.seconds() * cores())) + "/" + pct(f.dbCpu() / (f.seconds() * cores())));
        }
        return "\nPER-ROW BASELINE AND FLOOR DETAIL, best repeat (floor: the database side and the unlink side run at once)\n" + t.render();
    }

    private String flatnessTable(List<CaseResult> cases, List<ProbeResult> probes) {
        TextTable t = new TextTable("check", "state", "batches", "claim ms start", "claim ms end", "end/start", "vs reference",
                "rows read/claim start", "rows read/claim end", "finish ms start", "finish ms end", "finish end/start", "finish vs reference");
        ProbeResult reference = probes.stream().filter(p -> p.label().equals("reference")).findFirst().orElseThrow();
        for (ProbeResult p : probes) {
            StartEnd c = p.claimEdges();
            StartEnd f = p.finishEdges();
            boolean compared = p.label().equals("blockers") || p.label().equals("history");
            t.row(p.label(), p.state(), p.rowsRead().size(), f2(c.startMs()), f2(c.endMs()), f2(c.ratio()),
                    compared ? f2(p.claims().medianMs() / reference.claims().medianMs()) : "",
                    f0(p.rowsReadMedian(true)), f0(p.rowsReadMedian(false)), f2(f.startMs()), f2(f.endMs()), f2(f.ratio()),
                    compared ? f2(p.finishes().medianMs() / reference.finishes().medianMs()) : "");
        }
        for (CaseResult c : cases) {
            if (c.rows() >= scaled(100_000)) {
                StartEnd e = c.ss().value().claimer().samples.startEnd(EDGE);
                t.row("backlog run", String.format(Locale.ROOT, "ShardSweep %,d rows, %d shards (claim incl. commit)", c.rows(), c.shards()),
                        c.ss().value().batches(), f2(e.startMs()), f2(e.endMs()), f2(e.ratio()), "", "", "", "", "", "", "");
            }
        }
        return "\nCLAIM COST FLATNESS (probes: direct TaskClaimer.claim of the context's bean, batch " + BATCH
                + ", commit excluded; start/end = median of the first/last " + EDGE + " batches; 'vs reference' = median of"
                + " all batches / the reference probe's; rows read = session Handler_read_* delta of the claim, all its statements)\n"
                + t.render();
    }

    private String targets(List<CaseResult> cases, List<ProbeResult> probes) {
        StringBuilder out = new StringBuilder("\nTARGETS\n");
        double busiest = cases.stream().mapToDouble(c -> Math.max(c.ss().otherProcesses(), c.floor().otherProcesses())).max().orElse(0);
        if (busiest > 0.10) {
            out.append(String.format(Locale.ROOT, "  WARNING: other processes used up to %.0f%% of the cores during measured runs (see the"
                    + " throughput table): the machine was shared, so rates are depressed and noisy.%n", 100 * busiest));
        }
        CaseResult target = find(cases, scaled(100_000), 2);
        out.append(String.format(Locale.ROOT, "  ShardSweep >= 50%% of the floor at 100k, 2 shards: %.0f%% -> %s%n",
                100 * target.ssRate() / target.floorRate(), target.ssRate() / target.floorRate() >= 0.5 ? "MET" : "NOT MET"));
        out.append(String.format(Locale.ROOT, "  ShardSweep >= 10x the per-row baseline at 100k, 2 shards: %.1fx -> %s%n",
                target.ssRate() / target.perRowRate(), target.ssRate() / target.perRowRate() >= 10 ? "MET" : "NOT MET"));
        for (int rows : cases.stream().mapToInt(CaseResult::rows).distinct().toArray()) {
            CaseResult one = find(cases, rows, 1);
            CaseResult two = find(cases, rows, 2);
            out.append(String.format(Locale.ROOT, "  2 shards faster than 1 at %,d rows: %,.0f vs %,.0f rows/s (%.2fx) -> %s%n",
                    rows, two.ssRate(), one.ssRate(), two.ssRate() / one.ssRate(), two.ssRate() > one.ssRate() ? "MET" : "NOT MET"));
        }
        out.append("  peak heap by backlog (ShardSweep, used / live after GC, MB), per shard total:");
        for (int shards : new int[] {1, 2, 4}) {
            out.append(String.format(Locale.ROOT, "%n    %d shards: ", shards));
            for (CaseResult c : cases) {
                if (c.shards() == shards) {
                    out.append(String.format(Locale.ROOT, "%,d rows %s/%s  ", c.rows(), f0(c.ss().heap().peakUsedMb()), f0(c.ss().heap().peakLiveMb())));
                }
            }
        }
        out.append('\n');
        long waits = cases.stream().mapToLong(c -> Math.max(0, c.ss().lockWaits())).sum();
        long deadlocks = cases.stream().mapToLong(c -> Math.max(0, c.ss().deadlocks())).sum();
        long failedRuns = cases.stream().mapToLong(c -> c.ss().value().failedRuns().size()).sum();
        out.append(String.format(Locale.ROOT, "  lock waits / deadlocks during the ShardSweep cases: best repeats %d / %d (failed runs %d);"
                        + " all %d ShardSweep runs %d / %d (failed runs, re-run: %d) -> %s%n",
                waits, deadlocks, failedRuns, allShardSweepRuns, allLockWaits, allDeadlocks, allFailedRuns,
                allLockWaits == 0 && allDeadlocks == 0 ? "MET" : "NOT MET"));
        for (ProbeResult p : probes) {
            out.append(String.format(Locale.ROOT, "  claim cost, %s: end/start %.2f, rows read per claim %s -> %s%n", p.label(),
                    p.claimEdges().ratio(), f0(p.rowsReadMedian(true)) + " -> " + f0(p.rowsReadMedian(false)),
                    p.claimEdges().ratio() <= 1.5 && p.rowsReadMedian(false) <= 1.5 * p.rowsReadMedian(true) + 50 ? "flat" : "NOT flat"));
        }
        return out.toString();
    }

    private static CaseResult find(List<CaseResult> cases, int rows, int shards) {
        return cases.stream().filter(c -> c.rows() == rows && c.shards() == shards).findFirst().orElseThrow();
    }

    private static int scaled(int rows) {
        return (int) Math.max(100, Math.round(rows * SCALE));
    }

    private static int cores() {
        return Runtime.getRuntime().availableProcessors();
    }

    private static final long LOADED = System.nanoTime();

    private static void progress(String line) {
        System.out.printf(Locale.ROOT, "[bench %4.0fs] %s%n", (System.nanoTime() - LOADED) / 1e9, line);
    }
}
