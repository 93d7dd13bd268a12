package io.shardsweep.demo;

import io.shardsweep.ShardSweepApplication;
import io.shardsweep.testsupport.S3TestServer;
import io.shardsweep.testsupport.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * LOCAL DEMO MODE on object storage ({@code --storage=s3}): the demo of {@link LocalDemo} against the S3 API
 * server the tests use ({@link S3TestServer}: S3Mock as a child JVM, on 127.0.0.1, logging to its own file
 * under {@code target/s3mock/}). Buckets {@code video} and {@code mediafiles} are the ones the app may delete
 * in; {@code secrets} exists on the server but is not listed, and its sentinel object must survive.
 */
final class S3Demo {

    /** S3Mock stores every object as files with metadata; a few hundred keep the demo under a minute here. */
    static final int DEFAULT_FILES = 500;

    private static final String VIDEO = "video";
    private static final String MEDIA = "mediafiles";
    private static final String SECRETS = "secrets";
    private static final String SENTINEL_KEY = "sentinel.txt";
    private static final String SENTINEL_TEXT = "must survive";
    private static final String GRACE_PERIOD_KEY = "2026/grace-period.mp4";

    private S3Demo() {
    }

    static void run(int files, int shards) throws Exception {
        LocalDemo.banner("ShardSweep LOCAL DEMO MODE (object storage): embedded database, S3Mock, generated objects; not a production start");
        LocalDemo.quietLogs();

        TestDatabase db = TestDatabase.embeddedUnlessConfigured();
        DataSource dataSource = db.freshSchema("demo_s3");
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        // Always a private S3Mock, never a configured endpoint: the demo writes and deletes in fixed bucket names
        try (S3TestServer server = S3TestServer.startS3Mock()) {
            run(db, jdbc, server, files, shards);
        }
        System.exit(0); // the embedded database's threads are not daemons
    }

    private static void run(TestDatabase db, JdbcTemplate jdbc, S3TestServer server, int files, int shards) throws Exception {
        // The app has no credential setting: the SDK's default chain reads these (never printed).
        System.setProperty("aws.accessKeyId", server.accessKeyId());
        System.setProperty("aws.secretAccessKey", server.secretAccessKey());
        server.createBuckets(VIDEO, MEDIA, SECRETS);
        Path runLogs = LocalDemo.recreate(Files.createDirectories(Path.of("target", "demo").toAbsolutePath()).resolve("run-logs-s3"));

        try (S3Client s3 = server.newClient()) {
            long seedStarted = System.nanoTime();
            seed(jdbc, s3, files);
            System.out.printf("  (seeding the objects took %.2f s)%n", (System.nanoTime() - seedStarted) / 1e9);

            try (ConfigurableApplicationContext app = new SpringApplicationBuilder(ShardSweepApplication.class)
                    .web(WebApplicationType.NONE)
                    .profiles("demo")
                    .run("--spring.datasource.url=" + db.jdbcUrl("demo_s3"),
                            "--spring.datasource.username=" + db.username(),
                            "--spring.datasource.password=" + db.password(),
                            "--shardsweep.storage.type=s3",
                            "--shardsweep.s3.endpoint=" + server.endpoint(),
                            "--shardsweep.s3.path-style-access=true",
                            "--shardsweep.s3.region=us-east-1",
                            "--shardsweep.s3.buckets=" + VIDEO + "," + MEDIA,
                            "--shardsweep.intake.enabled=false",
                            "--xxl.job.executor.enabled=false",
                            "--spring.main.banner-mode=off",
                            "--logging.level.root=WARN")) {
                double seconds = LocalDemo.broadcast(app, shards, runLogs);
                report(jdbc, s3, server, runLogs, seconds, files);
            }
        }
    }

    /** Objects in both listed buckets with one row each, plus rows an attacker or a sloppy producer might write. */
    private static void seed(JdbcTemplate jdbc, S3Client s3, int files) {
        List<Object[]> rows = new ArrayList<>();
        for (int i = 0; i < files; i++) {
            String bucket = i % 2 == 0 ? VIDEO : MEDIA;
            String key = bucket.equals(VIDEO) ? "2026/" + (i % 12 + 1) + "/video-" + i + ".mp4" : "images/" + (i % 12 + 1) + "/image-" + i + ".jpg";
            put(s3, bucket, key, "demo object " + i);
            rows.add(new Object[] {bucket + "/" + key, (bucket.equals(VIDEO) ? "video:" : "media:") + i});
        }
        jdbc.batchUpdate("INSERT INTO file_deletion_task (file_path, business_key) VALUES (?, ?)", rows);
        put(s3, SECRETS, SENTINEL_KEY, SENTINEL_TEXT);
        // 'é' is two bytes in UTF-8: 520 of them fit the 1024-character column but exceed S3's 1024-byte key limit
        for (String hostile : List.of(SECRETS + "/" + SENTINEL_KEY, VIDEO + "/../x", "/" + VIDEO + "/abs", VIDEO + "/",
                VIDEO + "/" + "é".repeat(520))) {
            jdbc.update("INSERT INTO file_deletion_task (file_path) VALUES (?)", hostile);
        }
        jdbc.update("INSERT INTO file_deletion_task (file_path) VALUES (?)", MEDIA + "/never-uploaded.jpg");
        put(s3, VIDEO, GRACE_PERIOD_KEY, "kept for 7 days after the user removed it");
        jdbc.update("INSERT INTO file_deletion_task (file_path, business_key, not_before) VALUES (?, 'video:grace', CURRENT_TIMESTAMP(3) + INTERVAL 7 DAY)",
                VIDEO + "/" + GRACE_PERIOD_KEY);
        System.out.printf("Seeded %,d demo objects and rows in buckets %s and %s, 5 hostile rows, 1 row whose object never existed,"
                + " 1 row in a 7-day grace period.%n", files, VIDEO, MEDIA);
    }

