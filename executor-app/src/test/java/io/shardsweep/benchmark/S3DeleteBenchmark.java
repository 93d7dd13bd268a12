package io.shardsweep.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.shardsweep.FixedThreadPool;
import io.shardsweep.ShardSweepApplication;
import io.shardsweep.claim.LeaseKeeper;
import io.shardsweep.claim.ShardAssignment;
import io.shardsweep.claim.TaskClaimer;
import io.shardsweep.config.ShardSweepProperties;
import io.shardsweep.finish.TaskFinisher;
import io.shardsweep.run.CleanupRunner;
import io.shardsweep.run.RunLog;
import io.shardsweep.run.RunParameters;
import io.shardsweep.run.RunRegistry;
import io.shardsweep.run.RunSummary;
import io.shardsweep.storage.StorageBackend;
import io.shardsweep.storage.filesystem.ConfinedFileDeleter;
import io.shardsweep.storage.filesystem.FileSystemBackend;
import io.shardsweep.storage.s3.S3Backend;
import io.shardsweep.storage.s3.S3Properties;
import io.shardsweep.storage.s3.S3RequestMetrics;
import io.shardsweep.testsupport.S3TestServer;
import io.shardsweep.testsupport.TcpProxy;
import io.shardsweep.testsupport.TestDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.core.retry.RetryTemplate;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;

/**
 * Object deletes through a latency-adding TCP proxy (issue 10): ShardSweep's batch path against a
 * per-object path, at added round trips of 0, 2 and 10 ms. Prints tables; asserts only correctness
 * (every row in history exactly once, no object left in any benchmark bucket by ListObjectsV2).
 * Results: docs/performance.md, "Object storage".
 *
 * <p><b>Run</b> (about 20 to 25 minutes on 2 shared cores with the defaults; {@code -Dbench.scale=0.1} for a
 * 4-minute smoke run):
 * <pre>
 * mvn -B -o -pl executor-app -Pbenchmark test -Dtest=S3DeleteBenchmark -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 * Options: {@code -Dbench.s3.keys=10000} the key counts of stored objects, {@code -Dbench.s3.absentKeys=10000,100000}
 * those of absent keys, {@code -Dbench.s3.roundTrips=0,2,10} the added round trips in ms,
 * {@code -Dbench.s3.perObjectSample=5000} the keys the per-object path deletes when a case has more than 10,000
 * (its rate is measured on them), {@code -Dbench.s3.whatIf=true} runs the tuning variants on stored objects
 * too, {@code -Dbench.s3.whatIfRepeat=2} their rounds, {@code -Dbench.scale=0.1} multiplies every count.
 *
 * <p><b>What runs</b>, in one application context with {@code shardsweep.storage.type=s3} and every S3 and
 * batch setting at its default, its endpoint a {@link TcpProxy} in front of the S3Mock child of
 * {@link S3TestServer}:
 * <ol>
 *   <li><b>ShardSweep</b>: the context's own {@link CleanupRunner} and {@link S3Backend}, one run of shard
 *       {@code ALL} with the default claim batch ({@code shardsweep.batch-size}): claim, DeleteObjects, finish.</li>
 *   <li><b>per-object</b>: the same claim and finish, with {@link PerObjectS3Backend}: one DeleteObject per
 *       row on as many threads as {@code shardsweep.s3.concurrent-requests}, with the context's S3 client.</li>
 *   <li><b>S3Mock's own rate</b>: one DeleteObjects of 1,000 keys from one thread, straight to the server, warm;
 *       at the start and at the end of the run.</li>
 *   <li><b>filesystem</b>: the same runner with a {@link FileSystemBackend} (a delete pool of as many threads as
 *       the concurrent requests) over as many empty files as rows: the rate the S3 drains are compared with.</li>
 *   <li><b>what if</b>: the batch in one request (as before the spread) or over the concurrent requests, with the
 *       default claim batch or 1,000.</li>
 * </ol>
 * Each is run on two backlogs. <b>Stored objects</b>: seeded by PutObject (empty bodies, 8 threads, straight to the
 * server; timed and printed apart, never part of a rate), which S3Mock reads and removes on disk one key after
 * another, at 1 to 7 ms a key on this machine: the server is the limit. <b>Absent keys</b>: rows whose keys were
 * never written, which S3 answers as Deleted too; S3Mock only looks them up, at about 0.1 ms a key, so these
 * drains show what ShardSweep itself does with the round trip, as against a fast server.
 *
 * <p>S3Mock keeps a bucket's whole key list in one JSON file that it reads and rewrites on every put and every
 * delete, under one lock for all buckets, so its cost per key grows with the bucket: one bucket of 100,000
 * objects seeded at about 15 objects/s. The keys are therefore spread over buckets of {@value #KEYS_PER_BUCKET}
 * in id order (all of them in {@code shardsweep.s3.buckets}), so that a claimed batch still falls in one bucket,
 * or two. 100,000 stored objects are out of reach even so: seeding runs at 70 to 270 PutObject/s here, 6 to 20
 * minutes for each of the eight drains.
 */
