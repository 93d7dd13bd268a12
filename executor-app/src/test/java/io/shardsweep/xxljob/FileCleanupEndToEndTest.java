package io.shardsweep.xxljob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.xxl.job.core.constant.Const;
import com.xxl.job.core.constant.ExecutorBlockStrategyEnum;
import com.xxl.job.core.openapi.ExecutorBiz;
import com.xxl.job.core.openapi.model.CallbackRequest;
import com.xxl.job.core.openapi.model.LogRequest;
import com.xxl.job.core.openapi.model.LogResult;
import com.xxl.job.core.openapi.model.TriggerRequest;
import com.xxl.tool.http.HttpTool;
import com.xxl.tool.response.Response;
import io.shardsweep.ShardSweepApplication;
import io.shardsweep.testsupport.AdminTriggerClient;
import io.shardsweep.testsupport.FakeXxlJobAdmin;
import io.shardsweep.testsupport.RandomTokens;
import io.shardsweep.testsupport.TestDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The whole application with the real XXL-JOB executor, driven only over HTTP the way xxl-job-admin
 * drives it: {@code /run} and {@code /kill} (and {@code /log}, as the admin console reads run logs) go
 * to the executor's embedded server; registration and callbacks arrive at {@link FakeXxlJobAdmin}.
 *
 * <p>xxl-job-core keeps its handler registry, job threads and admin clients in static fields, so this
 * must stay the only Spring context of the test JVM with {@code xxl.job.executor.enabled=true}.
 *
 * <p>Kills and executor timeouts are made to land mid-run deterministically, without touching the
 * application: the test holds, on its own connection, an uncommitted history row with the id of one
 * pending row in the middle of the backlog. The run cleans everything before it, deletes the files
 * of that row's batch, and then waits inside the batch's history copy for the test's row to commit
 * or roll back. (A lock on the pending row itself no longer stops a run: the claim passes rows that
 * other transactions hold.) The kill or timeout arrives while it waits; the test's row is rolled back
 * afterwards and the run must notice the interrupt, finish that batch, and stop.
 */
