package io.shardsweep.benchmark;

import com.sun.management.GarbageCollectionNotificationInfo;
import io.shardsweep.claim.ClaimMapper;
import io.shardsweep.claim.ClaimedBatch;
import io.shardsweep.claim.InstanceIdentity;
import io.shardsweep.claim.ShardAssignment;
import io.shardsweep.claim.TaskClaimer;
import io.shardsweep.config.ShardSweepProperties;
import io.shardsweep.finish.FinishMapper;
import io.shardsweep.finish.FinishSummary;
import io.shardsweep.finish.TaskFinisher;
import io.shardsweep.storage.TaskResult;
import io.shardsweep.storage.filesystem.DeletionOutcome;
import io.shardsweep.storage.filesystem.FileDeleter;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * Measuring instruments of the benchmark. None of them changes what the main code does: the timing
 * decorators delegate every call to the context's own (transactional) beans and only read the clock
 * around it.
 */
final class Instruments {

    private Instruments() {
    }

    /** One timed call: when in the run (sequence per shard), how long, how many rows. */
    record Sample(int seq, long nanos, int rows) {
    }

    /** Samples per shard index, in call order. */
    static final class Samples {
        private final Map<Integer, List<Sample>> byShard = new ConcurrentHashMap<>();

        void add(int shard, long nanos, int rows) {
            List<Sample> list = byShard.computeIfAbsent(shard, s -> Collections.synchronizedList(new ArrayList<>()));
            synchronized (list) {
                list.add(new Sample(list.size(), nanos, rows));
            }
        }

        /** Samples of non-empty calls (a claim that found nothing ends the run: it is not a batch). */
        List<List<Sample>> nonEmptyPerShard() {
            List<List<Sample>> out = new ArrayList<>();
            for (List<Sample> list : byShard.values()) {
                synchronized (list) {
                    out.add(list.stream().filter(s -> s.rows() > 0).toList());
                }
            }
            return out;
        }

        /** The final, empty claims (the "drained" check), one per shard. */
        List<Sample> emptyCalls() {
            List<Sample> out = new ArrayList<>();
            for (List<Sample> list : byShard.values()) {
                synchronized (list) {
                    list.stream().filter(s -> s.rows() == 0).forEach(out::add);
                }
            }
            return out;
        }

        long totalNanos() {
            long sum = 0;
            for (List<Sample> list : byShard.values()) {
                synchronized (list) {
                    for (Sample s : list) {
                        sum += s.nanos();
                    }
                }
            }
            return sum;
        }

        int calls() {
            return byShard.values().stream().mapToInt(List::size).sum();
        }

        /**
         * Median latency (ms) of the first {@code n} and the last {@code n} non-empty calls of each shard,
         * pooled over the shards. {@code n} is at most a third of the shortest shard's calls, so that
         * start and end never overlap.
         */
        StartEnd startEnd(int wanted) {
            List<List<Sample>> shards = nonEmptyPerShard();
            int shortest = shards.stream().mapToInt(List::size).min().orElse(0);
            int n = Math.max(1, Math.min(wanted, shortest / 3));
            if (shortest == 0) {
                return new StartEnd(0, Double.NaN, Double.NaN);
            }
            List<Long> first = new ArrayList<>();
            List<Long> last = new ArrayList<>();
            for (List<Sample> list : shards) {
                list.subList(0, n).forEach(s -> first.add(s.nanos()));
                list.subList(list.size() - n, list.size()).forEach(s -> last.add(s.nanos()));
            }
            return new StartEnd(n, median(first) / 1e6, median(last) / 1e6);
        }

        double medianMs() {
            List<Long> all = new ArrayList<>();
            nonEmptyPerShard().forEach(l -> l.forEach(s -> all.add(s.nanos())));
            return all.isEmpty() ? Double.NaN : median(all) / 1e6;
        }
    }

    record StartEnd(int n, double startMs, double endMs) {
        double ratio() {
            return endMs / startMs;
        }
    }

    static double median(List<? extends Number> values) {
        List<Double> sorted = new ArrayList<>();
        values.forEach(v -> sorted.add(v.doubleValue()));
        Collections.sort(sorted);
        int size = sorted.size();
        if (size == 0) {
            return Double.NaN;
        }
        return size % 2 == 1 ? sorted.get(size / 2) : (sorted.get(size / 2 - 1) + sorted.get(size / 2)) / 2.0;
    }

