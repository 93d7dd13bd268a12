package io.shardsweep.benchmark;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where the machine's CPU went between two moments, as shares of all its cores, from {@code /proc}:
 * each executor process (and its threads by name group: job thread, delete pool, GC, JIT, other JVM),
 * the database server (when it runs on this machine), this test JVM, every other process, idle.
 */
record CpuSplit(double seconds, List<Double> executors, List<Map<String, Double>> executorGroups, double database,
                double testJvm, double machineBusy) {

    /** Share of all cores used by processes that are neither an executor, nor the database, nor this JVM. */
    double other() {
        double known = testJvm + (Double.isNaN(database) ? 0 : database);
        for (double e : executors) {
            known += e;
        }
        return Math.max(0, machineBusy - known); // 10 ms ticks: a short measurement can dip below 0
    }

    double idle() {
        return 1 - machineBusy;
    }

    static int cores() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** Takes the snapshots of one set of processes. */
    static final class Meter {
        private final Instruments.Cpu cpu;
        private final List<Long> executorPids;

        Meter(Instruments.Cpu cpu, List<Long> executorPids) {
            this.cpu = cpu;
            this.executorPids = List.copyOf(executorPids);
        }

        record Snapshot(long nanos, long[] machine, double[] jvmAndDb, List<Long> executorTicks, List<Map<String, Long>> executorThreads) {
        }

        Snapshot take() {
            List<Long> ticks = new ArrayList<>();
            List<Map<String, Long>> threads = new ArrayList<>();
            for (long pid : executorPids) {
                threads.add(Instruments.ProcCpu.threadTicks(Long.toString(pid)));
                ticks.add(Instruments.ProcCpu.processTicks(pid));
            }
            return new Snapshot(System.nanoTime(), Instruments.ProcCpu.machineTicks(), cpu.now(), ticks, threads);
        }

        CpuSplit since(Snapshot before) {
            Snapshot after = take();
            double seconds = (after.nanos() - before.nanos()) / 1e9;
            double all = seconds * cores();
            List<Double> executors = new ArrayList<>();
            List<Map<String, Double>> groups = new ArrayList<>();
            for (int i = 0; i < executorPids.size(); i++) {
                long b = before.executorTicks().get(i);
                long a = after.executorTicks().get(i);
                executors.add(a < 0 || b < 0 ? Double.NaN : (a - b) / 100.0 / all);
                Map<String, Double> shares = new java.util.TreeMap<>();
                Instruments.ProcCpu.delta(before.executorThreads().get(i), after.executorThreads().get(i))
                        .forEach((group, t) -> shares.put(group, t / 100.0 / all));
                groups.add(shares);
            }
            long busy = after.machine()[0] - before.machine()[0];
            long total = after.machine()[1] - before.machine()[1];
            return new CpuSplit(seconds, executors, groups, (after.jvmAndDb()[1] - before.jvmAndDb()[1]) / all,
                    (after.jvmAndDb()[0] - before.jvmAndDb()[0]) / all, total == 0 ? Double.NaN : busy / (double) total);
        }
    }
}
