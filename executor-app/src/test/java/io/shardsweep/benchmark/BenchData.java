package io.shardsweep.benchmark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.springframework.jdbc.core.JdbcTemplate;

/** Generated backlogs: empty files under the storage root and one due PENDING row each. */
final class BenchData {

    static final int DIRECTORIES = 100;

    private final JdbcTemplate jdbc;
    private final Path root;

    BenchData(JdbcTemplate jdbc, Path root) {
        this.jdbc = jdbc;
        this.root = root;
    }

    /** Rows {@code minId..maxId} (consecutive), file i at {@link #path(int)}. */
    record Dataset(String prefix, int rows, long minId, long maxId) {
        String path(int i) {
            return BenchData.path(prefix, i);
        }
    }

    static String path(String prefix, int i) {
        return prefix + "/" + (i % DIRECTORIES) + "/f" + i;
    }

    /** Creates {@code rows} empty files (on 4 threads) and their rows, due now. */
    Dataset generate(String prefix, int rows) {
        try {
            for (int d = 0; d < DIRECTORIES; d++) {
                Files.createDirectories(root.resolve(prefix + "/" + d));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int writers = 4;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<Future<?>> parts = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int start = w;
                parts.add(pool.submit(() -> {
                    for (int i = start; i < rows; i += writers) {
                        try {
                            Files.createFile(root.resolve(path(prefix, i)));
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

        Long before = jdbc.queryForObject("SELECT COALESCE(MAX(id), 0) FROM file_deletion_task", Long.class);
        List<Object[]> batch = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            batch.add(new Object[] {path(prefix, i)});
            if (batch.size() == 10_000 || i == rows - 1) {
                jdbc.batchUpdate("INSERT INTO file_deletion_task (file_path) VALUES (?)", batch);
                batch.clear();
            }
        }
        var range = jdbc.queryForMap("SELECT MIN(id) AS lo, MAX(id) AS hi, COUNT(*) AS n FROM file_deletion_task WHERE id > ?", before);
        long lo = ((Number) range.get("lo")).longValue();
        long hi = ((Number) range.get("hi")).longValue();
        long n = ((Number) range.get("n")).longValue();
        if (n != rows || hi - lo + 1 != rows) {
            throw new IllegalStateException("expected " + rows + " consecutive ids, got " + n + " in " + lo + ".." + hi);
        }
        // Path i must be the row minId + i for the floor's unlink loop; the insert keeps that order.
        String first = jdbc.queryForObject("SELECT file_path FROM file_deletion_task WHERE id = ?", String.class, lo);
        String last = jdbc.queryForObject("SELECT file_path FROM file_deletion_task WHERE id = ?", String.class, hi);
        if (!first.equals(path(prefix, 0)) || !last.equals(path(prefix, rows - 1))) {
            throw new IllegalStateException("ids are not in path order: " + first + " .. " + last);
        }
        return new Dataset(prefix, rows, lo, hi);
    }

    /** Rows only, no files: for the claim probes, which finish batches without deleting anything. */
    Dataset rowsOnly(String prefix, int rows) {
        Long before = jdbc.queryForObject("SELECT COALESCE(MAX(id), 0) FROM file_deletion_task", Long.class);
        List<Object[]> batch = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            batch.add(new Object[] {path(prefix, i)});
            if (batch.size() == 10_000 || i == rows - 1) {
                jdbc.batchUpdate("INSERT INTO file_deletion_task (file_path) VALUES (?)", batch);
                batch.clear();
            }
        }
        var range = jdbc.queryForMap("SELECT MIN(id) AS lo, MAX(id) AS hi FROM file_deletion_task WHERE id > ?", before);
        return new Dataset(prefix, rows, ((Number) range.get("lo")).longValue(), ((Number) range.get("hi")).longValue());
    }

    /**
     * {@code count} rows that are never due now, with lower ids than anything inserted after: even
     * ones DEAD, odd ones PENDING but not before tomorrow.
     */
    void addBlockers(int count) {
        List<Object[]> batch = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            batch.add(new Object[] {"blocked/" + (i % DIRECTORIES) + "/f" + i});
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
        awaitPurge();
        truncate("file_deletion_task");
        truncate("file_deletion_task_history");
    }

    /**
     * On MariaDB, a TRUNCATE right after a large delete waited out innodb_lock_wait_timeout with no
     * transaction open (purge still working through the table); waiting for purge first avoids that.
     */
    private void awaitPurge() {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            List<Long> length = jdbc.query("SHOW GLOBAL STATUS LIKE 'Innodb_history_list_length'", (rs, n) -> rs.getLong(2));
            if (length.isEmpty() || length.get(0) <= 20) {
                return;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
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
}
