package io.shardsweep.fault;

import static io.shardsweep.fault.FaultScenario.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import com.xxl.job.core.openapi.model.CallbackRequest;
import com.xxl.job.core.openapi.model.TriggerRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Failed callbacks are kept per executor, under its own {@code xxl.job.executor.logpath}.
 *
 * <p>xxl-job-core 3.3.2 fixes its failed-callback folder at class initialisation from its built-in
 * default, {@code /data/applogs/xxl-job/jobhandler/callbacklogs}, whatever the logpath; every executor on
 * a host then wrote there, and each one's retry thread re-sent (and deleted) the others' files. Here
 * two real executors share one logpath, the hardest case: the fake admin refuses their callbacks, each
 * one's file must land in {@code <logpath>/callbacklogs/port-<its executor port>} and nowhere else; after
 * both stop, one restarts on its port and must re-send its own callback and leave the other's file
 * alone, until that one restarts too.
 *
 * <p>Run alone: {@code mvn -B -pl executor-app verify -Dtest=NoSuchTest -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=CallbackFolderIT}.
 */
class CallbackFolderIT {

    private static final Pattern LOG_ID = Pattern.compile("\"logId\"\\s*:\\s*(\\d+)");
    /** xxl-job-core's built-in default, and the relative default of application.yml, from the executors' working directory. */
    private static final Path[] DEFAULT_FOLDERS = {
            Path.of("/data/applogs/xxl-job/jobhandler/callbacklogs"),
            Path.of("data/applogs/xxl-job/jobhandler/callbacklogs").toAbsolutePath()};
    private static final Duration WAIT = Duration.ofSeconds(45);
    private static final String BATCH_100 = "{\"batchSize\": 100}";

    private FaultScenario scenario;

    @AfterEach
    void cleanUp() {
        if (scenario != null) {
            scenario.close();
        }
    }

    @Test
    void failed_callbacks_stay_in_each_executors_own_folder_under_its_logpath_and_a_restarted_executor_resends_only_its_own() throws IOException {
        scenario = new FaultScenario("callbacks");
        int total = scenario.createBacklog(200);
        Path logPath = Files.createDirectories(scenario.logDir.resolve("shared-joblogs"));
        int port1 = ExecutorProcess.freePort();
        int port2 = ExecutorProcess.freePort();
        scenario.admin.failCallbacks(true);
        ExecutorProcess e1 = launch(logPath, port1);
        ExecutorProcess e2 = launch(logPath, port2);
        e1.awaitReady();
        e2.awaitReady();

        int jobId = scenario.nextJobId();
        TriggerRequest run1 = scenario.cleanup(e1, jobId, BATCH_100, 0, 2);
        TriggerRequest run2 = scenario.cleanup(e2, jobId, BATCH_100, 1, 2);
        Path folder1 = logPath.resolve("callbacklogs").resolve("port-" + port1);
        Path folder2 = logPath.resolve("callbacklogs").resolve("port-" + port2);
        awaitTrue("each executor's refused callback kept in its own folder", WAIT,
                () -> logIdsIn(folder1).equals(Set.of(run1.getLogId())) && logIdsIn(folder2).equals(Set.of(run2.getLogId())),
                () -> "refused " + logIdsOf(scenario.admin.refusedCallbacks()) + ", " + folder1 + ": " + logIdsIn(folder1) + ", "
                        + folder2 + ": " + logIdsIn(folder2) + "; " + scenario.describe());
        assertThat(logIdsOf(scenario.admin.refusedCallbacks())).as("callbacks the admin refused").contains(run1.getLogId(), run2.getLogId());
        assertThat(filesIn(logPath.resolve("callbacklogs"))).as("callback files directly in the shared callbacklogs folder").isEmpty();
        // GLUE never runs here (BeanOnlyExecutorBiz), but its folder follows the same rule.
        assertThat(logPath.resolve("gluesource").resolve("port-" + port1)).as("GLUE source folder of %s", e1).isDirectory();
        assertThat(logPath.resolve("gluesource").resolve("port-" + port2)).as("GLUE source folder of %s", e2).isDirectory();
        for (Path folder : DEFAULT_FOLDERS) {
            assertThat(logIdsIn(folder)).as("this test's callbacks under the default folder %s", folder)
                    .doesNotContain(run1.getLogId(), run2.getLogId());
        }

        e1.stop();
        e2.stop();
        assertThat(logIdsIn(folder1)).as("kept across the stop: %s", folder1).containsExactly(run1.getLogId());
        assertThat(logIdsIn(folder2)).as("kept across the stop: %s", folder2).containsExactly(run2.getLogId());

        scenario.admin.failCallbacks(false);
        ExecutorProcess restarted1 = launch(logPath, port1).awaitReady();
        CallbackRequest resent1 = scenario.callback(run1);
        assertThat(resent1.getHandleCode()).as("re-sent callback of %s: %s", run1.getLogId(), resent1.getHandleMsg()).isEqualTo(200);
        awaitTrue("the re-sent callback's file removed", WAIT, () -> logIdsIn(folder1).isEmpty(), () -> folder1 + ": " + logIdsIn(folder1));
        assertThat(logIdsOf(scenario.admin.callbacks())).as("callbacks received after %s restarted on port %s", restarted1, port1)
                .doesNotContain(run2.getLogId());
        assertThat(logIdsIn(folder2)).as("the stopped executor's callback, untouched by the restarted one").containsExactly(run2.getLogId());

        launch(logPath, port2).awaitReady();
        CallbackRequest resent2 = scenario.callback(run2);
        assertThat(resent2.getHandleCode()).as("re-sent callback of %s: %s", run2.getLogId(), resent2.getHandleMsg()).isEqualTo(200);
        assertThat(scenario.admin.callbacks().stream().filter(c -> c.getLogId() == run1.getLogId()).count())
                .as("callbacks of %s received", run1.getLogId()).isEqualTo(1);
        scenario.assertExactlyOnce(total, "callback_folders=per_port");
    }

    private ExecutorProcess launch(Path logPath, int port) {
        return scenario.launch(scenario.directJdbcUrl(), Map.of(ExecutorProcess.LOG_PATH, logPath.toString(),
                ExecutorProcess.XXL_PORT, Integer.toString(port)));
    }

    private static Set<Long> logIdsOf(List<CallbackRequest> callbacks) {
        Set<Long> ids = new TreeSet<>();
        callbacks.forEach(c -> ids.add(c.getLogId()));
        return ids;
    }

    /** The log ids in the callback files directly inside {@code folder}; a file the retry thread just took is skipped. */
    private static Set<Long> logIdsIn(Path folder) {
        Set<Long> ids = new TreeSet<>();
        for (Path file : filesIn(folder)) {
            try {
                Matcher m = LOG_ID.matcher(Files.readString(file, StandardCharsets.UTF_8));
                while (m.find()) {
                    ids.add(Long.parseLong(m.group(1)));
                }
            } catch (NoSuchFileException takenForRetry) {
                // deleted between the listing and the read
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return ids;
    }

    private static List<Path> filesIn(Path folder) {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(Files::isRegularFile).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
