package io.shardsweep.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Generated backlogs: files under the storage root (empty, or of a few bytes, in a number of
 * folders) and one due PENDING row each; and the end-state checks every benchmark asserts.
 */
final class BenchData {

    /** How the files of a backlog lie: in how many folders, of how many bytes each. */
    record Shape(String label, int directories, int bytes) {
        /** The in-JVM benchmark's: empty files in 100 folders. */
        static final Shape EMPTY_100_FOLDERS = new Shape("empty, 100 folders", 100, 0);
        static final Shape EMPTY_ONE_FOLDER = new Shape("empty, one folder", 1, 0);
        static final Shape ONE_KB_50_FOLDERS = new Shape("1 KB, 50 folders", 50, 1024);

        Shape {
            if (directories < 1 || bytes < 0) {
                throw new IllegalArgumentException("a shape needs 1 or more folders and 0 or more bytes, got " + directories + ", " + bytes);
            }
        }
    }

    private final JdbcTemplate jdbc;
    private final Path root;

    BenchData(JdbcTemplate jdbc, Path root) {
        this.jdbc = jdbc;
        this.root = root;
    }

    /** Rows {@code minId..maxId} (consecutive), file i at {@link #path(int)}. */
    record Dataset(String prefix, int rows, long minId, long maxId, Shape shape) {
        String path(int i) {
            return BenchData.path(prefix, shape, i);
        }
    }

    static String path(String prefix, Shape shape, int i) {
        return prefix + "/" + (i % shape.directories()) + "/f" + i;
    }

    /** Creates {@code rows} empty files in 100 folders (on 4 threads) and their rows, due now. */
    Dataset generate(String prefix, int rows) {
        return generate(prefix, rows, Shape.EMPTY_100_FOLDERS);
    }

    /** Creates {@code rows} files of the shape (on 4 threads) and their rows, due now. */
    Dataset generate(String prefix, int rows, Shape shape) {
        try {
            for (int d = 0; d < shape.directories(); d++) {
                Files.createDirectories(root.resolve(prefix + "/" + d));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] content = new byte[shape.bytes()];
        Arrays.fill(content, (byte) 'x');
        int writers = 4;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<Future<?>> parts = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int start = w;
                parts.add(pool.submit(() -> {
                    for (int i = start; i < rows; i += writers) {
                        try {
                            Path file = Files.createFile(root.resolve(path(prefix, shape, i)));
                            if (content.length > 0) {
                                Files.write(file, content);
                            }
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }
                }));
            }
            for (Future<?> part : parts) {
                part.get();
            }
        } catch (Exception e) {
            throw new IllegalStateException("could not create the files of " + prefix, e);
        } finally {
            pool.shutdown();
        }

        Dataset d = insertRows(prefix, rows, shape);
        if (d.maxId() - d.minId() + 1 != rows) {
            throw new IllegalStateException("expected " + rows + " consecutive ids, got " + d.minId() + ".." + d.maxId());
        }
        // Path i must be the row minId + i for the floor's unlink loop; the insert keeps that order.
        String first = jdbc.queryForObject("SELECT file_path FROM file_deletion_task WHERE id = ?", String.class, d.minId());
        String last = jdbc.queryForObject("SELECT file_path FROM file_deletion_task WHERE id = ?", String.class, d.maxId());
        if (!first.equals(d.path(0)) || !last.equals(d.path(rows - 1))) {
            throw new IllegalStateException("ids are not in path order: " + first + " .. " + last);
        }
        return d;
    }

    /** Rows only, no files: for the claim probes, which finish batches without deleting anything. */
    Dataset rowsOnly(String prefix, int rows) {
        return insertRows(prefix, rows, Shape.EMPTY_100_FOLDERS);
    }

