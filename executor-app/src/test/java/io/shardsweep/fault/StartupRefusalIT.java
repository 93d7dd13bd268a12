package io.shardsweep.fault;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardsweep.testsupport.RandomTokens;
import io.shardsweep.testsupport.TestDatabase;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The packaged jar, started as an operator starts it ({@code java -jar}, secrets in the environment),
 * with a setting it must refuse: it exits non-zero and prints one block naming the setting, without a
 * stack trace (neither Spring's nor the JVM's for the main thread) and without the secret. The
 * in-process cases are in {@code startup/StartupRefusalTest}; this one also covers the jar's launcher.
 *
 * <p>Run alone: {@code mvn -B -pl executor-app verify -Dtest=NoSuchTest -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=StartupRefusalIT}.
 */
class StartupRefusalIT {

    private static final Pattern TRACE_LINE = Pattern.compile("(?m)^\\s+at [\\w.$]+\\(");

    @Test
    void the_jar_refuses_a_padded_access_token_in_one_block_before_touching_the_database_and_exits_non_zero() throws Exception {
        TestDatabase db = TestDatabase.get();
        JdbcTemplate jdbc = new JdbcTemplate(db.freshSchema("refused_jar_admin"));
        String schema = TestDatabase.schemaName("refused_jar");
        jdbc.execute("DROP DATABASE IF EXISTS " + schema);
        jdbc.execute("CREATE DATABASE " + schema);
        String padded = "abc" + " ".repeat(29);

        Result result = run(db.jdbcUrl("refused_jar"), db.username(), db.password(), padded);

        assertThat(result.exit()).as("exit code; output:%n%s", result.output()).isNotZero();
        assertThat(result.output()).contains("APPLICATION FAILED TO START")
                .contains("ShardSweep refused to start: xxl.job.admin.accessToken must be printable ASCII (0x21-0x7e) without spaces");
        assertThat(result.traceLines()).as("stack trace lines; output:%n%s", result.output()).isLessThanOrEqualTo(3);
        assertThat(result.output().contains(padded)).as("the padded token in the output").isFalse();
        assertThat(jdbc.queryForList("SELECT table_name FROM information_schema.tables WHERE table_schema = ?", String.class, schema))
                .as("tables created by the refused start").isEmpty();
    }

    @Test
    void the_jar_reports_an_unreachable_database_in_one_line_and_exits_non_zero() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        String password = "db-" + RandomTokens.of(30);

        Result result = run("jdbc:mysql://127.0.0.1:" + closed + "/shardsweep?useSSL=false", "shardsweep", password, RandomTokens.of(40));

        assertThat(result.exit()).as("exit code; output:%n%s", result.output()).isNotZero();
        assertThat(result.output()).contains("APPLICATION FAILED TO START")
                .contains("Cannot reach the database at 127.0.0.1:" + closed + " (Connection refused); check spring.datasource.url");
        assertThat(result.traceLines()).as("stack trace lines; output:%n%s", result.output()).isLessThanOrEqualTo(3);
        assertThat(result.output().contains(password)).as("the database password in the output").isFalse();
    }

    record Result(int exit, String output) {
        long traceLines() {
            return TRACE_LINE.matcher(output).results().count();
        }
    }

    private static Result run(String jdbcUrl, String user, String password, String accessToken) throws IOException, InterruptedException {
        String jar = System.getProperty("shardsweep.executor.jar");
        assertThat(jar).as("system property shardsweep.executor.jar (set by Failsafe)").isNotNull();
        Path work = Files.createDirectories(FaultScenario.targetDir().resolve("fault-work"));
        Path storage = Files.createTempDirectory(work, "refused-").toRealPath();
        Path output = Files.createTempFile(work, "refused-", ".log");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", jar,
                "--spring.datasource.url=" + jdbcUrl,
                "--spring.datasource.username=" + user,
                "--shardsweep.storage-root=" + storage,
                "--shardsweep.intake.enabled=false",
                "--xxl.job.admin.addresses=http://127.0.0.1:1/xxl-job-admin",
                "--xxl.job.executor.port=" + ExecutorProcess.freePort(),
                "--xxl.job.executor.logpath=" + storage.resolve("joblogs"),
                "--server.port=0",
                "--server.address=127.0.0.1",
                "--management.server.port=0",
                "--spring.main.banner-mode=off"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        builder.environment().putAll(Map.of("SPRING_DATASOURCE_PASSWORD", password, "XXL_JOB_ADMIN_ACCESSTOKEN", accessToken,
                "LANG", "C.UTF-8"));
        Process process = builder.start();
        try {
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                throw new AssertionError("the refused start did not exit within 120 s:\n" + Files.readString(output, StandardCharsets.UTF_8));
            }
            return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } finally {
            process.destroyForcibly();
        }
    }
}
