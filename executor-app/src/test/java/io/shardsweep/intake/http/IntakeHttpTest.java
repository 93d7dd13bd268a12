package io.shardsweep.intake.http;

import com.zaxxer.hikari.HikariDataSource;
import io.shardsweep.testsupport.DatabaseTest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.MockMvcPrint;
import org.springframework.boot.webmvc.test.autoconfigure.SpringBootMockMvcBuilderCustomizer;
import org.springframework.http.HttpHeaders;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.setup.DefaultMockMvcBuilder;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.context.WebApplicationContext;

/**
 * Base of the tests that send real requests to the intake API (MockMvc with the application's servlet
 * filters, on the shared context and database), with the two database faults the API answers with a
 * 5xx: tables that are gone (500) and tables locked by another session (503).
 */
abstract class IntakeHttpTest extends DatabaseTest {

    /** Set in DatabaseTest's properties. */
    static final String TOKEN = "test-intake-token-0123456789abcdef0123";
    static final String PROBLEM_JSON = "application/problem+json";

    @Autowired
    WebApplicationContext context;

    @Autowired
    DataSource dataSource;

    MockMvc mvc;

    @BeforeEach
    void mockMvcWithTheApplicationsFilters() {
        // As @AutoConfigureMockMvc would build it (servlet filters included, so the bearer filter runs
        // with its real URL pattern), without starting a second application context.
        DefaultMockMvcBuilder builder = MockMvcBuilders.webAppContextSetup(context);
        SpringBootMockMvcBuilderCustomizer customizer = new SpringBootMockMvcBuilderCustomizer(context);
        customizer.setPrint(MockMvcPrint.NONE); // printing would write the Authorization header to stdout
        customizer.customize(builder);
        mvc = builder.build();
    }

    static MockHttpServletRequestBuilder authorized(MockHttpServletRequestBuilder request) {
        return request.header(HttpHeaders.AUTHORIZATION, "Bearer " + TOKEN);
    }

    long deadTask(String path) {
        long id = enqueue(path);
        jdbc.update("UPDATE file_deletion_task SET status = 'DEAD', attempts = 3 WHERE id = ?", id);
        return id;
    }

    interface Work<T> {
        T run() throws Exception;
    }

    /** Runs {@code work} while both task tables are renamed away, so every intake query fails with "table doesn't exist". */
    <T> T withTablesGone(Work<T> work) throws Exception {
        jdbc.execute("RENAME TABLE file_deletion_task TO gone_task, file_deletion_task_history TO gone_task_history");
        try {
            return work.run();
        } finally {
            jdbc.execute("RENAME TABLE gone_task TO file_deletion_task, gone_task_history TO file_deletion_task_history");
        }
    }

    /**
     * Runs {@code work} while another session holds write locks on both task tables, and the pool's
     * sessions wait at most 1 s for a lock (set globally, then the pool's connections are replaced so
     * that they take it; restored after), so every intake query fails with a lock wait timeout.
     */
    <T> T withTablesLocked(Work<T> work) throws Exception {
        HikariDataSource pool = dataSource.unwrap(HikariDataSource.class);
        long lockWait = globalLong("lock_wait_timeout");
        long innodbLockWait = globalLong("innodb_lock_wait_timeout");
        try (Connection locker = pool.getConnection(); Statement statement = locker.createStatement()) {
            statement.execute("SET GLOBAL lock_wait_timeout = 1");
            statement.execute("SET GLOBAL innodb_lock_wait_timeout = 1");
            pool.getHikariPoolMXBean().softEvictConnections();
            statement.execute("LOCK TABLES file_deletion_task WRITE, file_deletion_task_history WRITE");
            try {
                return work.run();
            } finally {
                statement.execute("UNLOCK TABLES");
                statement.execute("SET GLOBAL lock_wait_timeout = " + lockWait);
                statement.execute("SET GLOBAL innodb_lock_wait_timeout = " + innodbLockWait);
                pool.getHikariPoolMXBean().softEvictConnections();
            }
        }
    }

    private long globalLong(String variable) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT @@GLOBAL." + variable)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