@Tag("benchmark")
@SpringBootTest(classes = ShardSweepApplication.class, properties = {
        "xxl.job.executor.enabled=false",
        "spring.main.keep-alive=false",
        "shardsweep.storage.type=s3",
        "shardsweep.intake.api-token=bench-intake-token-0123456789abcdef0123"})
class S3DeleteBenchmark {

    private static final double SCALE = Double.parseDouble(System.getProperty("bench.scale", "1"));
    private static final List<Integer> KEYS = ints(System.getProperty("bench.s3.keys", "10000")).stream()
            .map(S3DeleteBenchmark::scaled).toList();
    private static final List<Duration> ROUND_TRIPS = ints(System.getProperty("bench.s3.roundTrips", "0,2,10")).stream()
            .map(Duration::ofMillis).toList();
    private static final List<Integer> ABSENT_KEYS = ints(System.getProperty("bench.s3.absentKeys", "10000,100000")).stream()
            .map(S3DeleteBenchmark::scaled).toList();
    private static final int SAMPLE_ABOVE = scaled(10_000);
    private static final int PER_OBJECT_SAMPLE = scaled(Integer.getInteger("bench.s3.perObjectSample", 5000));
    private static final boolean WHAT_IF = Boolean.getBoolean("bench.s3.whatIf");
    private static final int WHAT_IF_REPEAT = Integer.getInteger("bench.s3.whatIfRepeat", 2);
    private static final int WARM_UP = scaled(1000);
    static final int KEYS_PER_BUCKET = 1000;
    private static final int RAW_BATCH = 1000;
    private static final int RAW_ROUNDS = 3;
    private static final int SEED_THREADS = 8;
    private static final Duration RUN_TIMEOUT = Duration.ofHours(1);

    private static final S3TestServer SERVER = S3TestServer.get();
    private static final TcpProxy PROXY = proxy();
    private static final List<String> BUCKETS = buckets();

    @Autowired JdbcTemplate jdbc;
    @Autowired CleanupRunner runner;
    @Autowired S3Client appClient;
    @Autowired S3Properties s3;
    @Autowired ShardSweepProperties properties;
    @Autowired MeterRegistry meters;
    @Autowired TaskClaimer claimer;
    @Autowired TaskFinisher finisher;
    @Autowired LeaseKeeper leases;
    @Autowired @Qualifier("databaseRetry") RetryTemplate databaseRetry;
    @Autowired RunRegistry registry;
    @Autowired ApplicationEventPublisher events;
    @Autowired Clock clock;
    @Autowired @Qualifier("s3RequestPool") ExecutorService requestPool;
    @Autowired @Qualifier("finishPool") ExecutorService finishPool;