@SpringBootTest(classes = ShardSweepApplication.class, webEnvironment = WebEnvironment.NONE, properties = {
        "spring.main.keep-alive=false",
        "xxl.job.executor.enabled=true",
        "shardsweep.delete-pool-size=4",
        "shardsweep.max-batch-size=5000",
        "shardsweep.max-attempts=3",
        "shardsweep.in-flight-grace=10s",
        "shardsweep.stale-threshold=5m"})
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class FileCleanupEndToEndTest {

    /** The app name in application.yml: what an operator's executor group is called in the admin. */
    private static final String APP_NAME = "shardsweep-executor";
    private static final String CLEANUP = "fileCleanupJob";
    private static final String COMPENSATION = "staleTaskCompensationJob";
    private static final String SERIAL = ExecutorBlockStrategyEnum.SERIAL_EXECUTION.name();
    private static final String SCHEMA = "e2e";
    private static final String INSTANCE_ID = "e2e-executor-1";
    private static final String TOKEN = RandomTokens.of(40);
    private static final int PORT = freePort();
    private static final String EXECUTOR_ADDRESS = "http://127.0.0.1:" + PORT + "/";
    private static final Path STORAGE_ROOT = tempDir("shardsweep-e2e-storage");
    private static final Path JOB_LOG_PATH = tempDir("shardsweep-e2e-joblog");
    private static final Duration CALLBACK_WAIT = Duration.ofSeconds(30);
    private static final Duration STATE_WAIT = Duration.ofSeconds(30);

    private static final AtomicLong LOG_IDS = new AtomicLong(System.currentTimeMillis());
    private static final AtomicInteger JOB_IDS = new AtomicInteger(100);
    /** Log ids of accepted triggers whose callback no test has awaited yet. */
    private static final Set<Long> OUTSTANDING = new HashSet<>();
    /**
     * Accepted triggers with an executor timeout whose handler may outlive the callback (xxl-job-core
     * calls back on timeout without waiting for it), until their run log shows the handler's last line.
     */
    private static final Map<Long, TriggerRequest> DETACHED = new HashMap<>();
    /** The handler's last run-log line: {@code summary: ...} (FileCleanupJobHandler) or {@code FAILED: ...} (JobFailures). */
    private static final String[] HANDLER_END = {"summary: ", "FAILED: "};

    private static FakeXxlJobAdmin admin;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    io.shardsweep.xxljob.XxlJobRegistryHealthIndicator registryHealth;

    private final AdminTriggerClient xxl = new AdminTriggerClient(EXECUTOR_ADDRESS, TOKEN);

    @DynamicPropertySource
    static void environment(DynamicPropertyRegistry registry) {
        TestDatabase.registerFreshSchema(registry, SCHEMA);
        if (admin == null) {
            admin = FakeXxlJobAdmin.start(TOKEN);
        }
        registry.add("xxl.job.admin.addresses", admin::address);
        registry.add("xxl.job.admin.accessToken", () -> TOKEN);
        registry.add("xxl.job.executor.ip", () -> "127.0.0.1");
        registry.add("xxl.job.executor.port", () -> PORT);
        registry.add("xxl.job.executor.logpath", JOB_LOG_PATH::toString);
        registry.add("shardsweep.storage-root", STORAGE_ROOT::toString);
        registry.add("shardsweep.instance-id", () -> INSTANCE_ID);
    }

    @AfterAll
    static void stopAdmin() {
        // The context (and the executor with it) closes right after this, per @DirtiesContext; its
        // farewell registryRemove then finds no admin, which xxl-job-core only logs.
        if (admin != null) {
            admin.close();
        }
    }

    @BeforeEach
    void quiesceAndClean() throws IOException {
        // No run of an earlier test may still be going: every accepted trigger must have called back,
        // and a handler cut loose by an executor timeout must have written its last log line.
        for (Long logId : List.copyOf(OUTSTANDING)) {
            admin.awaitCallback(logId, CALLBACK_WAIT);
            OUTSTANDING.remove(logId);
        }
        for (TriggerRequest detached : List.copyOf(DETACHED.values())) {
            try {
                awaitRunLogLine(detached, HANDLER_END);
            } finally {
                DETACHED.remove(detached.getLogId()); // waited for once; a broken handler fails one test, not all
            }
        }
        jdbc.update("DELETE FROM file_deletion_task");
        jdbc.update("DELETE FROM file_deletion_task_history");
        try (Stream<Path> paths = Files.walk(STORAGE_ROOT)) {
            paths.sorted(Comparator.comparingInt(Path::getNameCount).reversed())
                    .filter(p -> !p.equals(STORAGE_ROOT))
                    .forEach(FileCleanupEndToEndTest::delete);
        }
    }

    // ------------------------------------------------------------------------------------- tests

    @Test
    void executor_registers_with_the_admin_under_its_app_name() {
        admin.awaitRegistration(APP_NAME, CALLBACK_WAIT);

        assertThat(admin.registrations())
                .filteredOn(r -> APP_NAME.equals(r.getRegistryKey()))
                .isNotEmpty()
                .allSatisfy(r -> {
                    assertThat(r.getRegistryGroup()).isEqualTo("EXECUTOR");
                    assertThat(r.getRegistryValue()).isEqualTo("http://127.0.0.1:" + PORT + "/");
                });
        assertThat(admin.rejectedRequests()).as("requests the admin rejected for a wrong token").isZero();
        assertThat(xxl.beat().getCode()).as("executor /beat").isEqualTo(200);
    }

    /**
     * A GLUE trigger carries code; xxl-job-core 3.3.2 would run it. Each of these would create its
     * marker file (the shell one via a script file, the Groovy one in-process), with the valid token.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"GLUE_SHELL", "GLUE_GROOVY", "GLUE_PYTHON"})
    void a_glue_trigger_with_the_valid_token_runs_nothing(String glueType) throws Exception {
        Path marker = Files.createTempDirectory("glue").resolve("pwned-" + glueType);
        String source = switch (glueType) {
            case "GLUE_SHELL" -> "#!/bin/bash\ntouch " + marker + "\n";
            case "GLUE_PYTHON" -> "open('" + marker + "', 'w').write('x')\n";
            default -> "import com.xxl.job.core.handler.IJobHandler\n"
                    + "class Pwn extends IJobHandler { void execute() { new File('" + marker + "').text = 'x' } }\n";
        };
        TriggerRequest glue = AdminTriggerClient.beanTrigger(JOB_IDS.incrementAndGet(), "", "", LOG_IDS.incrementAndGet(),
                0, 1, 0, "SERIAL_EXECUTION");
        glue.setGlueType(glueType);
        glue.setGlueSource(source);

        var response = xxl.run(glue);

        assertThat(response.getCode()).isEqualTo(500);
        assertThat(response.getMsg()).contains("runs only its BEAN handlers").contains(glueType);
        Thread.sleep(1_000); // a script would have run by now; the assertion is on the file, not the time
        assertThat(marker).doesNotExist();
    }

    @Test
    void a_bean_trigger_for_a_handler_we_did_not_register_is_refused() {
        TriggerRequest unknown = AdminTriggerClient.beanTrigger(JOB_IDS.incrementAndGet(), "demoJobHandler", "",
                LOG_IDS.incrementAndGet(), 0, 1, 0, "SERIAL_EXECUTION");

        var response = xxl.run(unknown);

        assertThat(response.getCode()).isEqualTo(500);
        assertThat(response.getMsg()).contains("demoJobHandler").contains("not found");
    }

    @Test
    void registry_health_is_up_with_the_address_the_admin_can_call_back() {
        int before = admin.registrations().size();

        var health = registryHealth.health();

        assertThat(health.getStatus().getCode()).isEqualTo("UP");
        assertThat(health.getDetails()).containsEntry("appname", APP_NAME)
                .containsEntry("address", "http://127.0.0.1:" + PORT + "/");
        assertThat(admin.registrations().size()).as("the check is a real registry call to the admin").isGreaterThan(before);
    }

    enum Dispatch {
        /** One SHARDING_BROADCAST job: both shards land on this one process under one jobId, queued on its job thread. */
        SAME_JOB_ID_QUEUED_SERIALLY,
        /** Two jobs: each shard gets its own job thread and they run at the same time. */
        DISTINCT_JOB_IDS_RUNNING_CONCURRENTLY
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Dispatch.class)
    void a_two_shard_broadcast_over_http_deletes_every_file_moves_every_row_to_history_and_calls_back_success(Dispatch dispatch) {
        List<Long> ids = enqueueFiles(300);
        int firstJob = nextJobId();
        int secondJob = dispatch == Dispatch.SAME_JOB_ID_QUEUED_SERIALLY ? firstJob : nextJobId();

        TriggerRequest shard0 = run(trigger(firstJob, CLEANUP, "{\"batchSize\": 40}", 0, 2, 0));
        TriggerRequest shard1 = run(trigger(secondJob, CLEANUP, "{\"batchSize\": 40}", 1, 2, 0));

        for (TriggerRequest shard : List.of(shard0, shard1)) {
            int index = shard.getBroadcastIndex();
            long expected = ids.stream().filter(id -> id % 2 == index).count();
            CallbackRequest callback = callback(shard);
            assertThat(callback.getHandleCode()).as("callback of shard %s: %s", index, callback.getHandleMsg()).isEqualTo(200);
            assertThat(callback.getHandleMsg())
                    .contains("shard " + index + "/2")
                    .contains("claimed=" + expected)
                    .contains("deleted=" + expected)
                    .contains("already_absent=0")
                    .contains("failed=0")
                    .contains("no due rows left");
        }
        assertThat(regularFiles()).as("files left under the storage root").isEmpty();
        assertThat(historyIds()).as("history ids, each exactly once").containsExactlyElementsOf(ids);
        assertThat(jdbc.queryForList("SELECT DISTINCT CONCAT(outcome, ' by ', finished_by) FROM file_deletion_task_history", String.class))
                .containsExactly("DELETED by " + INSTANCE_ID);
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task")).as("rows left in file_deletion_task").isZero();
    }

    static Stream<Arguments> malformedParameters() {
        return Stream.of(
                Arguments.of("{\"batchSize\": \"lots\"", "malformed JSON parameter"),
                Arguments.of("{\"unknownKey\":1}", "unknown parameter 'unknownKey'"),
                Arguments.of("{\"batchSize\": 100000000}", "batchSize must be between 1 and 5000"),
                Arguments.of("{\"timeoutSeconds\": 0}", "timeoutSeconds must be between 1 and"),
                Arguments.of("batchSize=10", "parameter must be a JSON object"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedParameters")
    void a_malformed_parameter_fails_the_run_with_a_clear_message_and_claims_nothing(String parameter, String problem) {
        List<Long> ids = enqueueFiles(20);
        List<Map<String, Object>> before = rows();

        CallbackRequest callback = callback(run(trigger(nextJobId(), CLEANUP, parameter, 0, 1, 0)));

        assertThat(callback.getHandleCode()).as("callback: %s", callback.getHandleMsg()).isEqualTo(500);
        assertThat(callback.getHandleMsg())
                .startsWith("invalid executor parameter: ")
                .contains(problem)
                .contains("Nothing was claimed");
        assertNothingClaimed(ids, before);
    }

    static Stream<Arguments> shardsOutOfRange() {
        return Stream.of(
                Arguments.of(3, 2, "shard index 3 is out of range for total 2"),
                Arguments.of(-1, 2, "shard index -1 is out of range for total 2"),
                Arguments.of(0, 0, "shard total must be at least 1"));
    }

    @ParameterizedTest(name = "index {0} of total {1}")
    @MethodSource("shardsOutOfRange")
    void a_shard_index_out_of_range_fails_the_run_and_claims_nothing(int index, int total, String problem) {
        List<Long> ids = enqueueFiles(20);
        List<Map<String, Object>> before = rows();

        CallbackRequest callback = callback(run(trigger(nextJobId(), CLEANUP, null, index, total, 0)));

        assertThat(callback.getHandleCode()).as("callback: %s", callback.getHandleMsg()).isEqualTo(500);
        assertThat(callback.getHandleMsg()).contains(problem).contains("nothing was claimed");
        assertNothingClaimed(ids, before);
    }

    @ParameterizedTest(name = "token \"{0}\"")
    @ValueSource(strings = {"not-the-token", ""})
    void a_request_without_the_access_token_is_rejected_and_runs_nothing(String wrongToken) {
        List<Long> ids = enqueueFiles(20);
        List<Map<String, Object>> before = rows();
        int jobId = nextJobId();
        TriggerRequest rejected = trigger(jobId, CLEANUP, null, 0, 1, 0);

        Response<String> response = new AdminTriggerClient(EXECUTOR_ADDRESS, wrongToken).run(rejected);

        assertThat(response.getCode()).isEqualTo(500);
        assertThat(response.getMsg()).isEqualTo("The access token is wrong.");
        // Had the rejected trigger been queued, it would run before this one on the same job thread.
        CallbackRequest later = callback(run(trigger(jobId, CLEANUP, "{\"dryRun\": true}", 0, 1, 0)));
        assertThat(later.getHandleCode()).as("follow-up dry run: %s", later.getHandleMsg()).isEqualTo(200);
        assertThat(admin.callbacks()).extracting(CallbackRequest::getLogId).doesNotContain(rejected.getLogId());
        Response<String> kill = new AdminTriggerClient(EXECUTOR_ADDRESS, wrongToken).kill(jobId);
        assertThat(kill.getMsg()).isEqualTo("The access token is wrong.");
        assertNothingClaimed(ids, before);
    }

    @Test
    void dry_run_reports_due_rows_and_changes_nothing() {
        List<Long> ids = enqueueFiles(40);
        List<Map<String, Object>> before = rows();

        CallbackRequest callback = callback(run(trigger(nextJobId(), CLEANUP, "{\"dryRun\": true}", 0, 1, 0)));

        assertThat(callback.getHandleCode()).as("callback: %s", callback.getHandleMsg()).isEqualTo(200);
        assertThat(callback.getHandleMsg())
                .contains("dry run of shard 0/1")
                .contains("40 due rows")
                .contains("0 of the first 20 would be refused")
                .contains("nothing changed");
        assertNothingClaimed(ids, before);
    }

    @Test
    void kill_mid_run_leaves_no_row_in_progress() throws Exception {
        List<Long> ids = enqueueFiles(2000);
        long blocker = ids.get(1025); // batches of 50: 20 clean batches, then the finish of the 21st waits at this id
        int jobId = nextJobId();
        TriggerRequest run;

        try (HistoryRowLock lock = HistoryRowLock.on(blocker)) {
            run = run(trigger(jobId, CLEANUP, "{\"batchSize\": 50}", 0, 1, 0));
            awaitTrue("the run to clean the rows before " + blocker + " and then wait for the lock on its history id", STATE_WAIT,
                    () -> historyCount() >= 1000 && lockWaits() >= 1, this::describeTables);

            Response<String> kill = xxl.kill(jobId);

            assertThat(kill.getCode()).as("/kill: %s", kill.getMsg()).isEqualTo(200);
            assertThat(kill.getMsg()).as("/kill found a running job thread").isNotEqualTo("job thread already killed.");
        } // the history copy goes through now; the run must see the kill right after that batch

        CallbackRequest callback = callback(run);
        assertThat(callback.getHandleCode()).as("callback: %s", callback.getHandleMsg()).isEqualTo(500);
        if (!String.valueOf(callback.getHandleMsg()).contains("killed")) {
            fail("the kill did not land on a running run (the run ended on its own first), so this test proves nothing: " + callback.getHandleMsg());
        }
        assertThat(callback.getHandleMsg()).contains("scheduling center kill job").contains("[job running, killed]");
        assertInterruptedMidRunWithoutLoss(ids, "kill", 1000);
    }

    @Test
    void executor_timeout_from_the_admin_interrupts_the_run_and_leaves_no_row_in_progress() throws Exception {
        List<Long> ids = enqueueFiles(2000);
        long blocker = ids.get(75); // one clean batch, then the next one's finish waits here until well after the 1 s timeout
        TriggerRequest run;
        CallbackRequest callback;

        try (HistoryRowLock lock = HistoryRowLock.on(blocker)) {
            run = run(trigger(nextJobId(), CLEANUP, "{\"batchSize\": 50}", 0, 1, 1));
            callback = callback(run);
        } // xxl-job-core called back at once and interrupted the run's thread; it resumes now and must stop

        assertThat(callback.getHandleCode()).as("callback: %s", callback.getHandleMsg()).isEqualTo(502);
        assertThat(callback.getHandleMsg()).contains("job execute timeout");
        // The timeout callback does not wait for the handler; the run log says when the interrupted run ended.
        String summary = awaitRunLogLine(run, "summary: ");
        assertThat(summary).as("the run's summary line").contains("stopped: interrupted").doesNotContain("claimed=0 ");
        assertInterruptedMidRunWithoutLoss(ids, "executor timeout", 0);
    }

    @Test
    void stale_task_compensation_job_over_http_returns_expired_claims() {
        List<Long> ids = enqueueFiles(7);
        List<Long> expired = ids.subList(0, 3);
        long exhausted = ids.get(3);
        long live = ids.get(4);
        List<Long> untouchedPending = ids.subList(5, 7);
        for (long id : expired) {
            claim(id, "crashed-executor:9999#1", "UTC_TIMESTAMP(3) - INTERVAL 1 HOUR", 0);
        }
        claim(exhausted, "crashed-executor:9999#1", "UTC_TIMESTAMP(3) - INTERVAL 1 HOUR", 2);
        claim(live, "live-executor:9999#2", "UTC_TIMESTAMP(3) + INTERVAL 1 HOUR", 0);
        Map<String, Object> liveBefore = row(live);
        List<Map<String, Object>> pendingBefore = rows().stream().filter(r -> untouchedPending.contains(id(r))).toList();

        CallbackRequest callback = callback(run(trigger(nextJobId(), COMPENSATION, null, 0, 1, 0)));

        assertThat(callback.getHandleCode()).as("callback: %s", callback.getHandleMsg()).isEqualTo(200);
        assertThat(callback.getHandleMsg()).contains("reset=3").contains("dead=1");
        for (long id : expired) {
            Map<String, Object> row = row(id);
            assertThat(row.get("status")).as("status of %s", id).isEqualTo("PENDING");
            assertThat(row.get("attempts")).as("attempts of %s", id).isEqualTo(1);
            assertThat(row.get("claim_token")).as("claim_token of %s", id).isNull();
            assertThat(row.get("lease_until")).as("lease_until of %s", id).isNull();
            assertThat((String) row.get("last_error")).contains("crashed-executor:9999#1").contains("expired");
        }
        assertThat(row(exhausted)).containsEntry("status", "DEAD").containsEntry("attempts", 3).containsEntry("claim_token", null);
        assertThat(row(live)).as("the live claim").isEqualTo(liveBefore);
        assertThat(rows().stream().filter(r -> untouchedPending.contains(id(r))).toList()).isEqualTo(pendingBefore);
        assertThat(historyCount()).isZero();
        assertThat(regularFiles()).hasSize(7);
    }

    // ------------------------------------------------------------------------------------- triggers

    private static int nextJobId() {
        return JOB_IDS.incrementAndGet();
    }

    private static TriggerRequest trigger(int jobId, String handler, String parameter, int shardIndex, int shardTotal, int timeoutSeconds) {
        return AdminTriggerClient.beanTrigger(jobId, handler, parameter, LOG_IDS.incrementAndGet(), shardIndex, shardTotal,
                timeoutSeconds, SERIAL);
    }

    /** POSTs {@code /run}; the executor must accept it. */
    private TriggerRequest run(TriggerRequest trigger) {
        Response<String> response = xxl.run(trigger);
        assertThat(response.getCode()).as("/run of logId %s: %s", trigger.getLogId(), response.getMsg()).isEqualTo(200);
        OUTSTANDING.add(trigger.getLogId());
        if (trigger.getExecutorTimeout() > 0) {
            DETACHED.put(trigger.getLogId(), trigger);
        }
        return trigger;
    }

    private static CallbackRequest callback(TriggerRequest trigger) {
        CallbackRequest callback = admin.awaitCallback(trigger.getLogId(), CALLBACK_WAIT);
        OUTSTANDING.remove(trigger.getLogId());
        return callback;
    }

    /**
     * Reads the run log over {@code /log}, as the admin console does, until a line containing one of
     * {@code markers} shows up; returns that line.
     */
    private String awaitRunLogLine(TriggerRequest trigger, String... markers) {
        ExecutorBiz executor = HttpTool.createClient()
                .url(EXECUTOR_ADDRESS)
                .timeout(3000)
                .header(Const.XXL_JOB_ACCESS_TOKEN, TOKEN)
                .proxy(ExecutorBiz.class);
        String[] content = {""};
        Predicate<String> marked = line -> Stream.of(markers).anyMatch(line::contains);
        awaitTrue("a run log line containing one of " + List.of(markers) + " for logId " + trigger.getLogId(), STATE_WAIT, () -> {
            Response<LogResult> log = executor.log(new LogRequest(trigger.getLogDateTime(), trigger.getLogId(), 1));
            content[0] = log.getData() == null || log.getData().getLogContent() == null ? "" : log.getData().getLogContent();
            return content[0].lines().anyMatch(marked);
        }, () -> "the handler threw or is still going? " + describeTables() + "; run log so far:\n" + content[0]);
        if (Stream.of(HANDLER_END).anyMatch(content[0]::contains)) {
            DETACHED.remove(trigger.getLogId());
        }
        return content[0].lines().filter(marked).findFirst().orElseThrow();
    }

    // ------------------------------------------------------------------------------------- assertions

    private void assertNothingClaimed(List<Long> ids, List<Map<String, Object>> before) {
        assertThat(rows()).as("rows after the run, compared with before").isEqualTo(before);
        assertThat(rows()).allSatisfy(r -> {
            assertThat(r.get("status")).isEqualTo("PENDING");
            assertThat(r.get("attempts")).isEqualTo(0);
            assertThat(r.get("claim_token")).isNull();
        });
        assertThat(pendingIds()).containsExactlyElementsOf(ids);
        assertThat(historyCount()).isZero();
        assertThat(regularFiles()).hasSize(ids.size());
    }

    /**
     * After a run was stopped mid-way: nothing stays IN_PROGRESS, no row is lost or doubled, every
     * pending row was released untouched, and the files follow the rows.
     */
    private void assertInterruptedMidRunWithoutLoss(List<Long> ids, String what, int cleanedAtLeast) {
        awaitTrue("no row IN_PROGRESS after the " + what, STATE_WAIT, () -> inProgress() == 0, this::describeTables);
        List<Long> history = historyIds();
        List<Long> pending = pendingIds();
        if (pending.isEmpty()) {
            fail("no row is pending after the " + what + ": either it came after the run had drained every row (then this test"
                    + " proves nothing), or the run ignored the interrupt and went on; " + describeTables());
        }
        assertThat(history.size()).as("rows cleaned before the " + what).isGreaterThanOrEqualTo(cleanedAtLeast);
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task WHERE status <> 'PENDING'")).as("rows neither PENDING nor in history").isZero();
        assertThat(pending.size() + history.size()).as("pending + history").isEqualTo(ids.size());
        List<Long> all = new ArrayList<>(history);
        all.addAll(pending);
        assertThat(all).as("pending and history together").containsExactlyInAnyOrderElementsOf(ids);
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task WHERE attempts <> 0 OR claim_token IS NOT NULL OR lease_until IS NOT NULL"))
                .as("pending rows that were not released untouched (attempt used, or claim left on them)").isZero();
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task_history WHERE outcome <> 'DELETED'")).isZero();
        Set<String> files = new HashSet<>(regularFiles());
        assertThat(jdbc.queryForList("SELECT file_path FROM file_deletion_task_history", String.class))
                .as("files of rows moved to history").noneMatch(files::contains);
        assertThat(jdbc.queryForList("SELECT file_path FROM file_deletion_task", String.class))
                .as("files of pending rows").allMatch(files::contains);
        assertThat(files).hasSize(pending.size());
    }

    // ------------------------------------------------------------------------------------- data

    /** Creates {@code count} one-byte files under the storage root and one PENDING row each; returns the ids in order. */
    private List<Long> enqueueFiles(int count) {
        List<String> paths = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String path = "e2e/d" + (i % 20) + "/f-" + i + ".bin";
            write(path);
            paths.add(path);
        }
        jdbc.batchUpdate("INSERT INTO file_deletion_task (file_path) VALUES (?)", paths, 500, (ps, path) -> ps.setString(1, path));
        List<Long> ids = pendingIds();
        assertThat(ids).hasSize(count);
        return ids;
    }

    private void claim(long id, String owner, String leaseUntilSql, int attempts) {
        int changed = jdbc.update("UPDATE file_deletion_task SET status = 'IN_PROGRESS', claim_owner = ?, claim_token = UUID(), "
                + "claimed_at = UTC_TIMESTAMP(3) - INTERVAL 2 HOUR, lease_until = " + leaseUntilSql + ", attempts = ? WHERE id = ?",
                owner, attempts, id);
        assertThat(changed).isEqualTo(1);
    }

    private List<Map<String, Object>> rows() {
        return jdbc.queryForList("SELECT id, file_path, status, attempts, not_before, claim_owner, claim_token, claimed_at, "
                + "lease_until, last_error, created_at, updated_at FROM file_deletion_task ORDER BY id");
    }

    private Map<String, Object> row(long id) {
        return jdbc.queryForMap("SELECT id, file_path, status, attempts, not_before, claim_owner, claim_token, claimed_at, "
                + "lease_until, last_error, created_at, updated_at FROM file_deletion_task WHERE id = ?", id);
    }

    private static long id(Map<String, Object> row) {
        return ((Number) row.get("id")).longValue();
    }

    private List<Long> pendingIds() {
        return jdbc.queryForList("SELECT id FROM file_deletion_task ORDER BY id", Long.class);
    }

    private List<Long> historyIds() {
        return jdbc.queryForList("SELECT id FROM file_deletion_task_history ORDER BY id", Long.class);
    }

    private int historyCount() {
        return count("SELECT COUNT(*) FROM file_deletion_task_history");
    }

    private int inProgress() {
        return count("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'IN_PROGRESS'");
    }

    /**
     * Statements waiting for a row lock now (the run's history copy behind {@link HistoryRowLock}). The
     * server's counter, as MariaDB's INNODB_TRX did not list that waiting INSERT ... SELECT; the tests
     * of this JVM run one at a time.
     */
    private int lockWaits() {
        return jdbc.query("SHOW GLOBAL STATUS LIKE 'Innodb_row_lock_current_waits'", rs -> rs.next() ? rs.getInt(2) : 0);
    }

    private int count(String sql, Object... args) {
        Integer n = jdbc.queryForObject(sql, Integer.class, args);
        return n == null ? 0 : n;
    }

    private String describeTables() {
        return "file_deletion_task by status " + jdbc.queryForList(
                "SELECT CONCAT(status, ' attempts=', attempts, ': ', COUNT(*)) FROM file_deletion_task GROUP BY status, attempts", String.class)
                + ", history " + historyCount() + ", lock waits " + lockWaits() + ", callbacks " + admin.callbacks().size();
    }

    /** Relative paths of the regular files under the storage root. */
    private static List<String> regularFiles() {
        try (Stream<Path> paths = Files.walk(STORAGE_ROOT)) {
            return paths.filter(Files::isRegularFile).map(p -> STORAGE_ROOT.relativize(p).toString().replace('\\', '/')).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(String relative) {
        try {
            Path file = STORAGE_ROOT.resolve(relative);
            Files.createDirectories(file.getParent());
            Files.write(file, new byte[] {'x'});
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path path) {
        try {
            Files.delete(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------------------------- helpers

    /**
     * An uncommitted history row with a pending task's id, held by the test on its own connection,
     * outside the application's pool: the run's copy of that task to history waits for it (InnoDB
     * locks the duplicate key until the holder commits or rolls back), and goes through once it is
     * rolled back.
     */
    private static final class HistoryRowLock implements AutoCloseable {
        private final Connection connection;

        private HistoryRowLock(Connection connection) {
            this.connection = connection;
        }

        static HistoryRowLock on(long id) throws SQLException {
            TestDatabase db = TestDatabase.get();
            Connection connection = DriverManager.getConnection(db.jdbcUrl(SCHEMA), db.username(), db.password());
            try {
                connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
                connection.setAutoCommit(false);
                try (PreparedStatement insert = connection.prepareStatement(
                        "INSERT INTO file_deletion_task_history (id, file_path, outcome, attempts, created_at, finished_at, finished_by) "
                                + "SELECT id, file_path, 'DELETED', 0, created_at, UTC_TIMESTAMP(3), 'e2e-blocker' "
                                + "FROM file_deletion_task WHERE id = ? AND status = 'PENDING'")) {
                    insert.setLong(1, id);
                    if (insert.executeUpdate() != 1) {
                        throw new IllegalStateException("row " + id + " is not PENDING; cannot hold its history id");
                    }
                }
                return new HistoryRowLock(connection);
            } catch (SQLException | RuntimeException e) {
                connection.close();
                throw e;
            }
        }

        @Override
        public void close() throws SQLException {
            try {
                connection.rollback();
            } finally {
                connection.close();
            }
        }
    }

    private static void awaitTrue(String what, Duration timeout, BooleanSupplier condition, Supplier<String> diagnostics) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out after " + timeout + " waiting for " + what + "; " + diagnostics.get());
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            }
        }
    }


    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path tempDir(String prefix) {
        try {
            return Files.createTempDirectory(prefix).toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
