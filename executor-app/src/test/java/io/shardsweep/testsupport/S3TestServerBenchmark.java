package io.shardsweep.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;

/**
 * The local S3 server's own limits, which issue 10's benchmark must report beside ShardSweep's: start-up of
 * the S3Mock child, one warm 1,000-key DeleteObjects, and single DeleteObject calls. Prints, asserts only that
 * the work was done (figures on a shared machine are not pass/fail).
 *
 * <pre>mvn -B -o -pl executor-app -Pbenchmark test -Dtest=S3TestServerBenchmark -Dsurefire.failIfNoSpecifiedTests=false</pre>
 */
@Tag("benchmark")
class S3TestServerBenchmark {

    private static final int BATCH = 1000;
    private static final int WARM_ROUNDS = 2;
    private static final int MEASURED_ROUNDS = 3;
    private static final int SINGLE_WARM = 100;
    private static final int SINGLE_MEASURED = 300;

    @Test
    void prints_s3mock_start_up_batch_delete_and_single_delete_times() throws Exception {
        S3TestServer server = S3TestServer.get();
        List<String> lines = new ArrayList<>();
        lines.add("server " + server.kind() + " at " + server.endpoint() + ", first start-up " + server.startupMillis() + " ms");
        try (S3Client s3 = server.newClient()) {
            String bucket = server.freshBucket("bench");

            double[] batchMillis = new double[MEASURED_ROUNDS];
            for (int round = 0; round < WARM_ROUNDS + MEASURED_ROUNDS; round++) {
                List<String> keys = S3TestServerTest.keys("b" + round + "/", BATCH, ".bin");
                putAll(s3, bucket, keys);
                List<ObjectIdentifier> ids = keys.stream().map(k -> ObjectIdentifier.builder().key(k).build()).toList();
                long t0 = System.nanoTime();
                DeleteObjectsResponse r = s3.deleteObjects(b -> b.bucket(bucket).delete(d -> d.objects(ids)));
                double ms = (System.nanoTime() - t0) / 1e6;
                assertThat(r.deleted()).hasSize(BATCH);
                assertThat(r.errors()).isEmpty();
                if (round >= WARM_ROUNDS) {
                    batchMillis[round - WARM_ROUNDS] = ms;
                }
            }
            Arrays.sort(batchMillis);
            lines.add(String.format(Locale.ROOT, "DeleteObjects of %d keys, warm: %s ms (median %.0f ms = %.2f ms/key, %.0f keys/s)",
                    BATCH, Arrays.toString(Arrays.stream(batchMillis).map(Math::rint).toArray()), median(batchMillis),
                    median(batchMillis) / BATCH, BATCH / (median(batchMillis) / 1000)));

            List<String> singles = S3TestServerTest.keys("s/", SINGLE_WARM + SINGLE_MEASURED, ".bin");
            putAll(s3, bucket, singles);
            double[] singleMillis = new double[SINGLE_MEASURED];
            for (int i = 0; i < singles.size(); i++) {
                String key = singles.get(i);
                long t0 = System.nanoTime();
                s3.deleteObject(b -> b.bucket(bucket).key(key));
                if (i >= SINGLE_WARM) {
                    singleMillis[i - SINGLE_WARM] = (System.nanoTime() - t0) / 1e6;
                }
            }
            Arrays.sort(singleMillis);
            lines.add(String.format(Locale.ROOT, "DeleteObject, one key per call, sequential, warm: p50 %.2f ms, p90 %.2f ms,"
                            + " mean %.2f ms over %d calls (%.0f keys/s)",
                    median(singleMillis), singleMillis[(int) (SINGLE_MEASURED * 0.9)], Arrays.stream(singleMillis).average().orElseThrow(),
                    SINGLE_MEASURED, 1000 / Arrays.stream(singleMillis).average().orElseThrow()));
        }
        lines.forEach(l -> System.out.println("[S3TestServerBenchmark] " + l));
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static void putAll(S3Client s3, String bucket, List<String> keys) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (String k : keys) {
                done.add(pool.submit(() -> s3.putObject(b -> b.bucket(bucket).key(k), RequestBody.fromString(k))));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