    private Dataset insertRows(String prefix, int rows, Shape shape) {
        Long before = jdbc.queryForObject("SELECT COALESCE(MAX(id), 0) FROM file_deletion_task", Long.class);
        List<Object[]> batch = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            batch.add(new Object[] {path(prefix, shape, i)});
            if (batch.size() == 10_000 || i == rows - 1) {
                jdbc.batchUpdate("INSERT INTO file_deletion_task (file_path) VALUES (?)", batch);
                batch.clear();
            }
        }
        var range = jdbc.queryForMap("SELECT MIN(id) AS lo, MAX(id) AS hi, COUNT(*) AS n FROM file_deletion_task WHERE id > ?", before);
        long n = ((Number) range.get("n")).longValue();
        if (n != rows) {
            throw new IllegalStateException("expected " + rows + " new rows, got " + n);
        }
        return new Dataset(prefix, rows, ((Number) range.get("lo")).longValue(), ((Number) range.get("hi")).longValue(), shape);
    }

    /**
     * {@code count} rows that are never due now, with lower ids than anything inserted after: even
     * ones DEAD, odd ones PENDING but not before tomorrow.
     */
    void addBlockers(int count) {
        List<Object[]> batch = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            batch.add(new Object[] {"blocked/" + (i % Shape.EMPTY_100_FOLDERS.directories()) + "/f" + i});
            if (batch.size() == 10_000 || i == count - 1) {
                jdbc.batchUpdate("INSERT INTO file_deletion_task (file_path, status, attempts, last_error) "
                        + "VALUES (?, 'DEAD', 3, 'benchmark: parked')", batch);
                batch.clear();
            }
        }
        jdbc.update("UPDATE file_deletion_task SET status = 'PENDING', attempts = 1, "
                + "not_before = CURRENT_TIMESTAMP(3) + INTERVAL 1 DAY WHERE MOD(id, 2) = 1");
    }

    /**
     * Grows history to {@code target} rows with ids 1..target by INSERT ... SELECT doubling (older
     * tasks than any pending one), and moves the task table's AUTO_INCREMENT above them.
     */
    void growHistory(int target) {
        jdbc.update("INSERT INTO file_deletion_task_history (id, file_path, business_key, outcome, attempts, created_at, finished_at, finished_by) "
                + "VALUES (1, 'old/1/f1', 'old-1', 'DELETED', 0, CURRENT_TIMESTAMP(3) - INTERVAL 30 DAY, CURRENT_TIMESTAMP(3) - INTERVAL 20 DAY, 'filler')");
        long have = 1;
        while (have < target) {
            jdbc.update("INSERT INTO file_deletion_task_history (id, file_path, business_key, outcome, attempts, created_at, finished_at, finished_by) "
                    + "SELECT id + ?, CONCAT('old/', MOD(id + ?, 100), '/f', id + ?), CONCAT('old-', id + ?), "
                    + "IF(MOD(id, 10) = 0, 'ALREADY_ABSENT', 'DELETED'), 0, created_at, finished_at + INTERVAL (id + ?) SECOND, finished_by "
                    + "FROM file_deletion_task_history WHERE id <= ? AND id + ? <= ?",
                    have, have, have, have, have, have, have, target);
            have = jdbc.queryForObject("SELECT COUNT(*) FROM file_deletion_task_history", Long.class);
        }
        Long max = jdbc.queryForObject("SELECT MAX(id) FROM file_deletion_task_history", Long.class);
        jdbc.execute("ALTER TABLE file_deletion_task AUTO_INCREMENT = " + (max + 1_000_000));
    }

    void truncate() {
        awaitPurge(Duration.ofSeconds(30));
        truncate("file_deletion_task");
        truncate("file_deletion_task_history");
    }

    /**
     * Waits, at most {@code limit}, until InnoDB's purge has caught up (history list length 20 or less),
     * so that what comes next does not pay for the previous work's purge; returns the seconds waited.
     * On MariaDB, a TRUNCATE right after a large delete waited out innodb_lock_wait_timeout with no
     * transaction open (purge still working through the table); waiting for purge first avoids that.
     */
    double awaitPurge(Duration limit) {
        long started = System.nanoTime();
        long deadline = started + limit.toNanos();
        while (System.nanoTime() < deadline) {
            List<Long> length = jdbc.query("SHOW GLOBAL STATUS LIKE 'Innodb_history_list_length'", (rs, n) -> rs.getLong(2));
            if (length.isEmpty() || length.get(0) <= 20) {
                break;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return (System.nanoTime() - started) / 1e9;
    }

    /**
     * Writes the storage root's dirty pages out ({@code sync -f}, at most 2 minutes), so that the
     * writeback of the files just created does not land inside the next measurement. Best effort:
     * returns what happened, for the report.
     */
    String syncFiles() {
        long started = System.nanoTime();
        try {
            Process sync = new ProcessBuilder("sync", "-f", root.toString()).redirectErrorStream(true).start();
            if (!sync.waitFor(2, TimeUnit.MINUTES)) {
                sync.destroyForcibly();
                return "sync -f did not end within 2 min";
            }
            String out = new String(sync.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return sync.exitValue() == 0 ? String.format(Locale.ROOT, "synced in %.1f s", (System.nanoTime() - started) / 1e9)
                    : "sync -f failed (" + sync.exitValue() + "): " + out;
        } catch (IOException e) {
            return "no sync: " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "sync interrupted";
        }
    }

    /**
     * TRUNCATE waits for every transaction that holds a lock on the table. If one is still open (seen
     * once on the embedded server after a case with deadlocks), print who holds it and try again.
     */
    private void truncate(String table) {
        for (int attempt = 1; ; attempt++) {
            try {
                jdbc.execute((org.springframework.jdbc.core.ConnectionCallback<Void>) connection -> {
                    try (java.sql.Statement st = connection.createStatement()) {
                        st.execute("SET SESSION innodb_lock_wait_timeout = 10");
                        try {
                            st.execute("TRUNCATE TABLE " + table);
                        } finally {
                            st.execute("SET SESSION innodb_lock_wait_timeout = DEFAULT");
                        }
                    }
                    return null;
                });
                return;
            } catch (org.springframework.dao.DataAccessException e) {
                System.out.println("[bench] TRUNCATE " + table + " failed (attempt " + attempt + "): " + e.getMostSpecificCause()
                        + "\n[bench] open transactions: " + jdbc.queryForList("SELECT trx_id, trx_state, trx_started, trx_mysql_thread_id, "
                        + "trx_rows_locked, trx_rows_modified, trx_query FROM information_schema.INNODB_TRX")
                        + "\n[bench] sessions: " + jdbc.queryForList("SELECT ID, COMMAND, TIME, STATE, INFO FROM information_schema.PROCESSLIST "
                        + "WHERE DB = DATABASE()"));
                if (attempt >= 5) {
                    throw e;
                }
            }
        }
    }

    void analyze() {
        jdbc.execute("ANALYZE TABLE file_deletion_task");
        jdbc.execute("ANALYZE TABLE file_deletion_task_history");
    }

    /** Files still present under {@code prefix}. */
    long filesLeft(String prefix) {
        Path dir = root.resolve(prefix);
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void removeTree(String prefix) {
        Path dir = root.resolve(prefix);
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------------------------ end state

    /**
     * Every row of the dataset in history exactly once (by id range), as DELETED, finished by one of
     * {@code finishedBy}; none left in the task table; every file gone.
     */
    void assertMoved(Dataset d, Collection<String> finishedBy) {
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM file_deletion_task WHERE id BETWEEN ? AND ?", Long.class, d.minId(), d.maxId()))
                .as("rows of %s left in the task table", d.prefix()).isZero();
        Map<String, Object> h = jdbc.queryForMap("SELECT COUNT(*) AS n, COUNT(DISTINCT id) AS ids, SUM(outcome = 'DELETED') AS deleted, "
                + "SUM(finished_by IN (" + String.join(", ", Collections.nCopies(finishedBy.size(), "?")) + ")) AS mine "
                + "FROM file_deletion_task_history WHERE id BETWEEN ? AND ?",
                Stream.concat(finishedBy.stream(), Stream.of(d.minId(), d.maxId())).toArray());
        assertThat(((Number) h.get("n")).longValue()).as("history rows").isEqualTo(d.rows());
        assertThat(((Number) h.get("ids")).longValue()).as("distinct ids in history").isEqualTo(d.rows());
        assertThat(((Number) h.get("deleted")).longValue()).as("history rows DELETED").isEqualTo(d.rows());
        assertThat(((Number) h.get("mine")).longValue()).as("history rows finished by %s", finishedBy).isEqualTo(d.rows());
        assertThat(filesLeft(d.prefix())).as("files of %s left", d.prefix()).isZero();
    }

    /**
     * The per-row baseline's end state: all moved, or, when its time cap stopped it, the rows it did in
     * history exactly once and the rest untouched (their files are then removed, untimed).
     */
    void assertMovedByPerRow(Dataset d, PerRowBaseline.Result result) {
        assertThat(result.lost()).as("rows the per-row baseline lost").isZero();
        if (!result.capped()) {
            assertThat(result.processed()).isEqualTo(d.rows());
            assertMoved(d, List.of(PerRowBaseline.OWNER));
            return;
        }
        Map<String, Object> h = jdbc.queryForMap("SELECT COUNT(*) AS n, COUNT(DISTINCT id) AS ids FROM file_deletion_task_history "
                + "WHERE id BETWEEN ? AND ?", d.minId(), d.maxId());
        assertThat(((Number) h.get("n")).longValue()).isEqualTo(result.processed());
        assertThat(((Number) h.get("ids")).longValue()).isEqualTo(result.processed());
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM file_deletion_task WHERE status <> 'PENDING'", Long.class))
                .as("rows left claimed").isZero();
        removeTree(d.prefix());
    }
}
