package io.shardsweep.demo;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import com.xxl.job.core.context.XxlJobContext;
import io.shardsweep.ShardSweepApplication;
import io.shardsweep.testsupport.TestDatabase;
import io.shardsweep.xxljob.FileCleanupJobHandler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.slf4j.LoggerFactory;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * LOCAL DEMO MODE. Runs the main job end to end on one machine with only a JDK and Maven: an
 * embedded MariaDB, generated demo files and rows (with a few hostile ones), and a broadcast of
 * {@code --shards} shards calling the real {@code fileCleanupJob} handler concurrently, exactly as
 * the XXL-JOB executor thread would. It lives in the test sources, so the production jar can never
 * fall back to an embedded database.
 *
 * <p>{@code mvn -B -pl executor-app spring-boot:test-run} (arguments: {@code -Dspring-boot.run.arguments="--files=5000 --shards=3"}).
 * {@code --storage=s3} runs the same demo on object storage instead ({@link S3Demo}).
 */
public final class LocalDemo {

    private static final String GRACE_PERIOD_FILE = "videos/grace-period.mp4";

    private LocalDemo() {
    }

    public static void main(String[] args) throws Exception {
        String storageType = stringArg(args, "--storage=", "filesystem");
        if (storageType.equals("s3")) {
            S3Demo.run(intArg(args, "--files=", S3Demo.DEFAULT_FILES), intArg(args, "--shards=", 2));
            return;
        }
        if (!storageType.equals("filesystem")) {
            throw new IllegalArgumentException("--storage=" + storageType + " is not supported; use --storage=filesystem (default) or --storage=s3");
        }
        int files = intArg(args, "--files=", 2000);
        int shards = intArg(args, "--shards=", 2);
        banner("ShardSweep LOCAL DEMO MODE: embedded database, generated files; not a production start");
        quietLogs();

        TestDatabase db = TestDatabase.embeddedUnlessConfigured();
        DataSource dataSource = db.freshSchema("demo");
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        Path work = Files.createDirectories(Path.of("target", "demo").toAbsolutePath());
        Path storage = recreate(work.resolve("storage"));
        Path outside = recreate(work.resolve("outside-the-root"));
        Path runLogs = recreate(work.resolve("run-logs"));
        seed(jdbc, storage, outside, files);

        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(ShardSweepApplication.class)
                .web(WebApplicationType.NONE)
                .profiles("demo")
                .run("--spring.datasource.url=" + db.jdbcUrl("demo"),
                        "--spring.datasource.username=" + db.username(),
                        "--spring.datasource.password=" + db.password(),
                        "--shardsweep.storage-root=" + storage,
                        "--shardsweep.intake.enabled=false",
                        "--xxl.job.executor.enabled=false",
                        "--spring.main.banner-mode=off",
                        "--logging.level.root=WARN")) {
            double seconds = broadcast(app, shards, runLogs);
            report(jdbc, storage, outside, runLogs, seconds);
        }
        System.exit(0); // the embedded database's threads are not daemons
    }

    /**
     * Calls the real handler on {@code shards} threads at once, as SHARDING_BROADCAST does, prints each
     * shard's result and returns the seconds the broadcast took.
     */
    static double broadcast(ConfigurableApplicationContext app, int shards, Path runLogs) throws Exception {
        FileCleanupJobHandler handler = app.getBean(FileCleanupJobHandler.class);
        System.out.printf("%nBroadcasting fileCleanupJob to %d shards, as SHARDING_BROADCAST does...%n", shards);
        long started = System.nanoTime();
        ExecutorService instances = Executors.newFixedThreadPool(shards);
        List<Future<XxlJobContext>> runs = new ArrayList<>();
        for (int index = 0; index < shards; index++) {
            XxlJobContext context = new XxlJobContext(1, "", index + 1, System.currentTimeMillis(),
                    runLogs.resolve("shard-" + index + "-of-" + shards + ".log").toString(), index, shards);
            runs.add(instances.submit(() -> {
                XxlJobContext.setXxlJobContext(context);
                handler.fileCleanupJob();
                return context;
            }));
        }
        for (int index = 0; index < shards; index++) {
            XxlJobContext result = runs.get(index).get();
            System.out.printf("  shard %d/%d -> %s: %s%n", index, shards,
                    result.getHandleCode() == XxlJobContext.HANDLE_CODE_SUCCESS ? "SUCCESS" : "FAIL", result.getHandleMsg());
        }
        instances.shutdown();
        return (System.nanoTime() - started) / 1e9;
    }

    /** Demo files and one row each, plus rows an attacker or a sloppy producer might write. */
    private static void seed(JdbcTemplate jdbc, Path storage, Path outside, int files) throws IOException {
        List<Object[]> rows = new ArrayList<>();
        for (int i = 0; i < files; i++) {
            String path = "videos/2026/" + (i % 12 + 1) + "/video-" + i + ".mp4";
            Path file = storage.resolve(path);
            Files.createDirectories(file.getParent());
            Files.writeString(file, "demo video " + i);
            rows.add(new Object[] {path, "video:" + i});
        }
        jdbc.batchUpdate("INSERT INTO file_deletion_task (file_path, business_key) VALUES (?, ?)", rows);
        Files.writeString(outside.resolve("secret.txt"), "must survive");
        Files.createSymbolicLink(storage.resolve("escape"), outside);
        for (String hostile : List.of("../outside-the-root/secret.txt", outside.resolve("secret.txt").toString(),
                "escape/secret.txt", "videos/2026")) {
            jdbc.update("INSERT INTO file_deletion_task (file_path) VALUES (?)", hostile);
        }
        jdbc.update("INSERT INTO file_deletion_task (file_path) VALUES ('videos/already-gone.mp4')");
        Files.writeString(storage.resolve(GRACE_PERIOD_FILE), "kept for 7 days after the user removed it");
        jdbc.update("INSERT INTO file_deletion_task (file_path, business_key, not_before) VALUES (?, 'video:grace', CURRENT_TIMESTAMP(3) + INTERVAL 7 DAY)",
                GRACE_PERIOD_FILE);
        System.out.printf("Seeded %,d demo files and rows, 4 hostile rows, 1 row whose file is already gone, 1 row in a 7-day grace period.%n", files);
    }

    private static void report(JdbcTemplate jdbc, Path storage, Path outside, Path runLogs, double seconds) throws IOException {
        System.out.printf("%nThe broadcast took %.2f s.%n", seconds);
        tableCounts(jdbc);
        Map<String, Object> grace = jdbc.queryForMap("SELECT id, status, DATE_FORMAT(not_before, '%Y-%m-%d %H:%i') AS not_before FROM file_deletion_task WHERE file_path = ?", GRACE_PERIOD_FILE);
        System.out.printf("  the grace-period row #%s is still %s, not due before %s UTC; its file %s is %s%n",
                grace.get("id"), grace.get("status"), grace.get("not_before"), GRACE_PERIOD_FILE,
                Files.exists(storage.resolve(GRACE_PERIOD_FILE)) ? "still on disk" : "GONE (bug!)");
        System.out.println("  DEAD rows and why:");
        for (Map<String, Object> r : jdbc.queryForList("SELECT id, file_path, last_error FROM file_deletion_task WHERE status = 'DEAD' ORDER BY id")) {
            System.out.printf("    #%s %s%n        %s%n", r.get("id"), r.get("file_path"), r.get("last_error"));
        }
        long left;
        try (var walk = Files.walk(storage)) {
            left = walk.filter(Files::isRegularFile).count();
        }
        System.out.printf("  files left under the storage root: %d (the grace-period file); outside the root, secret.txt %s%n", left,
                Files.exists(outside.resolve("secret.txt")) ? "untouched" : "DELETED (bug!)");
        System.out.printf("%nWhere to look next:%n  run logs (what the admin console shows): %s%n", runLogs);
        System.out.println("  the same handler under a real XXL-JOB admin: README, 'Running it for real', and docker/README.md");
        System.out.println("  re-trigger a dead row from the admin's Run once dialog: {\"requeueIds\": [<id>]} (docs/operations.md, 'Job parameters')");
    }

    /** The history and task tables, counted by outcome and status. */
    static void tableCounts(JdbcTemplate jdbc) {
        for (Map<String, Object> r : jdbc.queryForList("SELECT outcome, COUNT(*) AS n FROM file_deletion_task_history GROUP BY outcome ORDER BY outcome")) {
            System.out.printf("  history table  %-15s %,d%n", r.get("outcome"), ((Number) r.get("n")).longValue());
        }
        for (Map<String, Object> r : jdbc.queryForList("SELECT status, COUNT(*) AS n FROM file_deletion_task GROUP BY status ORDER BY status")) {
            System.out.printf("  task table     %-15s %,d%n", r.get("status"), ((Number) r.get("n")).longValue());
        }
    }

    /** The embedded database and the demo schema's pool log at WARN: the demo's own lines are the point. */
    static void quietLogs() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext logback) {
            logback.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(Level.WARN);
        }
    }

    static Path recreate(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var walk = Files.walk(dir)) {
                for (Path p : walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                    Files.delete(p);
                }
            }
        }
        return Files.createDirectories(dir);
    }

    static int intArg(String[] args, String prefix, int fallback) {
        for (String arg : args) {
            if (arg.startsWith(prefix)) {
                return Integer.parseInt(arg.substring(prefix.length()));
            }
        }
        return fallback;
    }

    static String stringArg(String[] args, String prefix, String fallback) {
        for (String arg : args) {
            if (arg.startsWith(prefix)) {
                return arg.substring(prefix.length());
            }
        }
        return fallback;
    }

    static void banner(String text) {
        String line = "=".repeat(text.length() + 4);
        System.out.printf("%n%s%n| %s |%n%s%n%n", line, text, line);
    }
}
