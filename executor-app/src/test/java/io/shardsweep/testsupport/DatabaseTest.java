package io.shardsweep.testsupport;

import io.shardsweep.ShardSweepApplication;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Base of the SQL-level tests: the real application context (mappers, services, transactions) on a
 * real MySQL-compatible database, without the XXL-JOB server. All subclasses share one context and
 * one schema; each test starts from empty tables, an empty storage root and the real time.
 */
@SpringBootTest(classes = ShardSweepApplication.class, properties = {
        "xxl.job.executor.enabled=false",
        "spring.main.keep-alive=false",
        "shardsweep.delete-pool-size=4",
        "shardsweep.max-attempts=3",
        "shardsweep.retry-backoff=1m",
        "shardsweep.stale-threshold=5m",
        "shardsweep.in-flight-grace=5s",
        "shardsweep.intake.api-token=test-intake-token-0123456789abcdef0123"})
@Import(DatabaseTest.TestBeans.class)
public abstract class DatabaseTest {

    protected static final Path STORAGE_ROOT = createStorageRoot();
    private static final String SCHEMA = "core";

    @Autowired
    protected JdbcTemplate jdbc;

    @Autowired
    protected MutableClock clock;

    @Autowired
    protected GatedFileDeleter gate;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabase.registerFreshSchema(registry, SCHEMA);
        registry.add("shardsweep.storage-root", STORAGE_ROOT::toString);
    }

    @BeforeEach
    void emptyTablesAndStorage() throws IOException {
        jdbc.update("DELETE FROM file_deletion_task");
        jdbc.update("DELETE FROM file_deletion_task_history");
        clock.reset();
        gate.open();
        gate.failPathsContaining(null);
        try (var paths = Files.walk(STORAGE_ROOT)) {
            paths.sorted((a, b) -> b.getNameCount() - a.getNameCount())
                    .filter(p -> !p.equals(STORAGE_ROOT))
                    .forEach(p -> {
                        try {
                            Files.delete(p);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    });
        }
    }

    /** Creates {@code count} files under the storage root and one PENDING row each; returns the ids. */
    protected List<Long> enqueueFiles(int count) {
        for (int i = 0; i < count; i++) {
            String path = "videos/" + (i % 10) + "/file-" + i + ".mp4";
            writeFile(path);
            jdbc.update("INSERT INTO file_deletion_task (file_path) VALUES (?)", path);
        }
        return jdbc.queryForList("SELECT id FROM file_deletion_task ORDER BY id", Long.class);
    }

    protected long enqueue(String path) {
        jdbc.update("INSERT INTO file_deletion_task (file_path) VALUES (?)", path);
        return jdbc.queryForObject("SELECT MAX(id) FROM file_deletion_task", Long.class);
    }

    protected Path writeFile(String relative) {
        try {
            Path file = STORAGE_ROOT.resolve(relative);
            Files.createDirectories(file.getParent());
            return Files.writeString(file, "x");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    protected Map<String, Object> row(long id) {
        return jdbc.queryForMap("SELECT * FROM file_deletion_task WHERE id = ?", id);
    }

    protected String status(long id) {
        return jdbc.queryForObject("SELECT status FROM file_deletion_task WHERE id = ?", String.class, id);
    }

    protected int count(String sql, Object... args) {
        return jdbc.queryForObject(sql, Integer.class, args);
    }

    /** Regular files left anywhere under the storage root. */
    protected long filesLeft() {
        try (var files = Files.walk(STORAGE_ROOT)) {
            return files.filter(Files::isRegularFile).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    protected int inProgressCount() {
        return count("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'IN_PROGRESS'");
    }

    private static Path createStorageRoot() {
        try {
            return Files.createTempDirectory("shardsweep-storage").toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A settable clock and a gated deleter; public so that tests building their own context can use them. */
    @TestConfiguration(proxyBeanMethods = false)
    public static class TestBeans {
        @Bean
        @Primary
        MutableClock mutableClock() {
            return new MutableClock();
        }

        @Bean
        @Primary
        GatedFileDeleter gatedFileDeleter(io.shardsweep.storage.filesystem.ConfinedFileDeleter real) {
            return new GatedFileDeleter(real);
        }
    }
}