    /** Times {@link TaskClaimer#claim} of the context's (transactional) bean, commit included. */
    static final class TimedClaimer extends TaskClaimer {
        private final TaskClaimer delegate;
        private final Map<String, Integer> shardOfToken;
        final Samples samples = new Samples();

        TimedClaimer(TaskClaimer delegate, ClaimMapper mapper, Clock clock, ShardSweepProperties properties,
                     InstanceIdentity identity, Map<String, Integer> shardOfToken) {
            super(mapper, clock, io.shardsweep.claim.LeaseSettings.from(properties), identity);
            this.delegate = delegate;
            this.shardOfToken = shardOfToken;
        }

        @Override
        public ClaimedBatch claim(ShardAssignment shard, int limit) {
            long t0 = System.nanoTime();
            ClaimedBatch batch = delegate.claim(shard, limit);
            samples.add(shard.index(), System.nanoTime() - t0, batch.size());
            shardOfToken.put(batch.token(), shard.index());
            return batch;
        }

        @Override
        public String owner() {
            return delegate.owner();
        }

        @Override
        public ClaimedBatch claimOverdue(ShardAssignment shard, java.time.Duration overdueAfter, int limit) {
            return delegate.claimOverdue(shard, overdueAfter, limit);
        }

        @Override
        public Preview preview(ShardAssignment shard, int limit, java.time.Duration sweepAfter) {
            return delegate.preview(shard, limit, sweepAfter);
        }
    }

    /** Times {@link TaskFinisher#finish} of the context's (transactional) bean, commit included. */
    static final class TimedFinisher extends TaskFinisher {
        private final TaskFinisher delegate;
        final Samples samples = new Samples();
        /** The batch token's shard, so that finish samples are kept per shard as claims are. */
        private final Map<String, Integer> shardOfToken;

        TimedFinisher(TaskFinisher delegate, FinishMapper mapper, Clock clock, ShardSweepProperties properties,
                      PlatformTransactionManager transactions, Map<String, Integer> shardOfToken) {
            super(mapper, clock, io.shardsweep.finish.RetrySettings.from(properties), transactions);
            this.delegate = delegate;
            this.shardOfToken = shardOfToken;
        }

        @Override
        public FinishSummary finish(ClaimedBatch batch, List<TaskResult> results) {
            long t0 = System.nanoTime();
            FinishSummary summary = delegate.finish(batch, results);
            samples.add(shardOfToken.getOrDefault(batch.token(), -1), System.nanoTime() - t0, results.size());
            return summary;
        }
    }

    /** Sums the time the delete pool spends inside the real (confined) deleter. */
    static final class TimedDeleter implements FileDeleter {
        private final FileDeleter delegate;
        final AtomicLong nanos = new AtomicLong();
        final AtomicLong calls = new AtomicLong();

        TimedDeleter(FileDeleter delegate) {
            this.delegate = delegate;
        }

        @Override
        public DeletionOutcome delete(String relativePath) throws IOException {
            return timed(delegate::delete, relativePath);
        }

        @Override
        public Sequence sequence() {
            Sequence real = delegate.sequence();
            return Sequence.of(relativePath -> timed(real, relativePath), real::close);
        }

        private DeletionOutcome timed(Sequence deletion, String relativePath) throws IOException {
            long t0 = System.nanoTime();
            try {
                return deletion.delete(relativePath);
            } finally {
                nanos.addAndGet(System.nanoTime() - t0);
                calls.incrementAndGet();
            }
        }
    }

    /**
     * Heap during one case, measured two ways:
     * <ul>
     *   <li>{@code peakUsedMb}: a daemon thread samples {@code MemoryMXBean.getHeapMemoryUsage().getUsed()}
     *       every 5 ms (garbage included, so it mostly shows the young generation's size);</li>
     *   <li>{@code peakLiveMb}: the largest heap occupancy right after a GC during the case, from the
     *       collectors' notifications: what the case keeps alive. This one grows if a run holds
     *       backlog-sized state.</li>
     * </ul>
     * Each case starts after a {@code System.gc()}.
     */
    static final class HeapProbe implements AutoCloseable {
        private static final Set<String> HEAP_POOLS = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName).collect(Collectors.toSet());
        private final AtomicLong peakUsed = new AtomicLong();
        private final AtomicLong peakLive = new AtomicLong(-1);
        private final AtomicLong gcs = new AtomicLong();
        private final long startLive;
        private final Thread sampler;
        private final NotificationListener listener;
        private volatile boolean running = true;

