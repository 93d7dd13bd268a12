package io.shardsweep.startup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardsweep.ShardSweepApplication;
import io.shardsweep.testsupport.RandomTokens;
import io.shardsweep.testsupport.TestDatabase;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The application started in-process, as {@code java -jar} starts it (SpringApplication, a servlet
 * web application, the XXL-JOB executor enabled), with one bad setting each: the start is refused
 * before the database is touched, and the output holds one block that names the setting, without a
 * stack trace and without the secret.
 */
@ExtendWith(OutputCaptureExtension.class)
class StartupRefusalTest {

    private static final String SCHEMA = "refused_start";
    /** Boot's report of an analyzed failure; an unanalyzed one is logged as "Application run failed" with its trace. */
    private static final String BLOCK = "APPLICATION FAILED TO START";
    private static final int MAX_TRACE_LINES = 3;
    private static final String INTAKE_TOKEN = RandomTokens.of(40);
    private static final String ACCESS_TOKEN = RandomTokens.of(40);
    /** Never bound: every start here is refused before the executor starts. */
    private static final int UNUSED_PORT = 19399;
    private static TestDatabase db;
    private static JdbcTemplate server;
    private static Path storage;

    @BeforeAll
    static void database() throws IOException {
        db = TestDatabase.get();
        server = new JdbcTemplate(db.freshSchema("refused_start_admin"));
        storage = Files.createTempDirectory("shardsweep-refused").toRealPath();
    }

    /** An existing, empty schema: what a first start on a new database finds. */
    @BeforeEach
    void emptySchema() {
        server.execute("DROP DATABASE IF EXISTS " + TestDatabase.schemaName(SCHEMA));
        server.execute("CREATE DATABASE " + TestDatabase.schemaName(SCHEMA));
    }

