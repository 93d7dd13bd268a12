package io.shardsweep.xxljob;

import static org.assertj.core.api.Assertions.assertThat;

import com.xxl.job.core.context.XxlJobContext;
import io.shardsweep.ShardSweepApplication;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The database is unreachable: both handlers fail the run with a clear message instead of a stack trace. */
@SpringBootTest(classes = ShardSweepApplication.class, properties = {
        "xxl.job.executor.enabled=false",
        "shardsweep.intake.enabled=false",
        "spring.main.keep-alive=false",
        "spring.flyway.enabled=false",
        "spring.datasource.hikari.initialization-fail-timeout=-1",
        "spring.datasource.hikari.connection-timeout=500"})
class DeadDatabaseHandlerTest {

    @Autowired
    FileCleanupJobHandler cleanup;

    @Autowired
    StaleTaskCompensationJobHandler compensation;

    @DynamicPropertySource
    static void unreachableDatabase(DynamicPropertyRegistry registry) throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        registry.add("spring.datasource.url", () -> "jdbc:mysql://127.0.0.1:" + closedPort + "/shardsweep?connectTimeout=500");
        String storage = Files.createTempDirectory("dead-db").toString();
        registry.add("shardsweep.storage-root", () -> storage);
    }

    @AfterEach
    void clearContext() {
        XxlJobContext.setXxlJobContext(null);
    }

    @Test
    void cleanup_with_the_database_down_fails_the_run_and_says_the_database_is_unavailable() {
        XxlJobContext context = trigger("", 0, 2);

        cleanup.fileCleanupJob();

        assertThat(context.getHandleCode()).isEqualTo(XxlJobContext.HANDLE_CODE_FAIL);
        assertThat(context.getHandleMsg()).startsWith("database unavailable or failing, the run stopped")
                .contains("staleTaskCompensationJob");
    }

    @Test
    void compensation_with_the_database_down_fails_the_run_and_says_the_database_is_unavailable() {
        XxlJobContext context = trigger(null, 0, 1);

        compensation.staleTaskCompensationJob();

        assertThat(context.getHandleCode()).isEqualTo(XxlJobContext.HANDLE_CODE_FAIL);
        assertThat(context.getHandleMsg()).startsWith("database unavailable or failing");
    }

    @Test
    void a_bad_parameter_is_refused_before_the_database_is_touched() {
        XxlJobContext context = trigger("{\"batchSize\": -5}", 0, 1);

        cleanup.fileCleanupJob();

        assertThat(context.getHandleCode()).isEqualTo(XxlJobContext.HANDLE_CODE_FAIL);
        assertThat(context.getHandleMsg()).contains("batchSize must be between 1 and");
    }

    @Test
    void compensation_refuses_a_parameter_it_does_not_take() {
        XxlJobContext context = trigger("{\"dryRun\": true}", 0, 1);

        compensation.staleTaskCompensationJob();

        assertThat(context.getHandleCode()).isEqualTo(XxlJobContext.HANDLE_CODE_FAIL);
        assertThat(context.getHandleMsg()).contains("takes no executor parameter");
    }

    private static XxlJobContext trigger(String parameter, int shardIndex, int shardTotal) {
        XxlJobContext context = new XxlJobContext(7, parameter, 1, System.currentTimeMillis(), null, shardIndex, shardTotal);
        XxlJobContext.setXxlJobContext(context);
        return context;
    }
}
