package io.shardsweep.benchmark;

import static io.shardsweep.benchmark.TextTable.f0;
import static io.shardsweep.benchmark.TextTable.f1;
import static io.shardsweep.benchmark.TextTable.f2;
import static io.shardsweep.benchmark.TextTable.num;
import static io.shardsweep.benchmark.TextTable.pct;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.xxl.job.core.openapi.model.TriggerRequest;
import io.shardsweep.benchmark.ExecutorMeters.Gauges;
import io.shardsweep.benchmark.ExecutorMeters.Totals;
import io.shardsweep.fault.ExecutorProcess;
import io.shardsweep.fault.FaultScenario;
import io.shardsweep.fault.FaultScenario.Summary;
import io.shardsweep.storage.filesystem.ConfinedFileDeleter;
import io.shardsweep.testsupport.TcpProxy;
import io.shardsweep.testsupport.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * ShardSweep as operators run it: two executor processes from the packaged jar, every ShardSweep
 * setting at its default, driven by broadcasts over their XXL-JOB {@code /run} (shard i of 2 to the
 * i-th, no executor parameter) until the backlog is drained; beside, in the same run, on the same
 * database and the same kind of files, the no-claim floor ({@link NoClaimFloor}), the per-row
 * baseline ({@link PerRowBaseline}) and the unlink loop alone, each on as many threads as an
 * executor's deletion pool. Two file shapes: empty files in one folder, and 1 KB files in 50 folders.
 * Prints one table of rates and ratios, and one of where the time goes in each process; asserts only
 * correctness (every row in history exactly once, every file gone).
 *
 * <p>The harness is the fault suite's ({@link FaultScenario}, {@link ExecutorProcess},
 * {@code FakeXxlJobAdmin}), with {@link ExecutorProcess.Tuning#defaults}: no ShardSweep setting
 * overridden, the JVM flags of {@code -Dbench.executorJvm}. Run (after {@code package}, which Failsafe
 * needs for the jar):
 * <pre>
 * mvn -B -pl executor-app -Pbenchmark verify -Dtest=ShardScalingBenchmark -Dit.test=ProcessLevelBenchmarkIT
 * </pre>
 * Options: {@code -Dbench.rows=100000}, {@code -Dbench.repeat=1} (each contender keeps its best
 * repeat), {@code -Dbench.baselineCapSeconds=10}, {@code -Dbench.shapes=empty,1kb},
 * {@code -Dbench.executorJvm="-Xmx768m -XX:+ExitOnOutOfMemoryError"}, {@code -Dbench.million=true} (the
 * 1,000,000-row cases on a pair of executors of their own, {@code -Dbench.shapes=none} for them
 * alone), and the test database's {@code -Dshardsweep.test.jdbc-url}.
 *
 * <p><b>Measures.</b> ShardSweep's time runs from the first {@code /run} of the first broadcast to the
 * last callback of the broadcast after which no row of the backlog is left. Per process: the claim
 * and finish timers ({@code shardsweep_claim_duration_seconds{from}}, {@code
 * shardsweep_finish_duration_seconds}), differences of two scrapes of {@code /actuator/prometheus};
 * its runs' own durations ({@code took=} of each callback); the deletion pool's busy threads and queue
 * and the heap ({@code executor_active_threads}, {@code executor_queued_tasks} of {@code
 * name="shardsweep.delete"}, {@code jvm_memory_used_bytes{area="heap"}}, garbage included), sampled
 * every 500 ms. CPU: {@code /proc/<pid>/stat} of each executor
 * (and its threads by name), of the database server (when local) and of this JVM, against the
 * machine's {@code /proc/stat}. Before each measurement the files just written are synced and InnoDB's
 * purge is let catch up.
 */
@Tag("benchmark")
class ProcessLevelBenchmarkIT {

    private static final int ROWS = Integer.getInteger("bench.rows", 100_000);
    /**
     * Rows drained before anything is measured. Fresh executors still compile the claim and finish path
     * well after their first thousands of rows (seen with -XX:+PrintCompilation: hundreds of methods per
     * 5 s, most of them in the JDBC driver and MyBatis, after a 10,000-row warm-up).
     */
    private static final int WARMUP_ROWS = Integer.getInteger("bench.warmupRows", Math.min(20_000, Math.max(5_000, ROWS / 5)));
    private static final int PROCESSES = 2;
    private static final int REPEAT = Integer.getInteger("bench.repeat", 1);
    private static final double BASELINE_CAP_SECONDS = Double.parseDouble(System.getProperty("bench.baselineCapSeconds", "10"));
    /** The image's flags (docker/README.md) in a 1 GiB container: MaxRAMPercentage=75 gives a 768 MB heap. */
    private static final String EXECUTOR_JVM = System.getProperty("bench.executorJvm", "-Xmx768m -XX:+ExitOnOutOfMemoryError");
    /** Each sample is a scrape, which costs the executor CPU (and at first JIT work): not more often than this. */
    private static final Duration SAMPLE_EVERY = Duration.ofMillis(500);
    /** Broadcasts per drain at the most; one drains 100,000 rows at the defaults (a run may take 50 s). */
    private static final int MAX_ROUNDS = 10;
    /** A what-if: a third pair of executors with these settings, e.g. {@code shardsweep.delete-pool-size=4}; none by default. */
    /** A round trip added between the executors and the database (a TCP proxy), as to a server on another host; 0 by default. */
    private static final Duration DB_ROUND_TRIP = Duration.ofNanos((long) (1e6 * Double.parseDouble(System.getProperty("bench.dbRoundTripMs", "0"))));
    private static final Map<String, String> WHAT_IF = whatIf(System.getProperty("bench.whatIf", ""));
    /** The 1,000,000-row cases, on a pair of executors of their own at the defaults; off by default (about 10 minutes). */
    private static final boolean MILLION = Boolean.getBoolean("bench.million");
    private static final int MILLION_ROWS = Integer.getInteger("bench.millionRows", 1_000_000);
    /** The share of a drain's claims at its start and at its end whose mean latency is compared. */
    private static final double CLAIM_WINDOW = 0.1;

    enum Contender {
        SHARDSWEEP("ShardSweep, " + PROCESSES + " processes, defaults"),
        SHARDSWEEP_UNPIPELINED("ShardSweep, " + PROCESSES + " processes, defaults but shardsweep.pipelined=false"),
        SHARDSWEEP_WHAT_IF("ShardSweep, " + PROCESSES + " processes, defaults but " + WHAT_IF),
        FLOOR("floor: INSERT...SELECT + DELETE per 1,000 ids beside unlink"),
        PER_ROW("per-row baseline"),
        UNLINK("unlink alone");

        final String label;

        Contender(String label) {
            this.label = label;
        }
    }

    /** Two executor processes started with the same settings, measured as {@code contender}. */
    record ExecutorPair(Contender contender, String key, List<ExecutorProcess> executors, List<ExecutorMeters> meters,
                        List<String> owners, CpuSplit.Meter cpu) {
        static ExecutorPair start(Contender contender, String key, FaultScenario scenario, TcpProxy toDatabase,
                                  Map<String, String> settings, Instruments.Cpu cpuOfDb) {
            List<ExecutorProcess> executors = startExecutors(scenario, toDatabase, settings);
            return new ExecutorPair(contender, key, executors, executors.stream().map(ExecutorMeters::new).toList(),
                    executors.stream().map(ExecutorProcess::instanceId).toList(),
                    new CpuSplit.Meter(cpuOfDb, executors.stream().map(ExecutorProcess::pid).toList()));
        }
    }

    /** One executor's share of a drain. */
    record ProcessFigures(String instance, List<Summary> runs, Totals meters, Gauges gauges) {
        int batches() {
            return runs.stream().mapToInt(Summary::batches).sum();
        }

        int moved() {
            return runs.stream().mapToInt(Summary::moved).sum();
        }

        int swept() {
            return runs.stream().mapToInt(Summary::swept).sum();
        }

        double inRunsSeconds() {
            return runs.stream().mapToDouble(Summary::tookSeconds).sum();
        }

        double claimSeconds() {
            return meters.claimSeconds() + meters.overdueClaimSeconds();
        }

        long claims() {
            return meters.claims() + meters.overdueClaims();
        }
    }

    record Drain(double seconds, int rounds, List<ProcessFigures> processes) {
        /** Rows the runs released unstarted: a batch claimed ahead when a run stopped on its timeout. */
        int released() {
            return processes.stream().flatMap(p -> p.runs().stream()).mapToInt(Summary::released).sum();
        }
    }

    /** What a contender did: {@code rows} in {@code seconds} by its own clock; the drain's details for ShardSweep. */
    record Outcome(int rows, double seconds, String note, Drain drain) {
    }

    /** One measurement: {@code rows} done in {@code seconds}, the CPU split and the server's lock counters over it. */
    record Measured(Contender contender, int rows, double seconds, CpuSplit cpu, long lockWaits, long deadlocks, String note, Drain drain) {
        double rate() {
            return rows / seconds;
        }
    }

    record ShapeResult(BenchData.Shape shape, Map<Contender, List<Measured>> all, int poolSize) {
        Measured best(Contender c) {
            return all.get(c).stream().max(Comparator.comparingDouble(Measured::rate)).orElseThrow();
        }

        String spread(Contender c) {
            return all.get(c).size() < 2 ? "" : all.get(c).stream().map(m -> f0(m.rate())).collect(Collectors.joining(" / "));
        }
    }

    private String environment;

    @Test
    @Timeout(value = 3, unit = TimeUnit.HOURS)
    void two_executor_processes_at_the_defaults_move_every_row_to_history_once_and_delete_every_file() throws Exception {
        long started = System.nanoTime();
        List<ShapeResult> results = new ArrayList<>();
        for (BenchData.Shape shape : shapes()) {
            results.add(runShape(shape));
        }
        List<MillionCase> million = MILLION ? runMillion() : List.of();
        StringBuilder out = new StringBuilder("\n").append(environment).append('\n');
        if (!results.isEmpty()) {
            out.append(throughputTable(results));
            out.append(timeTable(results));
        }
        if (!million.isEmpty()) {
            out.append(millionTable(million));
        }
        out.append(String.format(Locale.ROOT, "%nprocess-level benchmark took %.0f s%n", (System.nanoTime() - started) / 1e9));
        System.out.println(out);
    }

    private ShapeResult runShape(BenchData.Shape shape) throws Exception {
        String key = shape.label().replaceAll("[^A-Za-z0-9]+", "-");
        FaultScenario scenario = new FaultScenario("bench-" + key, ExecutorProcess.Tuning.defaults(Arrays.asList(EXECUTOR_JVM.trim().split("\\s+"))));
        try {
            return runShape(shape, scenario);
        } catch (Throwable e) {
            System.out.println("FAILED on " + shape.label() + ": " + scenario.describe() + "\n" + scenario.tails(60));
            throw e;
        } finally {
            scenario.close(); // SIGKILL of both executors, the admin stopped
        }
    }

    private ShapeResult runShape(BenchData.Shape shape, FaultScenario scenario) throws Exception {
        JdbcTemplate jdbc = scenario.jdbc();
        PlatformTransactionManager transactions = new DataSourceTransactionManager(jdbc.getDataSource());
        Path storage = scenario.storage();
        BenchData data = new BenchData(jdbc, storage);
        progress(shape.label() + ": starting " + PROCESSES + " executors at the defaults, JVM flags " + EXECUTOR_JVM);
        TcpProxy toDatabase = null;
        if (!DB_ROUND_TRIP.isZero()) {
            toDatabase = scenario.proxy();
            toDatabase.setRoundTrip(DB_ROUND_TRIP);
            progress("the executors reach the database through a proxy adding " + DB_ROUND_TRIP.toNanos() / 1e6
                    + " ms per round trip; the floor, the per-row baseline and unlink alone do not");
        }
        Instruments.Cpu cpuOfDb = new Instruments.Cpu(jdbc);
        // The defaults; the same with the pipeline off, for the ratio of the two in the same run; a what-if.
        List<ExecutorPair> pairs = new ArrayList<>();
        pairs.add(ExecutorPair.start(Contender.SHARDSWEEP, "ss", scenario, toDatabase, Map.of(), cpuOfDb));
        pairs.add(ExecutorPair.start(Contender.SHARDSWEEP_UNPIPELINED, "ss-seq", scenario, toDatabase,
                Map.of("shardsweep.pipelined", "false"), cpuOfDb));
        if (!WHAT_IF.isEmpty()) {
            pairs.add(ExecutorPair.start(Contender.SHARDSWEEP_WHAT_IF, "ss-what-if", scenario, toDatabase, WHAT_IF, cpuOfDb));
        }
        CpuSplit.Meter cpu = pairs.get(0).cpu();
        int poolSize = pairs.get(0).meters().get(0).totals().poolSize();
        Instruments.ServerCounters counters = new Instruments.ServerCounters(jdbc);
        int jobId = scenario.nextJobId(); // one job, as the admin's one broadcast job: one XXL-JOB job thread per executor
        if (environment == null) {
            environment = environment(jdbc, cpuOfDb, poolSize);
        }
        NoClaimFloor floor = new NoClaimFloor(jdbc, transactions, storage, poolSize);

        // Warm-up, not reported: the executors' JIT and pools, this JVM's JDBC path, the buffer pool.
        for (ExecutorPair pair : pairs) {
            BenchData.Dataset warm = fresh(data, "warm-" + pair.key(), WARMUP_ROWS, shape);
            assertDrained(drain(scenario, pair.executors(), pair.meters(), jobId, warm), warm, data, pair.owners());
        }
        BenchData.Dataset warmFloor = fresh(data, "warm-floor", WARMUP_ROWS, shape);
        floor.run(warmFloor, PROCESSES);
        data.assertMoved(warmFloor, List.of("floor"));
        progress(shape.label() + ": warmed up on " + WARMUP_ROWS + " rows");

        Map<Contender, List<Measured>> all = new EnumMap<>(Contender.class);
        for (Contender c : Contender.values()) {
            all.put(c, new ArrayList<>());
        }
        for (int repeat = 1; repeat <= REPEAT; repeat++) {
            for (ExecutorPair pair : pairs) {
                BenchData.Dataset ss = fresh(data, "r" + repeat + "-" + pair.key(), ROWS, shape);
                Measured drained = measure(pair.contender(), pair.cpu(), counters, data, () -> {
                    Drain drain = drain(scenario, pair.executors(), pair.meters(), jobId, ss);
                    return new Outcome(ss.rows(), drain.seconds(), drain.rounds() + " broadcast(s)", drain);
                });
                assertDrained(drained.drain(), ss, data, pair.owners());
                all.get(pair.contender()).add(drained);
            }

            BenchData.Dataset f = fresh(data, "r" + repeat + "-floor", ROWS, shape);
            Measured m = measure(Contender.FLOOR, cpu, counters, data, () -> {
                NoClaimFloor.Result r = floor.run(f, PROCESSES);
                return new Outcome(f.rows(), r.seconds(), String.format(Locale.ROOT, "database side %.2f s, unlink side %.2f s",
                        r.dbSeconds(), r.unlinkSeconds()), null);
            });
            data.assertMoved(f, List.of("floor"));
            all.get(Contender.FLOOR).add(m);

            if (repeat == 1) { // its rate is steady, and it is by far the slowest
                BenchData.Dataset p = fresh(data, "r" + repeat + "-row", ROWS, shape);
                PerRowBaseline perRow = new PerRowBaseline(jdbc, transactions, new ConfinedFileDeleter(storage), poolSize);
                PerRowBaseline.Result[] result = new PerRowBaseline.Result[1];
                m = measure(Contender.PER_ROW, cpu, counters, data, () -> {
                    result[0] = perRow.run(PROCESSES, BASELINE_CAP_SECONDS);
                    return new Outcome(result[0].processed(), result[0].seconds(),
                            result[0].capped() ? "capped at " + f0(BASELINE_CAP_SECONDS) + " s: the rate of the rows it did" : "", null);
                });
                data.assertMovedByPerRow(p, result[0]);
                all.get(Contender.PER_ROW).add(m);
            }

            BenchData.Dataset u = fresh(data, "r" + repeat + "-unlink", ROWS, shape);
            m = measure(Contender.UNLINK, cpu, counters, data, () -> {
                NoClaimFloor.Result r = floor.unlinkAlone(u);
                return new Outcome(u.rows(), r.seconds(), "", null);
            });
            assertThat(data.filesLeft(u.prefix())).as("files left by the unlink loop").isZero();
            all.get(Contender.UNLINK).add(m);
        }
        data.truncate();
        scenario.assertNoSecretLogged();
        return new ShapeResult(shape, all, poolSize);
    }

    /** A fresh backlog of the shape; its files synced to disk before anything is measured on them. */
    private static BenchData.Dataset fresh(BenchData data, String prefix, int rows, BenchData.Shape shape) {
        data.truncate();
        return added(data, prefix, rows, shape);
    }

    /** A backlog of the shape added to what the tables hold; its files synced to disk. */
    private static BenchData.Dataset added(BenchData data, String prefix, int rows, BenchData.Shape shape) {
        long t0 = System.nanoTime();
        BenchData.Dataset d = data.generate(prefix, rows, shape);
        data.analyze();
        String sync = data.syncFiles();
        progress(String.format(Locale.ROOT, "%s: %,d rows and files (%s) generated in %.1f s, %s", prefix, rows, shape.label(),
                (System.nanoTime() - t0) / 1e9, sync));
        return d;
    }

    /**
     * Broadcasts (shard i of the executors' count to the i-th, no parameter: the defaults) until no row
     * of {@code backlog} is left; every run must succeed. Its time runs from the first trigger to the
     * last callback.
     */
    private static Drain drain(FaultScenario scenario, List<ExecutorProcess> executors, List<ExecutorMeters> meters, int jobId,
                               BenchData.Dataset backlog) {
        List<Totals> before = meters.stream().map(ExecutorMeters::totals).toList();
        List<List<Summary>> runs = new ArrayList<>();
        executors.forEach(e -> runs.add(new ArrayList<>()));
        List<Gauges> gauges;
        double seconds;
        int rounds = 0;
        try (ExecutorMeters.Sampler sampler = new ExecutorMeters.Sampler(meters, SAMPLE_EVERY)) {
            long t0 = System.nanoTime();
            while (true) {
                rounds++;
                List<TriggerRequest> sent = new ArrayList<>();
                for (int i = 0; i < executors.size(); i++) {
                    sent.add(scenario.cleanup(executors.get(i), jobId, null, i, executors.size()));
                }
                for (int i = 0; i < executors.size(); i++) {
                    runs.get(i).add(scenario.succeeded(sent.get(i))); // waits at most a run plus a callback retry, then diagnoses
                }
                seconds = (System.nanoTime() - t0) / 1e9;
                Integer left = scenario.jdbc().queryForObject("SELECT COUNT(*) FROM file_deletion_task WHERE id BETWEEN ? AND ?",
                        Integer.class, backlog.minId(), backlog.maxId());
                if (left != null && left == 0) {
                    break;
                }
                if (rounds == MAX_ROUNDS) {
                    fail("backlog not drained after " + MAX_ROUNDS + " broadcasts: " + scenario.describe());
                }
            }
            gauges = sampler.stop();
        }
        List<ProcessFigures> figures = new ArrayList<>();
        for (int i = 0; i < executors.size(); i++) {
            figures.add(new ProcessFigures(executors.get(i).instanceId(), runs.get(i), meters.get(i).totals().minus(before.get(i)),
                    gauges.get(i)));
        }
        return new Drain(seconds, rounds, figures);
    }

    /**
     * Every row in history once, every file gone, and the runs' own summaries agree: each row deleted
     * once, nothing absent, failed, parked or lost, and every claimed row either deleted or released.
     * A run released rows only when it stopped on its timeout with the next batch claimed ahead
     * (pipelined), and only when the drain took more than one broadcast; a later run claims them again.
     */
    private static void assertDrained(Drain drain, BenchData.Dataset d, BenchData data, List<String> owners) {
        data.assertMoved(d, owners);
        List<Summary> runs = drain.processes().stream().flatMap(p -> p.runs().stream()).toList();
        assertThat(runs.stream().mapToInt(Summary::deleted).sum()).as("rows the runs report deleted").isEqualTo(d.rows());
        assertThat(runs.stream().mapToInt(r -> r.alreadyAbsent() + r.failed() + r.dead() + r.lostClaims()).sum())
                .as("rows the runs report absent, failed, dead or lost").isZero();
        int released = drain.released();
        assertThat(runs.stream().mapToInt(Summary::claimed).sum()).as("rows the runs claimed: each deleted, or released and claimed again")
                .isEqualTo(d.rows() + released);
        if (drain.rounds() == 1) {
            assertThat(released).as("rows released by a drain of one broadcast").isZero();
        }
    }

    /** Runs one contender after InnoDB's purge caught up. */
    private static Measured measure(Contender contender, CpuSplit.Meter cpu, Instruments.ServerCounters counters, BenchData data,
                                    Callable<Outcome> body) throws Exception {
        double purge = data.awaitPurge(Duration.ofSeconds(60));
        Map<String, Long> before = counters.read();
        CpuSplit.Meter.Snapshot start = cpu.take();
        Outcome r = body.call();
        CpuSplit split = cpu.since(start);
        Map<String, Long> after = counters.read();
        Measured m = new Measured(contender, r.rows(), r.seconds(), split, Instruments.delta(before, after, "Innodb_row_lock_waits"),
                Instruments.delta(before, after, "Innodb_deadlocks"), r.note(), r.drain());
        progress(String.format(Locale.ROOT, "%s: %,d rows in %.2f s = %,.0f rows/s (%s; purge wait %.1f s; other processes %s%% of the cores)",
                contender.label, m.rows(), m.seconds(), m.rate(), m.note(), purge, pct(split.other())));
        return m;
    }

    // ------------------------------------------------------------------------------------ report

    private static List<BenchData.Shape> shapes() {
        String only = System.getProperty("bench.shapes", "empty,1kb");
        List<BenchData.Shape> shapes = new ArrayList<>();
        for (String s : only.split(",")) {
            switch (s.trim()) {
                case "empty" -> shapes.add(BenchData.Shape.EMPTY_ONE_FOLDER);
                case "1kb" -> shapes.add(BenchData.Shape.ONE_KB_50_FOLDERS);
                case "none" -> {
                    // only the 1,000,000-row cases
                }
                default -> throw new IllegalArgumentException("bench.shapes takes empty, 1kb (comma-separated) or none; got " + s);
            }
        }
        return shapes;
    }

    private static String environment(JdbcTemplate jdbc, Instruments.Cpu cpu, int poolSize) {
        String version = jdbc.queryForObject("SELECT VERSION()", String.class);
        Map<String, Object> v = jdbc.queryForMap("SELECT @@innodb_buffer_pool_size AS bp, @@innodb_flush_log_at_trx_commit AS flush");
        String load;
        try {
            load = Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            load = "n/a";
        }
        return String.format(Locale.ROOT,
                "ENVIRONMENT: %d cores, load average at the start %s; database %s (%s), innodb_buffer_pool_size %d MB, "
                        + "innodb_flush_log_at_trx_commit %s, server CPU %s; %d executor processes, every ShardSweep setting at its default "
                        + "(deletion pool %d threads), JVM flags %s, Java %s; floor, per-row baseline and unlink loop on %d threads in the "
                        + "test JVM; per-row baseline capped at %.0f s; %,d rows per measurement, warm-up %,d rows; best of %d repeat(s)",
                CpuSplit.cores(), load, version, TestDatabase.get().kind(), ((Number) v.get("bp")).longValue() / 1048576, v.get("flush"),
                cpu.dbKnown() ? "measured" : "not measurable (server not on this machine)", PROCESSES, poolSize, EXECUTOR_JVM,
                System.getProperty("java.version"), poolSize, BASELINE_CAP_SECONDS, ROWS, WARMUP_ROWS, REPEAT);
    }

    private static String throughputTable(List<ShapeResult> results) {
        TextTable t = new TextTable("files", "what", "rows", "s", "rows/s", "/ floor", "/ per-row", "/ unlink alone",
                "heap used peak MB, exec-1 / exec-2", "CPU % of " + CpuSplit.cores() + " cores: exec-1 / exec-2 / database / test JVM / other / idle",
                "lock waits / deadlocks", "rows/s, all repeats", "note");
        for (ShapeResult r : results) {
            double floor = r.best(Contender.FLOOR).rate();
            double perRow = r.best(Contender.PER_ROW).rate();
            double unlink = r.best(Contender.UNLINK).rate();
            for (Contender c : Contender.values()) {
                if (r.all().get(c).isEmpty()) {
                    continue; // no what-if asked for
                }
                Measured m = r.best(c);
                CpuSplit cpu = m.cpu();
                String heap = m.drain() == null ? "" : m.drain().processes().stream().map(p -> f0(p.gauges().peakHeapMb()))
                        .collect(Collectors.joining(" / "));
                t.row(r.shape().label(), c.label, m.rows(), f2(m.seconds()), f0(m.rate()), f2(m.rate() / floor), f1(m.rate() / perRow) + "x",
                        f2(m.rate() / unlink), heap,
                        cpu.executors().stream().map(TextTable::pct).collect(Collectors.joining(" / ")) + " / " + pct(cpu.database()) + " / "
                                + pct(cpu.testJvm()) + " / " + pct(cpu.other()) + " / " + pct(cpu.idle()),
                        num(m.lockWaits()) + " / " + num(m.deadlocks()), r.spread(c), m.note());
            }
        }
        StringBuilder pipeline = new StringBuilder();
        for (ShapeResult r : results) {
            pipeline.append(String.format(Locale.ROOT, "%s: pipelined / not pipelined = %.2f%n", r.shape().label(),
                    r.best(Contender.SHARDSWEEP).rate() / r.best(Contender.SHARDSWEEP_UNPIPELINED).rate()));
        }
        return "\nPROCESS-LEVEL THROUGHPUT (ratios: rows/s of the row / rows/s of the floor, of the per-row baseline, of unlink alone,"
                + " same shape; ShardSweep: first /run to last callback; CPU: /proc, % of all cores over the measurement; heap: sampled"
                + " every " + SAMPLE_EVERY.toMillis() + " ms, garbage included; lock counters: global deltas)\n" + t.render() + pipeline;
    }

    private static String timeTable(List<ShapeResult> results) {
        TextTable t = new TextTable("files", "process", "runs", "batches", "rows", "rows/batch", "swept", "in runs s", "claim s (% of wall)",
                "claim ms/batch", "finish s (%)", "finish ms/batch", "waiting for the finish s (%)", "awaiting deletes s (%)", "between runs s (%)", "delete pool busy %",
                "pool queue, mean", "heap used peak MB", "CPU % of cores: job thread / finish pool / delete pool / GC / JIT / other JVM = process");
        for (ShapeResult r : results) {
            timeRows(t, r, Contender.SHARDSWEEP);
            timeRows(t, r, Contender.SHARDSWEEP_UNPIPELINED);
            if (!r.all().get(Contender.SHARDSWEEP_WHAT_IF).isEmpty()) {
                timeRows(t, r, Contender.SHARDSWEEP_WHAT_IF);
            }
        }
        return "\nWHERE THE TIME GOES IN EACH EXECUTOR (ShardSweep, best repeat; wall = first /run to last callback; in runs: the sum of"
                + " the runs' took=; claim, finish: the run timers' sums, the claim on the job thread, the finish on the finish pool"
                + " (pipelined) or the job thread; waiting for the finish: shardsweep_finish_wait_seconds, the job thread waiting for the"
                + " previous batch's finish; awaiting deletes = in runs - claim - (the wait for the finish, pipelined; the finish, not),"
                + " the job thread waiting for the deletion pool; between runs = wall - in runs; pool busy: executor_active_threads"
                + " sampled / pool size; CPU: /proc per thread name group, % of all cores)\n" + t.render();
    }

    /** One row per executor process of contender {@code c}'s best drain. */
    private static void timeRows(TextTable t, ShapeResult r, Contender c) {
        boolean pipelined = c != Contender.SHARDSWEEP_UNPIPELINED;
        Drain drain = r.best(c).drain();
        CpuSplit cpu = r.best(c).cpu();
        double wall = drain.seconds();
        for (int i = 0; i < drain.processes().size(); i++) {
            ProcessFigures p = drain.processes().get(i);
            double claim = p.claimSeconds();
            double finish = p.meters().finishSeconds();
            double finishWait = p.meters().finishWaitSeconds();
            double inRuns = p.inRunsSeconds();
            // Pipelined, the finish runs on the finish pool: the job thread only waits for it.
            double awaiting = inRuns - claim - (pipelined ? finishWait : finish);
            double between = wall - inRuns;
            Map<String, Double> g = cpu.executorGroups().get(i);
            String variant = c == Contender.SHARDSWEEP_WHAT_IF ? WHAT_IF + ", " : c == Contender.SHARDSWEEP_UNPIPELINED ? "not pipelined, " : "";
            t.row(r.shape().label(), variant + p.instance(), p.runs().size(), p.batches(), p.moved(),
                    f0(p.moved() / (double) Math.max(1, p.batches())),
                    p.swept(), f2(inRuns), share(claim, wall), f2(1000 * claim / Math.max(1, p.claims())), share(finish, wall),
                    f2(1000 * finish / Math.max(1, p.meters().finishes())), pipelined ? share(finishWait, wall) : "-",
                    share(awaiting, wall), share(between, wall),
                    pct(p.gauges().meanBusyThreads() / p.meters().poolSize()), f1(p.gauges().meanQueued()),
                    f0(p.gauges().peakHeapMb()),
                    pct(g.getOrDefault("job thread", 0.0)) + " / " + pct(g.getOrDefault("finish pool", 0.0)) + " / "
                            + pct(g.getOrDefault("delete pool", 0.0)) + " / "
                            + pct(g.getOrDefault("GC", 0.0)) + " / " + pct(g.getOrDefault("JIT", 0.0)) + " / "
                            + pct(g.getOrDefault("other JVM", 0.0)) + " = " + pct(cpu.executors().get(i)));
        }
    }


    // ------------------------------------------------------------------------------ 1,000,000 rows

    /**
     * One 1,000,000-row case: the drain, the mean claim latency over the first and the last tenth of
     * each executor's claims, and each executor's live heap after a full GC before and after it.
     */
    record MillionCase(String label, Measured measured, List<Double> claimStartMs, List<Double> claimEndMs,
                       List<Double> liveHeapBeforeMb, List<Double> liveHeapAfterMb) {
        static double mean(List<Double> values) {
            return values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        }

        double endOverStart() {
            return mean(claimEndMs) / mean(claimStartMs);
        }
    }

    /**
     * The 1,000,000-row cases on two executor processes of their own at the defaults, empty
     * files in one folder: behind 100,000 DEAD and not-yet-due rows with lower ids, and beside a
     * history of 1,000,000 rows. What was in front must be left as it was.
     */
    private List<MillionCase> runMillion() throws Exception {
        FaultScenario scenario = new FaultScenario("bench-million", ExecutorProcess.Tuning.defaults(Arrays.asList(EXECUTOR_JVM.trim().split("\\s+"))));
        try {
            return runMillion(scenario);
        } catch (Throwable e) {
            System.out.println("FAILED on the 1,000,000-row cases: " + scenario.describe() + "\n" + scenario.tails(60));
            throw e;
        } finally {
            scenario.close();
        }
    }

    private List<MillionCase> runMillion(FaultScenario scenario) throws Exception {
        BenchData.Shape shape = BenchData.Shape.EMPTY_ONE_FOLDER;
        JdbcTemplate jdbc = scenario.jdbc();
        BenchData data = new BenchData(jdbc, scenario.storage());
        progress(String.format(Locale.ROOT, "%,d-row cases: starting %d executors at the defaults, JVM flags %s", MILLION_ROWS, PROCESSES,
                EXECUTOR_JVM));
        Instruments.Cpu cpuOfDb = new Instruments.Cpu(jdbc);
        ExecutorPair pair = ExecutorPair.start(Contender.SHARDSWEEP, "m", scenario, null, Map.of(), cpuOfDb);
        Instruments.ServerCounters counters = new Instruments.ServerCounters(jdbc);
        int jobId = scenario.nextJobId();
        if (environment == null) {
            environment = environment(jdbc, cpuOfDb, pair.meters().get(0).totals().poolSize());
        }
        BenchData.Dataset warm = fresh(data, "m-warm", WARMUP_ROWS, shape);
        assertDrained(drain(scenario, pair.executors(), pair.meters(), jobId, warm), warm, data, pair.owners());

        List<MillionCase> cases = new ArrayList<>();
        int blockers = MILLION_ROWS / 10;
        cases.add(millionCase(String.format(Locale.ROOT, "%,d DEAD and not-yet-due rows in front", blockers), "m-blocked",
                () -> data.addBlockers(blockers), scenario, pair, data, counters, jobId));
        cases.add(millionCase(String.format(Locale.ROOT, "a history of %,d rows", MILLION_ROWS), "m-history",
                () -> data.growHistory(MILLION_ROWS), scenario, pair, data, counters, jobId));
        data.truncate();
        scenario.assertNoSecretLogged();
        return cases;
    }

    private static MillionCase millionCase(String label, String prefix, Runnable setUp, FaultScenario scenario, ExecutorPair pair,
                                           BenchData data, Instruments.ServerCounters counters, int jobId) throws Exception {
        JdbcTemplate jdbc = scenario.jdbc();
        data.truncate();
        setUp.run();
        List<Map<String, Object>> inFront = statusCounts(jdbc);
        long history = jdbc.queryForObject("SELECT COUNT(*) FROM file_deletion_task_history", Long.class);
        BenchData.Dataset d = added(data, prefix, MILLION_ROWS, BenchData.Shape.EMPTY_ONE_FOLDER);
        List<Double> before = pair.meters().stream().map(ExecutorMeters::liveHeapMb).toList();
        Measured m = measure(Contender.SHARDSWEEP, pair.cpu(), counters, data, () -> {
            Drain drain = drain(scenario, pair.executors(), pair.meters(), jobId, d);
            return new Outcome(d.rows(), drain.seconds(), String.format(Locale.ROOT, "%s, %d broadcast(s), %,d rows released at a run's timeout",
                    label, drain.rounds(), drain.released()), drain);
        });
        assertDrained(m.drain(), d, data, pair.owners());
        assertThat(statusCounts(jdbc)).as("the rows in front of the backlog, by status, attempts and due").isEqualTo(inFront);
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM file_deletion_task_history", Long.class))
                .as("history rows").isEqualTo(history + d.rows());
        List<Double> after = pair.meters().stream().map(ExecutorMeters::liveHeapMb).toList();
        List<ExecutorMeters.ClaimTrace> traces = m.drain().processes().stream().map(p -> p.gauges().claims()).toList();
        return new MillionCase(label, m, traces.stream().map(t -> t.meanMs(CLAIM_WINDOW, true)).toList(),
                traces.stream().map(t -> t.meanMs(CLAIM_WINDOW, false)).toList(), before, after);
    }

    /** The task table by status, attempts and whether due now: what a drain must not touch. */
    private static List<Map<String, Object>> statusCounts(JdbcTemplate jdbc) {
        return jdbc.queryForList("SELECT status, attempts, not_before > CURRENT_TIMESTAMP(3) AS later, COUNT(*) AS n "
                + "FROM file_deletion_task GROUP BY status, attempts, later ORDER BY status, attempts, later");
    }

    private static String millionTable(List<MillionCase> cases) {
        TextTable t = new TextTable("case", "rows", "s", "rows/s", "claim ms per batch, first / last tenth (exec-1; exec-2)",
                "end / start", "live heap after GC MB, before → after (exec-1; exec-2)", "heap used peak MB", "batches", "swept",
                "CPU % of " + CpuSplit.cores() + " cores: exec-1 / exec-2 / database / test JVM / other / idle", "lock waits / deadlocks", "note");
        for (MillionCase c : cases) {
            Measured m = c.measured();
            CpuSplit cpu = m.cpu();
            List<String> claims = new ArrayList<>();
            List<String> heaps = new ArrayList<>();
            for (int i = 0; i < c.claimStartMs().size(); i++) {
                claims.add(f1(c.claimStartMs().get(i)) + " → " + f1(c.claimEndMs().get(i)));
                heaps.add(f0(c.liveHeapBeforeMb().get(i)) + " → " + f0(c.liveHeapAfterMb().get(i)));
            }
            List<ProcessFigures> processes = m.drain().processes();
            t.row(c.label(), m.rows(), f2(m.seconds()), f0(m.rate()), String.join("; ", claims), f2(c.endOverStart()),
                    String.join("; ", heaps), processes.stream().map(p -> f0(p.gauges().peakHeapMb())).collect(Collectors.joining(" / ")),
                    processes.stream().mapToInt(ProcessFigures::batches).sum(), processes.stream().mapToInt(ProcessFigures::swept).sum(),
                    cpu.executors().stream().map(TextTable::pct).collect(Collectors.joining(" / ")) + " / " + pct(cpu.database()) + " / "
                            + pct(cpu.testJvm()) + " / " + pct(cpu.other()) + " / " + pct(cpu.idle()),
                    num(m.lockWaits()) + " / " + num(m.deadlocks()), m.note());
        }
        return "\n" + String.format(Locale.ROOT, "%,d-ROW CASES", MILLION_ROWS) + " (" + PROCESSES + " executor processes at the defaults,"
                + " empty files in one folder; claim: shardsweep_claim_duration_seconds{from=\"own\"} sampled every "
                + SAMPLE_EVERY.toMillis() + " ms, the mean over the first and the last " + f0(100 * CLAIM_WINDOW) + "% of each executor's"
                + " claims; live heap: heap used right after jcmd GC.run; end / start: the executors' means; target end / start <= 1.5,"
                + " live heap flat)\n" + t.render();
    }

    private static List<ExecutorProcess> startExecutors(FaultScenario scenario, TcpProxy toDatabase, Map<String, String> settings) {
        return toDatabase == null ? scenario.startExecutors(PROCESSES, settings) : scenario.startExecutorsVia(toDatabase, PROCESSES, settings);
    }

    /** {@code a=1,b=2} as settings. */
    private static Map<String, String> whatIf(String settings) {
        Map<String, String> parsed = new java.util.LinkedHashMap<>();
        for (String pair : settings.split(",")) {
            if (!pair.isBlank()) {
                String[] kv = pair.split("=", 2);
                parsed.put(kv[0].strip(), kv.length > 1 ? kv[1].strip() : "");
            }
        }
        return parsed;
    }

    private static String share(double seconds, double wall) {
        return f2(seconds) + " (" + pct(seconds / wall) + "%)";
    }

    private static final long LOADED = System.nanoTime();

    private static void progress(String line) {
        System.out.printf(Locale.ROOT, "[process bench %4.0fs] %s%n", (System.nanoTime() - LOADED) / 1e9, line);
    }
}
