package io.shardsweep.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardsweep.ShardSweepApplication;
import io.shardsweep.claim.ShardAssignment;
import io.shardsweep.run.CleanupRunner;
import io.shardsweep.run.RunLog;
import io.shardsweep.run.RunParameters;
import io.shardsweep.storage.filesystem.ConfinedFileDeleter;
import io.shardsweep.testsupport.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.servlet.context.ServletWebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Issue 9, defect 1: started with {@code shardsweep.storage-root=/}, the executor deleted inside
 * Tomcat's temporary docbase ({@code tomcat-docbase.<port>.<n>} in the temp directory) and finished
 * the rows ALREADY_ABSENT. The cause: Spring's {@code PathEditor}, which the properties binder tries
 * before any converter, hands a path that starts with {@code /} (and a relative one such as
 * {@code .}) to the application context's resource loader first, and in a servlet application that
 * loader resolves it inside the ServletContext: {@code /} and {@code .} exist there, so they became
 * the docbase. These tests run the whole application with its real embedded Tomcat, as in production.
 */
class StorageRootEndToEndTest {

    private static final String TOKEN = "storage-root-intake-token-0123456789abcdef";

    private ConfigurableApplicationContext context;

    @AfterEach
    void close() {
        if (context != null) {
            context.close();
        }
    }

    private ConfigurableApplicationContext start(String schema, String storageRoot) {
        TestDatabase db = TestDatabase.get();
        db.freshSchema(schema);
        return new SpringApplicationBuilder(ShardSweepApplication.class)
                .web(WebApplicationType.SERVLET)
                .run("--spring.datasource.url=" + db.jdbcUrl(schema),
                        "--spring.datasource.username=" + db.username(),
                        "--spring.datasource.password=" + db.password(),
                        "--server.port=0",
                        "--server.address=127.0.0.1",
                        "--management.server.port=0",
                        "--management.server.address=127.0.0.1",
                        "--shardsweep.storage-root=" + storageRoot,
                        "--shardsweep.delete-pool-size=2",
                        "--shardsweep.intake.api-token=" + TOKEN,
                        "--xxl.job.executor.enabled=false",
                        "--spring.main.keep-alive=false");
    }

    @Test
    void a_storage_root_of_slash_is_refused_at_start_with_a_message_naming_the_property() {
        assertThatThrownBy(() -> context = start("root_slash", "/"))
                .rootCause()
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("shardsweep.storage-root")
                .hasMessageContaining("'/'");
    }

    @Test
    void a_relative_storage_root_is_the_working_directory_and_never_the_servlet_docbase() throws Exception {
        String relative = "target/storage-root-e2e-" + UUID.randomUUID() + "/video.mp4";
        Path cwd = Path.of("").toAbsolutePath().toRealPath();
        Path real = cwd.resolve(relative);
        Files.createDirectories(real.getParent());
        Files.writeString(real, "the file the row names");

        context = start("root_relative", ".");
        ConfinedFileDeleter deleter = context.getBean(ConfinedFileDeleter.class);
        Path docbase = Path.of(((ServletWebServerApplicationContext) context).getServletContext().getRealPath("/"));
        Path decoy = docbase.resolve(relative);
        Files.createDirectories(decoy.getParent());
        Files.writeString(decoy, "Tomcat's docbase: never the storage root");
        JdbcTemplate jdbc = new JdbcTemplate(context.getBean(DataSource.class));
        jdbc.update("INSERT INTO file_deletion_task (file_path) VALUES (?)", relative);

        context.getBean(CleanupRunner.class).run(ShardAssignment.ALL, new RunParameters(10, Duration.ofMinutes(1), false), RunLog.NONE);

        assertThat(deleter.root()).isEqualTo(cwd);
        assertThat(real).as("the row's file under the working directory").doesNotExist();
        assertThat(decoy).as("the same name under the docbase %s", docbase).hasContent("Tomcat's docbase: never the storage root");
        assertThat(jdbc.queryForObject("SELECT outcome FROM file_deletion_task_history WHERE file_path = ?", String.class, relative))
                .isEqualTo("DELETED");
    }
}