        HeapProbe() {
            System.gc();
            startLive = heapUsed();
            listener = (Notification n, Object handback) -> {
                if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
                    return;
                }
                GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
                long after = 0;
                for (Map.Entry<String, MemoryUsage> e : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                    if (HEAP_POOLS.contains(e.getKey())) {
                        after += e.getValue().getUsed();
                    }
                }
                long live = after;
                peakLive.accumulateAndGet(live, Math::max);
                gcs.incrementAndGet();
            };
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                ((NotificationEmitter) gc).addNotificationListener(listener, null, null);
            }
            sampler = new Thread(() -> {
                while (running) {
                    peakUsed.accumulateAndGet(heapUsed(), Math::max);
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "bench-heap-sampler");
            sampler.setDaemon(true);
            sampler.start();
        }

        private static long heapUsed() {
            return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        }

        Heap stop() {
            running = false;
            sampler.interrupt();
            try {
                sampler.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            peakUsed.accumulateAndGet(heapUsed(), Math::max);
            close();
            return new Heap(startLive / 1048576.0, peakUsed.get() / 1048576.0,
                    peakLive.get() < 0 ? Double.NaN : peakLive.get() / 1048576.0, gcs.get());
        }

        @Override
        public void close() {
            running = false;
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                try {
                    ((NotificationEmitter) gc).removeNotificationListener(listener);
                } catch (Exception ignored) {
                    // already removed
                }
            }
        }
    }

    record Heap(double startLiveMb, double peakUsedMb, double peakLiveMb, long gcs) {
    }

    /**
     * The server's lock counters and purge backlog. Global counters: on a shared server they include
     * other sessions' work (the benchmark prints the other sessions it saw busy).
     */
    static final class ServerCounters {
        private final JdbcTemplate jdbc;

        ServerCounters(JdbcTemplate jdbc) {
            this.jdbc = jdbc;
        }

        Map<String, Long> read() {
            Map<String, Long> values = new HashMap<>();
            jdbc.query("SHOW GLOBAL STATUS WHERE Variable_name IN ('Innodb_row_lock_waits', 'Innodb_row_lock_time', "
                    + "'Innodb_deadlocks', 'Innodb_history_list_length')", rs -> {
                values.put(rs.getString(1), parse(rs.getString(2)));
            });
            if (!values.containsKey("Innodb_deadlocks")) { // MySQL: no status variable, but the InnoDB metric
                try {
                    jdbc.query("SELECT NAME, COUNT FROM information_schema.INNODB_METRICS WHERE NAME IN "
                            + "('lock_deadlocks', 'trx_rseg_history_len')", rs -> {
                        values.put(rs.getString(1).equals("lock_deadlocks") ? "Innodb_deadlocks" : "Innodb_history_list_length",
                                rs.getLong(2));
                    });
                } catch (RuntimeException ignored) {
                    // not available: reported as n/a
                }
            }
            return values;
        }

        /** Sessions of other schemas doing something right now: a hint that global counters are shared. */
        int otherBusySessions(String ownSchema) {
            Integer n = jdbc.queryForObject("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE COMMAND NOT IN ('Sleep', 'Daemon', 'Binlog Dump') "
                    + "AND ID <> CONNECTION_ID() AND (DB IS NULL OR DB <> ?) AND USER <> 'system user' AND USER <> 'event_scheduler'",
                    Integer.class, ownSchema);
            return n == null ? 0 : n;
        }

        private static long parse(String value) {
            try {
                return Long.parseLong(value.trim());
            } catch (NumberFormatException e) {
                return -1;
            }
        }
    }

    static long delta(Map<String, Long> before, Map<String, Long> after, String name) {
        Long a = after.get(name);
        Long b = before.get(name);
        return a == null || b == null ? Long.MIN_VALUE : a - b;
    }

    /** CPU seconds of this JVM and of the database server process (if it runs on this machine). */
    static final class Cpu {
        private final long dbPid;

        Cpu(JdbcTemplate jdbc) {
            long pid = -1;
            try {
                String pidFile = jdbc.queryForObject("SELECT @@pid_file", String.class);
                String dataDir = jdbc.queryForObject("SELECT @@datadir", String.class);
                Path file = Path.of(pidFile);
                if (!file.isAbsolute()) {
                    file = Path.of(dataDir).resolve(pidFile);
                }
                pid = Long.parseLong(Files.readString(file).trim());
                if (!Files.isReadable(Path.of("/proc/" + pid + "/stat"))) {
                    pid = -1;
                }
            } catch (RuntimeException | IOException e) {
                pid = -1;
            }
            this.dbPid = pid;
        }

        boolean dbKnown() {
            return dbPid > 0;
        }

        double[] now() {
            double jvm = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                    .getProcessCpuTime() / 1e9;
            long dbTicks = dbPid > 0 ? ProcCpu.processTicks(dbPid) : -1;
            return new double[] {jvm, dbTicks < 0 ? Double.NaN : dbTicks / 100.0};
        }
    }

    /**
     * CPU from /proc: the machine's busy and total ticks (all cores), and this JVM's threads by name
     * group (Java and native threads alike: GC and JIT threads too). Linux only; empty elsewhere.
     */
    static final class ProcCpu {
        static long[] machineTicks() {
            try {
                String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
                long user = Long.parseLong(f[1]), nice = Long.parseLong(f[2]), system = Long.parseLong(f[3]);
                long idle = Long.parseLong(f[4]), iowait = Long.parseLong(f[5]), irq = Long.parseLong(f[6]);
                long softirq = Long.parseLong(f[7]), steal = Long.parseLong(f[8]);
                long busy = user + nice + system + irq + softirq + steal;
                return new long[] {busy, busy + idle + iowait};
            } catch (IOException | RuntimeException e) {
                return new long[] {0, 0};
            }
        }

        /** Ticks (1/100 s) per thread id of this JVM, with the thread's name group. */
        static Map<String, Long> jvmThreadTicks() {
            return threadTicks("self");
        }

        /**
         * Ticks (1/100 s) per thread id of process {@code pid} ("self" for this JVM), with the thread's
         * name group; empty when the process is gone.
         */
        static Map<String, Long> threadTicks(String pid) {
            Map<String, Long> out = new HashMap<>();
            try (var tasks = Files.list(Path.of("/proc", pid, "task"))) {
                tasks.forEach(task -> {
                    try {
                        String stat = Files.readString(task.resolve("stat"));
                        String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                        out.put(task.getFileName() + "/" + group(comm), ticks(stat));
                    } catch (IOException | RuntimeException e) {
                        // the thread ended meanwhile
                    }
                });
            } catch (IOException | RuntimeException e) {
                return out;
            }
            return out;
        }

        /** Ticks (1/100 s) of process {@code pid}, its ended threads included; -1 when it cannot be read. */
        static long processTicks(long pid) {
            try {
                return ticks(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
            } catch (IOException | RuntimeException e) {
                return -1;
            }
        }

        /** utime + stime of a /proc stat line. */
        private static long ticks(String stat) {
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // after "pid (comm) ": f[0] = state (field 3), so utime (14) is f[11] and stime (15) f[12]
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        }

        static String group(String comm) {
            if (comm.startsWith("shardsweep-dele")) {
                return "delete pool";
            }
            if (comm.startsWith("shardsweep-fini")) {
                return "finish pool";
            }
            if (comm.startsWith("bench-instance")) {
                return "instance threads";
            }
            if (comm.startsWith("xxl-job, JobThr")) { // an executor process's job thread: its runs' claims and finishes
                return "job thread";
            }
            if (comm.startsWith("GC Thread") || comm.startsWith("G1 ")) {
                return "GC";
            }
            if (comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler")) {
                return "JIT";
            }
            return "other JVM";
        }

        /** Per group: ticks used between the two snapshots (threads that ended meanwhile are lost). */
        static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> after) {
            Map<String, Long> out = new HashMap<>();
            after.forEach((key, ticks) -> {
                String group = key.substring(key.indexOf('/') + 1);
                out.merge(group, ticks - before.getOrDefault(key, 0L), Long::sum);
            });
            return out;
        }
    }
}