    private static void report(JdbcTemplate jdbc, S3Client s3, S3TestServer server, Path runLogs, double seconds, int files) {
        System.out.printf("%nThe broadcast took %.2f s (%,d objects, %s).%n", seconds, files, server.kind());
        LocalDemo.tableCounts(jdbc);
        Map<String, Object> grace = jdbc.queryForMap("SELECT id, status, DATE_FORMAT(not_before, '%Y-%m-%d %H:%i') AS not_before FROM file_deletion_task WHERE file_path = ?",
                VIDEO + "/" + GRACE_PERIOD_KEY);
        System.out.printf("  the grace-period row #%s is still %s, not due before %s UTC; its object %s/%s is %s%n",
                grace.get("id"), grace.get("status"), grace.get("not_before"), VIDEO, GRACE_PERIOD_KEY,
                exists(s3, VIDEO, GRACE_PERIOD_KEY) ? "still in the bucket" : "GONE (bug!)");
        System.out.println("  DEAD rows and why:");
        for (Map<String, Object> r : jdbc.queryForList("SELECT id, file_path, last_error FROM file_deletion_task WHERE status = 'DEAD' ORDER BY id")) {
            String path = (String) r.get("file_path");
            System.out.printf("    #%s %s%n        %s%n", r.get("id"), shortened(path), shortenedError((String) r.get("last_error")));
        }
        Map<String, Object> neverUploaded = jdbc.queryForMap("SELECT id, outcome FROM file_deletion_task_history WHERE file_path = ?", MEDIA + "/never-uploaded.jpg");
        System.out.printf("  the row #%s whose object never existed is %s: DeleteObjects reports a missing key as deleted,"
                + " so on object storage the outcome is never ALREADY_ABSENT (docs/object-storage.md)%n", neverUploaded.get("id"), neverUploaded.get("outcome"));
        for (String bucket : List.of(VIDEO, MEDIA, SECRETS)) {
            long left = s3.listObjectsV2Paginator(b -> b.bucket(bucket)).contents().stream().count();
            System.out.printf("  objects left in bucket %-10s %d%s%n", bucket, left, switch (bucket) {
                case VIDEO -> " (the grace-period object)";
                case SECRETS -> " (not in shardsweep.s3.buckets)";
                default -> "";
            });
        }
        System.out.printf("  the sentinel %s/%s is %s%n", SECRETS, SENTINEL_KEY, sentinelIntact(s3) ? "untouched" : "CHANGED OR DELETED (bug!)");
        System.out.printf("%nWhere to look next:%n  run logs (what the admin console shows): %s%n", runLogs);
        server.logFile().ifPresent(log -> System.out.println("  S3Mock's own log: " + log));
        System.out.println("  object storage, its settings and limits: docs/object-storage.md");
    }

    private static void put(S3Client s3, String bucket, String key, String text) {
        s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString(text, StandardCharsets.UTF_8));
    }

    private static boolean exists(S3Client s3, String bucket, String key) {
        try {
            s3.headObject(b -> b.bucket(bucket).key(key));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        }
    }

    private static boolean sentinelIntact(S3Client s3) {
        try {
            return s3.getObjectAsBytes(b -> b.bucket(SECRETS).key(SENTINEL_KEY)).asUtf8String().equals(SENTINEL_TEXT);
        } catch (NoSuchKeyException e) {
            return false;
        }
    }

    /** The reason sits at the end of the message, after the (already cut) location. */
    private static String shortenedError(String text) {
        if (text == null || text.length() <= 200) {
            return text;
        }
        return text.substring(0, 70) + " ... " + text.substring(text.length() - 100);
    }

    /** The over-long key would fill the screen: its start and its size are enough. */
    private static String shortened(String text) {
        if (text == null || text.length() <= 160) {
            return text;
        }
        return text.substring(0, 60) + "... (" + text.getBytes(StandardCharsets.UTF_8).length + " bytes in all)";
    }
}
