package io.shardsweep.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;

class TestDatabaseTest {

    private static final String SCHEMA = "TestDatabaseTest";

    private DataSource dataSource;
    private JdbcTemplate jdbc;

    @BeforeEach
    void freshSchema() {
        dataSource = TestDatabase.get().freshSchema(SCHEMA);
        jdbc = new JdbcTemplate(dataSource);
    }

    @Test
    void schema_from_sql_folder_loads_and_a_bare_insert_gets_its_defaults() {
        List<String> versions = jdbc.queryForList(
                "SELECT version FROM flyway_schema_history WHERE success = 1 AND version IS NOT NULL ORDER BY installed_rank",
                String.class);
        assertThat(versions).as("every migration in sql/, in order").containsExactlyElementsOf(migrationsInSqlFolder());

        jdbc.update("INSERT INTO file_deletion_task (file_path) VALUES ('a/b.mp4')");

        Map<String, Object> row = jdbc.queryForMap(
                "SELECT file_path, business_key, status, attempts, not_before, claim_owner, claim_token, claimed_at,"
                        + " lease_until, last_error, created_at, updated_at,"
                        + " ABS(TIMESTAMPDIFF(SECOND, created_at, UTC_TIMESTAMP(3))) AS created_seconds_from_utc_now"
                        + " FROM file_deletion_task");
        assertThat(row.get("file_path")).isEqualTo("a/b.mp4");
        assertThat(row.get("status")).isEqualTo("PENDING");
        assertThat(((Number) row.get("attempts")).intValue()).isZero();
        assertThat(row.get("created_at")).isNotNull();
        assertThat(row.get("updated_at")).isNotNull();
        assertThat(((Number) row.get("created_seconds_from_utc_now")).longValue()).isLessThanOrEqualTo(60);
        assertThat(row).containsEntry("not_before", null)
                .containsEntry("business_key", null)
                .containsEntry("claim_owner", null)
                .containsEntry("claim_token", null)
                .containsEntry("claimed_at", null)
                .containsEntry("lease_until", null)
                .containsEntry("last_error", null);

        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM file_deletion_task_history", Integer.class)).isZero();
    }

    @Test
    void connections_use_the_apps_settings_utc_session_and_read_committed() {
        assertThat(jdbc.queryForObject("SELECT @@session.time_zone", String.class)).isEqualTo("+00:00");
        assertThat(sessionIsolation()).isEqualTo("READ-COMMITTED");
        assertThat(((HikariDataSource) dataSource).getJdbcUrl())
                .isEqualTo(TestDatabase.get().jdbcUrl(SCHEMA))
                .contains("/ss_test_testdatabasetest?")
                .contains("useSSL=false", "allowPublicKeyRetrieval=true", "rewriteBatchedStatements=true");
    }

    /** MySQL 8 and MariaDB 11.1+ call it transaction_isolation; MariaDB before 11.1 only knows tx_isolation. */
    private String sessionIsolation() {
        try {
            return jdbc.queryForObject("SELECT @@session.transaction_isolation", String.class);
        } catch (DataAccessException unknownVariable) {
            return jdbc.queryForObject("SELECT @@session.tx_isolation", String.class);
        }
    }

    @Test
    void the_task_table_keeps_only_the_indexes_its_statements_use_and_no_claim_token_index() {
        List<String> indexes = jdbc.queryForList("SELECT DISTINCT index_name FROM information_schema.statistics"
                + " WHERE table_schema = DATABASE() AND table_name = 'file_deletion_task'", String.class);

        assertThat(indexes).containsExactlyInAnyOrder("PRIMARY", "uk_task_business_key", "idx_task_claim", "idx_task_lease");
    }

    @Test
    void duplicate_business_key_is_rejected_by_the_unique_constraint() throws SQLException {
        jdbc.update("INSERT INTO file_deletion_task (file_path, business_key) VALUES ('a/1.mp4', 'order-7')");
        // keys are optional: any number of rows may have none
        jdbc.update("INSERT INTO file_deletion_task (file_path) VALUES ('a/2.mp4')");
        jdbc.update("INSERT INTO file_deletion_task (file_path) VALUES ('a/3.mp4')");

        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            assertThatThrownBy(() -> st.executeUpdate(
                    "INSERT INTO file_deletion_task (file_path, business_key) VALUES ('a/other.mp4', 'order-7')"))
                    .isInstanceOf(SQLIntegrityConstraintViolationException.class)
                    .hasMessageContaining("uk_task_business_key");
        }
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM file_deletion_task", Integer.class)).isEqualTo(3);
    }

    @Test
    void status_outside_the_known_values_is_rejected_by_the_check_constraint() throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            // MySQL: 3819 "Check constraint 'ck_task_status' is violated."; MariaDB: 4025 "CONSTRAINT `ck_task_status` failed"
            assertThatThrownBy(() -> st.executeUpdate(
                    "INSERT INTO file_deletion_task (file_path, status) VALUES ('a/b.mp4', 'DONE')"))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("ck_task_status");
            assertThatThrownBy(() -> st.executeUpdate(
                    "INSERT INTO file_deletion_task (file_path, attempts) VALUES ('a/b.mp4', -1)"))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("ck_task_attempts");
            assertThatThrownBy(() -> st.executeUpdate(
                    "INSERT INTO file_deletion_task_history (id, file_path, outcome, attempts, created_at, finished_at, finished_by)"
                            + " VALUES (1, 'a/b.mp4', 'LOST', 0, NOW(3), NOW(3), 'exec-1')"))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("ck_history_outcome");
        }
        jdbc.update("INSERT INTO file_deletion_task (file_path, status) VALUES ('a/dead.mp4', 'DEAD')");
        assertThat(jdbc.queryForList("SELECT status FROM file_deletion_task", String.class)).containsExactly("DEAD");
    }

    @Test
    void fresh_schema_drops_earlier_rows() {
        jdbc.update("INSERT INTO file_deletion_task (file_path) VALUES ('a/b.mp4')");
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM file_deletion_task", Integer.class)).isEqualTo(1);

        DataSource again = TestDatabase.get().freshSchema(SCHEMA);

        assertThat(new JdbcTemplate(again).queryForObject("SELECT COUNT(*) FROM file_deletion_task", Integer.class))
                .isZero();
        assertThat(((HikariDataSource) dataSource).isClosed()).as("the earlier pool for the schema is closed").isTrue();
    }

    @Test
    void schema_names_are_sanitized_and_prefixed() {
        assertThat(TestDatabase.schemaName("ClaimIT.worker-2")).isEqualTo("ss_test_claimit_worker_2");
        assertThat(TestDatabase.schemaName("ss_test_x")).isEqualTo("ss_test_x");
        assertThat(TestDatabase.schemaName("x".repeat(100))).hasSize(64).startsWith("ss_test_xxx");
        assertThat(TestDatabase.get().kind()).isIn("configured", "testcontainers-mysql", "embedded-mariadb");
    }

    /** The versions of sql/V*__*.sql, the schema's single source, in version order. */
    private static List<String> migrationsInSqlFolder() {
        try (var files = Files.list(Path.of("..", "sql"))) {
            return files.map(f -> f.getFileName().toString())
                    .filter(name -> name.matches("V\\d+__.+\\.sql"))
                    .map(name -> name.substring(1, name.indexOf("__")))
                    .sorted(Comparator.comparingInt(Integer::parseInt))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