    private final S3Client direct = SERVER.newClient();
    private final List<String> out = new ArrayList<>();

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry registry) {
        TestDatabase.registerFreshSchema(registry, "s3bench");
        SERVER.registerAsEndpointVia(PROXY, registry, BUCKETS.toArray(String[]::new));
    }

    @AfterAll
    static void closeProxy() {
        PROXY.close();
    }

    @Test
    void prints_batch_and_per_object_delete_rates_at_added_round_trips_of_0_2_and_10_ms() throws Exception {
        ExecutorService perObjectPool = FixedThreadPool.started("bench-per-object", s3.concurrentRequests());
        ExecutorService deletePool = FixedThreadPool.started("bench-fs-delete", s3.concurrentRequests());
        Path fsRoot = Files.createTempDirectory("s3bench-fs").toRealPath();
        try {
            CleanupRunner perObject = runner(new PerObjectS3Backend(appClient, s3.buckets(), perObjectPool));
            CleanupRunner fileSystem = runner(new FileSystemBackend(new ConfinedFileDeleter(fsRoot), deletePool, 16));
            RunParameters defaults = new RunParameters(properties.batchSize(), RUN_TIMEOUT, false);

            log("server %s (S3Mock %s) behind a TCP proxy; %d cores; batch %d (shardsweep.batch-size), %d keys per request,"
                            + " %d concurrent requests, per-object on %d threads; %d buckets of up to %d keys",
                    SERVER.kind(), System.getProperty(S3TestServer.PROP_S3MOCK_JAR, "?").replaceAll(".*s3mock-(.*)-exec.jar", "$1"),
                    Runtime.getRuntime().availableProcessors(), properties.batchSize(), s3.keysPerRequest(),
                    s3.concurrentRequests(), s3.concurrentRequests(), BUCKETS.size(), KEYS_PER_BUCKET);

            // JIT, connections, the claim statements' plans: not reported
            drainS3("warm-up ShardSweep", runner, defaults, Backlog.STORED, WARM_UP, Duration.ZERO);
            drainS3("warm-up per-object", perObject, defaults, Backlog.STORED, WARM_UP, Duration.ZERO);

            List<Double> raw = new ArrayList<>(List.of(rawDeleteObjectsRate(Backlog.STORED)));
            double rawAbsent = rawDeleteObjectsRate(Backlog.ABSENT);
            Map<Integer, Double> fsRate = new LinkedHashMap<>();
            for (int keys : Stream.concat(KEYS.stream(), ABSENT_KEYS.stream()).distinct().sorted().toList()) {
                fsRate.put(keys, drainFiles(fileSystem, defaults, fsRoot, keys));
            }

            Results stored = measure(Backlog.STORED, KEYS, perObject, defaults);
            Results absent = measure(Backlog.ABSENT, ABSENT_KEYS, perObject, defaults);
            List<String> whatIf = new ArrayList<>(whatIf(Backlog.ABSENT, ABSENT_KEYS.get(0), defaults));
            if (WHAT_IF) {
                whatIf.addAll(whatIf(Backlog.STORED, KEYS.get(0), defaults));
            }
            raw.add(rawDeleteObjectsRate(Backlog.STORED));

            table(Backlog.STORED, stored, fsRate);
            table(Backlog.ABSENT, absent, fsRate);
            out.add("");
            out.add(String.format(Locale.ROOT, "S3Mock's own rate, one DeleteObjects of %,d keys from one thread, no proxy, warm (median of %d):"
                    + " stored objects %s keys/s (at the start and at the end of the run); absent keys %,.0f keys/s",
                    RAW_BATCH, RAW_ROUNDS, raw.stream().map(r -> String.format(Locale.ROOT, "%,.0f", r)).toList(), rawAbsent));
            for (int keys : stored.batch().keySet()) {
                double rate = Results.baseRate(stored.batch().get(keys));
                out.add(String.format(Locale.ROOT, "stored, %,d keys: ShardSweep at +0 ms = %.2f to %.2f of S3Mock's own rate", keys,
                        rate / raw.stream().mapToDouble(Double::doubleValue).max().orElseThrow(),
                        rate / raw.stream().mapToDouble(Double::doubleValue).min().orElseThrow()));
            }
            out.addAll(whatIf);
        } finally {
            PROXY.setRoundTrip(Duration.ZERO);
            perObjectPool.shutdownNow();
            deletePool.shutdownNow();
            Files.deleteIfExists(fsRoot);
            direct.close();
            out.forEach(line -> System.out.println("BENCHMARK " + line));
        }
    }

    // ---------------------------------------------------------------- the cases

    /** The objects of a backlog: on S3Mock's disk, or never written (S3 answers Deleted for those too). */
    enum Backlog {
        /** Seeded by PutObject (empty bodies) before each drain: S3Mock reads and removes each one on disk. */
        STORED("stored objects"),
        /** Rows whose keys were never written: S3Mock looks each up in the bucket's key list and answers Deleted. */
        ABSENT("absent keys");

        final String label;

        Backlog(String label) {
            this.label = label;
        }
    }

    /** Per key count, the drains in the order run: each round trip, then the first one again. */
    record Results(Map<Integer, List<Drain>> batch, Map<Integer, List<Drain>> single) {

        /** The first drain at {@code roundTrip}. */
        static Drain at(List<Drain> drains, Duration roundTrip) {
            return drains.stream().filter(d -> d.roundTrip().equals(roundTrip)).findFirst().orElseThrow();
        }

        /** The base of "vs its 0 ms": the mean of the drains at the first round trip (run first and last). */
        static double baseRate(List<Drain> drains) {
            return drains.stream().filter(d -> d.roundTrip().equals(ROUND_TRIPS.get(0))).mapToDouble(Drain::rate).average().orElseThrow();
        }
    }

    /**
     * ShardSweep, then the per-object path, at each round trip, then at the first round trip again: the load
     * that other work puts on the machine drifts, and the repeat shows by how much.
     */
    private Results measure(Backlog backlog, List<Integer> keyCounts, CleanupRunner perObject, RunParameters parameters) {
        Map<Integer, List<Drain>> batch = new LinkedHashMap<>();
        Map<Integer, List<Drain>> single = new LinkedHashMap<>();
        List<Duration> order = new ArrayList<>(ROUND_TRIPS);
        order.add(ROUND_TRIPS.get(0));
        for (int keys : keyCounts) {
            for (Duration rt : order) {
                batch.computeIfAbsent(keys, k -> new ArrayList<>()).add(drainS3("ShardSweep", runner, parameters, backlog, keys, rt));
                int sampled = keys > SAMPLE_ABOVE ? Math.min(keys, PER_OBJECT_SAMPLE) : keys;
                single.computeIfAbsent(keys, k -> new ArrayList<>()).add(drainS3("per-object", perObject, parameters, backlog, sampled, rt));
            }
        }
        return new Results(batch, single);
    }

    /** One drain of {@code keys} fresh rows (and objects, if stored) at the given added round trip; seeding is timed apart. */
    private Drain drainS3(String path, CleanupRunner drainer, RunParameters parameters, Backlog backlog, int keys, Duration roundTrip) {
        List<Long> ids = backlog(backlog, keys);
        long requestsBefore = requests().count();
        double keysBefore = requests().totalAmount();
        PROXY.setRoundTrip(roundTrip);
        long t0 = System.nanoTime();
        RunSummary summary = drainer.run(ShardAssignment.ALL, parameters, RunLog.NONE);
        double seconds = (System.nanoTime() - t0) / 1e9;
        PROXY.setRoundTrip(Duration.ZERO);
        long requests = requests().count() - requestsBefore;
        double keysSent = requests().totalAmount() - keysBefore;

        assertThat(summary.deleted()).as("%s: rows deleted", path).isEqualTo(keys);
        assertEveryRowInHistoryOnce(ids);
        assertThat(bucketsWithObjects()).as("%s: buckets with objects left after the drain", path).isZero();
        Drain drain = new Drain(keys, roundTrip, seconds, summary.batches(), requests, requests == 0 ? 0 : keysSent / requests);
        log("%-18s %-14s %,7d keys, +%2d ms: %6.2f s, %,6.0f rows/s, %d batches (%.1f ms each)%s", path, backlog.label, keys,
                roundTrip.toMillis(), seconds, drain.rate(), summary.batches(), drain.millisPerBatch(),
                requests == 0 ? "" : String.format(Locale.ROOT, ", %d DeleteObjects of %.0f keys on average", requests, drain.keysPerRequest()));
        return drain;
    }

    /** S3Mock's own limit: one DeleteObjects of 1,000 keys from one thread, no proxy, after a warm-up round. */
    private double rawDeleteObjectsRate(Backlog backlog) {
        String bucket = SERVER.freshBucket("bench-raw");
        double[] millis = new double[RAW_ROUNDS];
        for (int round = -1; round < RAW_ROUNDS; round++) {
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < RAW_BATCH; i++) {
                keys.add("raw/" + (i % 100) + "/r" + round + "-" + i + ".bin");
            }
            long s0 = System.nanoTime();
            if (backlog == Backlog.STORED) {
                putAll(keys.stream().map(k -> new String[] {bucket, k}).toList());
            }
            double seedSeconds = (System.nanoTime() - s0) / 1e9;
            List<ObjectIdentifier> ids = keys.stream().map(k -> ObjectIdentifier.builder().key(k).build()).toList();
            long t0 = System.nanoTime();
            DeleteObjectsResponse response = direct.deleteObjects(b -> b.bucket(bucket).delete(d -> d.objects(ids).quiet(false)));
            double ms = (System.nanoTime() - t0) / 1e6;
            assertThat(response.deleted()).hasSize(RAW_BATCH);
            assertThat(response.errors()).isEmpty();
            assertThat(direct.listObjectsV2(b -> b.bucket(bucket).maxKeys(1)).keyCount()).isZero();
            log("S3Mock raw DeleteObjects of %,d %s, round %d%s: %.0f ms (seeded in %.1f s)", RAW_BATCH, backlog.label, round + 1,
                    round < 0 ? " (warm-up)" : "", ms, seedSeconds);
            if (round >= 0) {
                millis[round] = ms;
            }
        }
        Arrays.sort(millis);
        return RAW_BATCH / (millis[RAW_ROUNDS / 2] / 1000);
    }

    /** The empty-file filesystem drain of as many rows, through the same runner code. */
    private double drainFiles(CleanupRunner fileSystem, RunParameters parameters, Path root, int rows) {
        emptyTables();
        BenchData data = new BenchData(jdbc, root);
        BenchData.Dataset set = data.generate("fs" + rows, rows);
        long t0 = System.nanoTime();
        RunSummary summary = fileSystem.run(ShardAssignment.ALL, parameters, RunLog.NONE);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(summary.deleted()).isEqualTo(rows);
        assertThat(count("SELECT COUNT(DISTINCT id) FROM file_deletion_task_history WHERE id BETWEEN ? AND ?", set.minId(), set.maxId()))
                .isEqualTo(rows);
        assertThat(data.filesLeft(set.prefix())).isZero();
        data.removeTree(set.prefix());
        log("%-18s %,7d rows: %6.2f s, %,6.0f rows/s, %d batches, %d delete threads", "filesystem", rows, seconds,
                rows / seconds, summary.batches(), s3.concurrentRequests());
        return rows / seconds;
    }

    /**
     * Tuning variants, at 0 ms and the largest round trip: an S3Backend built like the context's (its client
     * and request pool), with the batch in one request or spread over the concurrent requests, and another
     * claim batch (a trigger's {@code batchSize}; {@code -Dbench.s3.otherBatch}, else 200, the default before 2026-12-06).
     */
    private List<String> whatIf(Backlog backlog, int keys, RunParameters defaults) {
        int batchSize = defaults.batchSize();
        int concurrent = s3.concurrentRequests();
        // Another claim batch to compare with: the earlier default 200, or -Dbench.s3.otherBatch.
        int otherBatch = Integer.getInteger("bench.s3.otherBatch", batchSize == 200 ? 1000 : 200);
        record Variant(String name, int concurrentRequests, int batch) {
        }
        List<Variant> variants = List.of(
                new Variant("batch " + batchSize + " in one request (before the spread)", 1, batchSize),
                new Variant("batch " + batchSize + " over " + concurrent + " requests (the default)", concurrent, batchSize),
                new Variant("batch " + otherBatch + " in one request", 1, otherBatch),
                new Variant("batch " + otherBatch + " over " + concurrent + " requests", concurrent, otherBatch));
        Duration slow = ROUND_TRIPS.get(ROUND_TRIPS.size() - 1);
        List<String> lines = new ArrayList<>();
        lines.add("");
        lines.add(String.format(Locale.ROOT, "What if, %s, %,d keys (each variant at 0 and %d ms, one after the other; the variants in turn,"
                + " %d rounds):", backlog.label, keys, slow.toMillis(), WHAT_IF_REPEAT));
        lines.add("| round | variant | +0 ms rows/s | +" + slow.toMillis() + " ms rows/s | kept at +" + slow.toMillis() + " ms |");
        lines.add("|---|---|---|---|---|");
        for (int round = 1; round <= WHAT_IF_REPEAT; round++) {
            for (Variant v : variants) {
                S3Backend backend = new S3Backend(appClient, s3.buckets(), s3.keysPerRequest(), v.concurrentRequests(), requestPool,
                        new S3RequestMetrics(meters));
                CleanupRunner tuned = runner(backend);
                RunParameters parameters = new RunParameters(v.batch(), RUN_TIMEOUT, false);
                Drain fast = drainS3("what-if", tuned, parameters, backlog, keys, Duration.ZERO);
                Drain late = drainS3("what-if", tuned, parameters, backlog, keys, slow);
                lines.add(String.format(Locale.ROOT, "| %d | %s | %,.0f | %,.0f | %.0f%% |", round, v.name(), fast.rate(), late.rate(),
                        100 * late.rate() / fast.rate()));
            }
        }
        return lines;
    }

    private void table(Backlog backlog, Results results, Map<Integer, Double> fsRate) {
        Duration first = ROUND_TRIPS.get(0);
        Duration slow = ROUND_TRIPS.get(ROUND_TRIPS.size() - 1);
        out.add("");
        out.add(String.format(Locale.ROOT, "Object deletes, %s, %s, %d cores, batch %d, %d keys per request, %d concurrent requests"
                        + " (per-object: %d threads); S3Mock behind a TCP proxy adding the round trip",
                backlog.label, LocalDate.now(clock), Runtime.getRuntime().availableProcessors(), properties.batchSize(), s3.keysPerRequest(),
                s3.concurrentRequests(), s3.concurrentRequests()));
        out.add("| keys | added round trip | ShardSweep rows/s | per-object rows/s | batch / per-object | ShardSweep vs its " + first.toMillis()
                + " ms | ms per batch | keys per request |");
        out.add("|---|---|---|---|---|---|---|---|");
        for (int keys : results.batch().keySet()) {
            List<Drain> batch = results.batch().get(keys);
            List<Drain> single = results.single().get(keys);
            double base = Results.baseRate(batch);
            for (int i = 0; i < batch.size(); i++) {
                Drain b = batch.get(i);
                Drain s = single.get(i);
                out.add(String.format(Locale.ROOT, "| %,d | %d ms%s | %,.0f | %,.0f%s | %.1f× | %.0f%% | %.0f | %.0f |", keys,
                        b.roundTrip().toMillis(), i == ROUND_TRIPS.size() ? " (again)" : "", b.rate(), s.rate(),
                        s.keys() < keys ? String.format(Locale.ROOT, " (sampled: %,d keys)", s.keys()) : "",
                        b.rate() / s.rate(), 100 * b.rate() / base, b.millisPerBatch(), b.keysPerRequest()));
            }
        }
        out.add("(\"vs its " + first.toMillis() + " ms\": against the mean of the two " + first.toMillis() + " ms drains, run first and last)");
        for (int keys : results.batch().keySet()) {
            double rate = Results.baseRate(results.batch().get(keys));
            out.add(String.format(Locale.ROOT, "%s, %,d keys: ShardSweep at +%d ms %,.0f rows/s; empty-file filesystem drain %,.0f rows/s;"
                    + " S3 / filesystem = %.2f", backlog.label, keys, first.toMillis(), rate, fsRate.get(keys), rate / fsRate.get(keys)));
        }
        for (int keys : results.batch().keySet()) {
            Drain late = Results.at(results.batch().get(keys), slow);
            double kept = late.rate() / Results.baseRate(results.batch().get(keys));
            double versus = late.rate() / Results.at(results.single().get(keys), slow).rate();
            out.add(String.format(Locale.ROOT, "target, %s, %,d keys, +%d ms: ≥ 80%% of its own %d ms rate: %s (%.0f%%);"
                    + " ≥ 10× the per-object path: %s (%.1f×)", backlog.label, keys, slow.toMillis(), first.toMillis(),
                    kept >= 0.8 ? "met" : "NOT met", 100 * kept, versus >= 10 ? "met" : "NOT met", versus));
        }
    }

    // ---------------------------------------------------------------- data

    /**
     * {@code keys} due rows naming keys spread over {@link #BUCKETS} in id order, and for {@link Backlog#STORED}
     * their objects (empty bodies); returns the row ids.
     */
    private List<Long> backlog(Backlog backlog, int keys) {
        emptyTables();
        String prefix = backlog == Backlog.STORED ? "media" : "never-written";
        List<String[]> objects = new ArrayList<>(keys);
        for (int i = 0; i < keys; i++) {
            objects.add(new String[] {BUCKETS.get(i / KEYS_PER_BUCKET), prefix + "/" + (i % 100) + "/o" + i + ".bin"});
        }
        if (backlog == Backlog.STORED) {
            long t0 = System.nanoTime();
            putAll(objects);
            double seconds = (System.nanoTime() - t0) / 1e9;
            log("%-18s %,7d objects seeded in %.1f s (%,.0f PutObject/s on %d threads), not part of any rate", "seeding", keys, seconds,
                    keys / seconds, SEED_THREADS);
        }
        List<Object[]> rows = objects.stream().map(o -> new Object[] {o[0] + "/" + o[1]}).toList();
        for (int from = 0; from < rows.size(); from += 10_000) {
            jdbc.batchUpdate("INSERT INTO file_deletion_task (file_path) VALUES (?)", rows.subList(from, Math.min(rows.size(), from + 10_000)));
        }
        List<Long> ids = jdbc.queryForList("SELECT id FROM file_deletion_task ORDER BY id", Long.class);
        assertThat(ids).hasSize(keys);
        return ids;
    }

    private void putAll(List<String[]> objects) {
        ExecutorService pool = Executors.newFixedThreadPool(SEED_THREADS);
        try {
            List<Future<?>> parts = new ArrayList<>();
            for (int t = 0; t < SEED_THREADS; t++) {
                int first = t;
                parts.add(pool.submit(() -> {
                    for (int i = first; i < objects.size(); i += SEED_THREADS) {
                        String[] o = objects.get(i);
                        direct.putObject(b -> b.bucket(o[0]).key(o[1]), RequestBody.empty());
                    }
                }));
            }
            for (Future<?> part : parts) {
                part.get();
            }
        } catch (Exception e) {
            throw new IllegalStateException("seeding failed", e);
        } finally {
            pool.shutdownNow();
        }
    }

    private void assertEveryRowInHistoryOnce(List<Long> ids) {
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task")).as("rows left in the task table").isZero();
        assertThat(jdbc.queryForList("SELECT id FROM file_deletion_task_history ORDER BY id", Long.class)).as("history ids").isEqualTo(ids);
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task_history WHERE outcome <> 'DELETED'")).isZero();
    }

    /** Benchmark buckets that still hold an object, by ListObjectsV2 straight to the server. */
    private int bucketsWithObjects() {
        int left = 0;
        for (String bucket : BUCKETS) {
            left += direct.listObjectsV2(b -> b.bucket(bucket).maxKeys(1)).keyCount();
        }
        return left;
    }

    private void emptyTables() {
        jdbc.update("DELETE FROM file_deletion_task");
        jdbc.update("DELETE FROM file_deletion_task_history");
    }

    private CleanupRunner runner(StorageBackend backend) {
        return new CleanupRunner(claimer, finisher, leases, backend, databaseRetry, registry, events, clock, properties, meters, finishPool);
    }

    private DistributionSummary requests() {
        return meters.get("shardsweep.s3.keys.per.request").summary();
    }

    private int count(String sql, Object... args) {
        return jdbc.queryForObject(sql, Integer.class, args);
    }

    private void log(String format, Object... args) {
        String line = String.format(Locale.ROOT, format, args);
        System.out.println("[S3DeleteBenchmark] " + line);
        out.add(line);
    }

    /** One measured drain; {@code keysPerRequest} is 0 for the per-object path, which sends no DeleteObjects. */
    record Drain(int keys, Duration roundTrip, double seconds, int batches, long requests, double keysPerRequest) {
        double rate() {
            return keys / seconds;
        }

        double millisPerBatch() {
            return seconds * 1000 / batches;
        }
    }

    // ---------------------------------------------------------------- setup

    private static TcpProxy proxy() {
        try {
            return new TcpProxy(SERVER.endpoint().getHost(), SERVER.endpoint().getPort());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Enough buckets of {@link #KEYS_PER_BUCKET} keys for the largest case. */
    private static List<String> buckets() {
        int largest = Stream.of(List.of(WARM_UP), KEYS, ABSENT_KEYS).flatMap(List::stream).mapToInt(Integer::intValue)
                .max().orElseThrow();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < (largest + KEYS_PER_BUCKET - 1) / KEYS_PER_BUCKET; i++) {
            names.add(SERVER.freshBucket("bench-" + i));
        }
        return List.copyOf(names);
    }

    private static List<Integer> ints(String csv) {
        return Arrays.stream(csv.split(",")).map(String::strip).filter(s -> !s.isEmpty()).map(Integer::parseInt).toList();
    }

    private static int scaled(int n) {
        return Math.max(1, (int) Math.round(n * SCALE));
    }
}