    static Stream<Arguments> badSettings() {
        String shortSecret = RandomTokens.of(31);
        String spacedSecret = RandomTokens.of(20) + " " + RandomTokens.of(20);
        return Stream.of(
                Arguments.of("xxl.job.admin.accessToken=abc + 29 spaces", List.of("--xxl.job.admin.accessToken=abc" + " ".repeat(29)),
                        "xxl.job.admin.accessToken must be printable ASCII (0x21-0x7e) without spaces", "abc" + " ".repeat(29)),
                Arguments.of("a short xxl.job.admin.accessToken", List.of("--xxl.job.admin.accessToken=" + shortSecret),
                        "xxl.job.admin.accessToken has 31 characters; at least 32", shortSecret),
                Arguments.of("xxl.job.admin.accessToken=default_token", List.of("--xxl.job.admin.accessToken=default_token"),
                        "xxl.job.admin.accessToken is the publicly known 'default_token'", null),
                Arguments.of("a shardsweep.intake.api-token with a space", List.of("--shardsweep.intake.api-token=" + spacedSecret),
                        "shardsweep.intake.api-token must be printable ASCII without spaces", spacedSecret),
                Arguments.of("shardsweep.batch-size=0", List.of("--shardsweep.batch-size=0"),
                        "shardsweep.batch-size must be between 1 and 5000, got 0", null),
                Arguments.of("shardsweep.run-timeout above shardsweep.max-run-timeout", List.of("--shardsweep.run-timeout=2h", "--shardsweep.max-run-timeout=1h"),
                        "shardsweep.run-timeout (PT2H) exceeds shardsweep.max-run-timeout (PT1H)", null),
                Arguments.of("xxl.job.executor.port=0", List.of("--xxl.job.executor.port=0"),
                        "xxl.job.executor.port must be between 1 and 65535, got 0", null),
                Arguments.of("xxl.job.admin.timeout=30", List.of("--xxl.job.admin.timeout=30"),
                        "xxl.job.admin.timeout must be between 1 and 10 seconds, got 30", null),
                Arguments.of("shardsweep.batch-size=lots (not a number)", List.of("--shardsweep.batch-size=lots"),
                        "shardsweep.batch-size: Failed to convert", null),
                Arguments.of("shardsweep.storage-root=/", List.of("--shardsweep.storage-root=/"),
                        "shardsweep.storage-root", null),
                Arguments.of("a shardsweep.storage-root that does not exist",
                        List.of("--shardsweep.storage-root=" + storage.resolve("missing")),
                        "shardsweep.storage-root (" + storage.resolve("missing") + ") is not an existing directory", null),
                Arguments.of("shardsweep.storage.type=nfs", List.of("--shardsweep.storage.type=nfs"),
                        "shardsweep.storage.type", null),
                Arguments.of("shardsweep.storage.type=s3 without shardsweep.s3.buckets", List.of("--shardsweep.storage.type=s3"),
                        "shardsweep.s3.buckets is required with shardsweep.storage.type=s3", null),
                Arguments.of("an S3 endpoint over plain http to a remote host",
                        List.of("--shardsweep.storage.type=s3", "--shardsweep.s3.buckets=video", "--shardsweep.s3.endpoint=http://minio.example:9000"),
                        "shardsweep.s3.endpoint uses plain http to a host that is not loopback", null),
                Arguments.of("shardsweep.s3.request-timeout above shardsweep.in-flight-grace",
                        List.of("--shardsweep.storage.type=s3", "--shardsweep.s3.buckets=video", "--shardsweep.s3.request-timeout=1m"),
                        "shardsweep.s3.request-timeout (PT1M) exceeds shardsweep.in-flight-grace (PT30S)", null),
                Arguments.of("shardsweep.s3.health.timeout=0s",
                        List.of("--shardsweep.storage.type=s3", "--shardsweep.s3.buckets=video", "--shardsweep.s3.health.timeout=0s"),
                        "shardsweep.s3.health.timeout must be a positive duration of at most 1m, got PT0S", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badSettings")
    void a_bad_setting_is_refused_before_the_database_is_touched_with_one_block_naming_it(String label, List<String> bad,
            String expected, String secret, CapturedOutput output) {
        List<String> args = with(validArguments(db.jdbcUrl(SCHEMA), db.password()), bad);

        assertThatThrownBy(() -> start(args)).as("start with %s", label).isNotNull();

        assertThat(tablesIn(SCHEMA)).as("tables (flyway_schema_history included) created by the refused start").isEmpty();
        String out = output.getAll();
        assertThat(out).contains(BLOCK).contains("ShardSweep refused to start: ").contains(expected)
                .contains(InvalidSettingsFailureAnalyzer.ACTION);
        assertThat(traceLines(out)).as("stack trace lines in the output:%n%s", out).isLessThanOrEqualTo(MAX_TRACE_LINES);
        if (secret != null) {
            // a boolean, so that a failure does not print the secret into the report
            assertThat(out.contains(secret)).as("the refused secret appears in the output").isFalse();
        }
    }

    @Test
    void an_unreachable_database_is_reported_in_one_line_with_its_host_and_port_and_never_the_password(CapturedOutput output)
            throws IOException {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        String password = "db-" + RandomTokens.of(30);
        List<String> args = validArguments("jdbc:mysql://127.0.0.1:" + closed + "/shardsweep?password=" + password + "&useSSL=false", password);

        assertThatThrownBy(() -> start(args)).isNotNull();

        String out = output.getAll();
        assertThat(out).contains(BLOCK)
                .contains("Cannot reach the database at 127.0.0.1:" + closed + " (Connection refused); check spring.datasource.url")
                .contains(DatabaseUnreachableFailureAnalyzer.ACTION);
        assertThat(traceLines(out)).as("stack trace lines in the output:%n%s", out).isLessThanOrEqualTo(MAX_TRACE_LINES);
        assertThat(out.contains(password)).as("the database password appears in the output").isFalse();
    }

    @Test
    void a_database_that_refuses_the_login_is_reported_with_its_host_and_port_and_never_the_password(CapturedOutput output) {
        String password = "wrong-" + RandomTokens.of(30);
        List<String> args = validArguments(db.jdbcUrl(SCHEMA), password);

        assertThatThrownBy(() -> start(args)).isNotNull();

        String out = output.getAll();
        assertThat(out).contains(BLOCK).containsPattern("The database at [^ ]+:\\d+ refused the login \\(Access denied for user");
        assertThat(traceLines(out)).as("stack trace lines in the output:%n%s", out).isLessThanOrEqualTo(MAX_TRACE_LINES);
        assertThat(out.contains(password)).as("the database password appears in the output").isFalse();
        assertThat(tablesIn(SCHEMA)).isEmpty();
    }

    /** Everything valid, as an operator starts the executor: database, storage root, both tokens, executor on. */
    private static List<String> validArguments(String jdbcUrl, String password) {
        return new ArrayList<>(List.of(
                "--spring.datasource.url=" + jdbcUrl,
                "--spring.datasource.username=" + db.username(),
                "--spring.datasource.password=" + password,
                "--shardsweep.storage-root=" + storage,
                "--shardsweep.intake.api-token=" + INTAKE_TOKEN,
                "--xxl.job.admin.accessToken=" + ACCESS_TOKEN,
                "--xxl.job.admin.addresses=http://127.0.0.1:1/xxl-job-admin",
                "--xxl.job.executor.port=" + UNUSED_PORT,
                "--server.port=0",
                "--server.address=127.0.0.1",
                "--management.server.port=0",
                "--spring.main.banner-mode=off"));
    }

    /**
     * {@code valid} with the {@code --name=value} arguments of {@code bad} in place of those of the same
     * names: a property given twice on the command line would be bound as both values joined by a comma.
     */
    private static List<String> with(List<String> valid, List<String> bad) {
        List<String> args = new ArrayList<>();
        for (String arg : valid) {
            String name = arg.substring(0, arg.indexOf('=') + 1);
            if (bad.stream().noneMatch(b -> b.startsWith(name))) {
                args.add(arg);
            }
        }
        args.addAll(bad);
        return args;
    }

    private static void start(List<String> args) {
        new SpringApplicationBuilder(ShardSweepApplication.class)
                .web(WebApplicationType.SERVLET)
                .run(args.toArray(String[]::new))
                .close();
    }

    private List<String> tablesIn(String schema) {
        return server.queryForList("SELECT table_name FROM information_schema.tables WHERE table_schema = ?", String.class,
                TestDatabase.schemaName(schema));
    }

    private static long traceLines(String output) {
        return Pattern.compile("(?m)^\\s+at [\\w.$]+\\(").matcher(output).results().count();
    }
}
