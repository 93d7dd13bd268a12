package io.shardsweep.benchmark;

import io.shardsweep.fault.ExecutorProcess;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The meters of one executor process, read as Prometheus reads them: {@code /actuator/prometheus} on
 * its management port. The run-level timers ({@code shardsweep_claim_duration_seconds{from}},
 * {@code shardsweep_finish_duration_seconds}) and the deletion pool's task count are read before and
 * after a measurement ({@link #totals()}); the pool's busy threads and queue and the heap are sampled
 * during it ({@link Sampler}), since they are gauges.
 */
final class ExecutorMeters {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final String POOL = "shardsweep.delete";

    private final ExecutorProcess process;

    ExecutorMeters(ExecutorProcess process) {
        this.process = process;
    }

    ExecutorProcess process() {
        return process;
    }

    /** One line of a scrape. */
    record Sample(String name, Map<String, String> labels, double value) {
    }

    /** The samples of one scrape. */
    record Scrape(List<Sample> samples) {
        /** The sum of the samples of {@code name} whose labels include every {@code key, value} pair given; 0 when none. */
        double sum(String name, String... labelPairs) {
            double sum = 0;
            for (Sample s : samples) {
                if (s.name().equals(name) && matches(s.labels(), labelPairs)) {
                    sum += s.value();
                }
            }
            return sum;
        }

        boolean has(String name) {
            return samples.stream().anyMatch(s -> s.name().equals(name));
        }

        private static boolean matches(Map<String, String> labels, String... pairs) {
            for (int i = 0; i < pairs.length; i += 2) {
                if (!pairs[i + 1].equals(labels.get(pairs[i]))) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * A scrape of the named metric families only (all of them when none is named: Prometheus's
     * {@code includedNames}); fails with the reason.
     */
    Scrape scrape(String... includedNames) {
        StringBuilder uri = new StringBuilder("http://127.0.0.1:" + process.managementPort() + "/actuator/prometheus");
        for (int i = 0; i < includedNames.length; i++) {
            uri.append(i == 0 ? '?' : '&').append("includedNames=").append(URLEncoder.encode(includedNames[i], StandardCharsets.UTF_8));
        }
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(uri.toString())).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("scrape of " + process + " answered " + r.statusCode() + ": " + r.body());
            }
            return parse(r.body());
        } catch (IOException e) {
            throw new IllegalStateException("scrape of " + process + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while scraping " + process, e);
        }
    }

    /** The Prometheus text format, as Micrometer writes it: {@code name{k="v",...} value}. */
    static Scrape parse(String body) {
        List<Sample> samples = new ArrayList<>();
        for (String line : body.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            Map<String, String> labels = new HashMap<>();
            String name;
            if (brace >= 0 && brace < space) {
                name = line.substring(0, brace);
                int close = line.lastIndexOf('}');
                for (String pair : line.substring(brace + 1, close).split("\",")) {
                    int eq = pair.indexOf('=');
                    if (eq > 0) {
                        labels.put(pair.substring(0, eq).strip(), pair.substring(eq + 1).replace("\"", ""));
                    }
                }
            } else {
                name = line.substring(0, line.indexOf(' '));
            }
            String value = line.substring(space + 1).strip();
            samples.add(new Sample(name, labels, value.equals("NaN") ? Double.NaN : Double.parseDouble(value)));
        }
        return new Scrape(samples);
    }

    /** What the counting meters say at one moment. */
    record Totals(double claimSeconds, long claims, double overdueClaimSeconds, long overdueClaims, double finishSeconds,
                  long finishes, double finishWaitSeconds, long deleteTasks, int poolSize) {
        Totals minus(Totals before) {
            return new Totals(claimSeconds - before.claimSeconds, claims - before.claims,
                    overdueClaimSeconds - before.overdueClaimSeconds, overdueClaims - before.overdueClaims,
                    finishSeconds - before.finishSeconds, finishes - before.finishes, finishWaitSeconds - before.finishWaitSeconds,
                    deleteTasks - before.deleteTasks, poolSize);
        }
    }

    Totals totals() {
        // includedNames takes metric family names: a timer's without _sum/_count, a counter's without _total
        Scrape s = scrape("shardsweep_claim_duration_seconds", "shardsweep_finish_duration_seconds", "shardsweep_finish_wait_seconds",
                "executor_completed_tasks",
                "executor_pool_core_threads");
        if (!s.has("shardsweep_claim_duration_seconds_sum") || !s.has("executor_pool_core_threads")) {
            throw new IllegalStateException("the scrape of " + process + " lacks the claim timer or the deletion pool's meters: " + s.samples());
        }
        return new Totals(
                s.sum("shardsweep_claim_duration_seconds_sum", "from", "own"),
                (long) s.sum("shardsweep_claim_duration_seconds_count", "from", "own"),
                s.sum("shardsweep_claim_duration_seconds_sum", "from", "overdue"),
                (long) s.sum("shardsweep_claim_duration_seconds_count", "from", "overdue"),
                s.sum("shardsweep_finish_duration_seconds_sum"),
                (long) s.sum("shardsweep_finish_duration_seconds_count"),
                s.sum("shardsweep_finish_wait_seconds_sum"),
                (long) s.sum("executor_completed_tasks_total", "name", POOL),
                (int) s.sum("executor_pool_core_threads", "name", POOL));
    }

    /**
     * The heap used right after a full collection ({@code jcmd <pid> GC.run}, then a scrape): the live
     * heap, give or take what the scrape itself allocates.
     */
    double liveHeapMb() {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        try {
            Process gc = new ProcessBuilder(jcmd.toString(), Long.toString(process.pid()), "GC.run").redirectErrorStream(true).start();
            String out = new String(gc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!gc.waitFor(60, TimeUnit.SECONDS) || gc.exitValue() != 0) {
                throw new IllegalStateException("jcmd GC.run on " + process + " failed: " + out);
            }
        } catch (IOException e) {
            throw new IllegalStateException("jcmd GC.run on " + process + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while collecting " + process, e);
        }
        return scrape("jvm_memory_used_bytes").sum("jvm_memory_used_bytes", "area", "heap") / 1048576.0;
    }

    /** What the sampled gauges showed over a measurement, and the claim timer at each sample. */
    record Gauges(int samples, int failures, double meanBusyThreads, double meanQueued, double peakHeapMb, ClaimTrace claims) {
    }

    /**
     * The own-shard claim timer ({@code shardsweep_claim_duration_seconds{from="own"}}, count and sum)
     * at each sample, in order: the claim's mean latency over any stretch of a drain.
     */
    record ClaimTrace(long[] counts, double[] sums) {
        long claims() {
            return counts.length < 2 ? 0 : counts[counts.length - 1] - counts[0];
        }

        /**
         * The mean claim latency, in ms, over the first {@code share} of the traced claims ({@code
         * fromStart}) or over the last: from the first sample to the first one that many claims later,
         * or from the last sample back as far. NaN when fewer than 2 claims were traced.
         */
        double meanMs(double share, boolean fromStart) {
            long total = claims();
            if (total < 2) {
                return Double.NaN;
            }
            long wanted = Math.max(1, (long) Math.ceil(share * total));
            int last = counts.length - 1;
            if (fromStart) {
                for (int i = 1; i <= last; i++) {
                    if (counts[i] - counts[0] >= wanted) {
                        return 1000 * (sums[i] - sums[0]) / (counts[i] - counts[0]);
                    }
                }
            } else {
                for (int i = last - 1; i >= 0; i--) {
                    if (counts[last] - counts[i] >= wanted) {
                        return 1000 * (sums[last] - sums[i]) / (counts[last] - counts[i]);
                    }
                }
            }
            return Double.NaN;
        }
    }

    /**
     * Samples the deletion pool's busy threads ({@code executor_active_threads}) and queue, the heap
     * used ({@code jvm_memory_used_bytes{area="heap"}}, garbage included) and the own-shard claim
     * timer, of every executor, on one daemon thread.
     */
    static final class Sampler implements AutoCloseable {
        private final List<ExecutorMeters> meters;
        private final long periodMillis;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final int[] samples;
        private final int[] failures;
        private final double[] busy;
        private final double[] queued;
        private final double[] heap;
        private final List<List<double[]>> claimTrace = new ArrayList<>();
        private final Thread thread;

        Sampler(List<ExecutorMeters> meters, Duration period) {
            this.meters = List.copyOf(meters);
            this.periodMillis = period.toMillis();
            int n = meters.size();
            samples = new int[n];
            failures = new int[n];
            busy = new double[n];
            queued = new double[n];
            heap = new double[n];
            for (int i = 0; i < n; i++) {
                claimTrace.add(new ArrayList<>());
            }
            thread = new Thread(this::loop, "bench-executor-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        private void loop() {
            while (running.get()) {
                long next = System.nanoTime() + periodMillis * 1_000_000;
                for (int i = 0; i < meters.size(); i++) {
                    try {
                        Scrape s = meters.get(i).scrape("executor_active_threads", "executor_queued_tasks", "jvm_memory_used_bytes",
                                "shardsweep_claim_duration_seconds");
                        synchronized (this) {
                            samples[i]++;
                            claimTrace.get(i).add(new double[] {
                                    s.sum("shardsweep_claim_duration_seconds_count", "from", "own"),
                                    s.sum("shardsweep_claim_duration_seconds_sum", "from", "own")});
                            busy[i] += s.sum("executor_active_threads", "name", POOL);
                            queued[i] += s.sum("executor_queued_tasks", "name", POOL);
                            heap[i] = Math.max(heap[i], s.sum("jvm_memory_used_bytes", "area", "heap"));
                        }
                    } catch (RuntimeException e) {
                        synchronized (this) {
                            failures[i]++;
                        }
                    }
                }
                long sleep = (next - System.nanoTime()) / 1_000_000;
                if (sleep > 0) {
                    try {
                        Thread.sleep(sleep);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }

        /** Stops sampling; the gauges of each executor, in the order given. */
        List<Gauges> stop() {
            close();
            List<Gauges> out = new ArrayList<>();
            synchronized (this) {
                for (int i = 0; i < meters.size(); i++) {
                    int n = Math.max(1, samples[i]);
                    List<double[]> trace = claimTrace.get(i);
                    long[] counts = new long[trace.size()];
                    double[] sums = new double[trace.size()];
                    for (int k = 0; k < trace.size(); k++) {
                        counts[k] = (long) trace.get(k)[0];
                        sums[k] = trace.get(k)[1];
                    }
                    out.add(new Gauges(samples[i], failures[i], busy[i] / n, queued[i] / n, heap[i] / 1048576.0,
                            new ClaimTrace(counts, sums)));
                }
            }
            return out;
        }

        @Override
        public void close() {
            running.set(false);
            thread.interrupt();
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
