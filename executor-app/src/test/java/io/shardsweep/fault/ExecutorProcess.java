package io.shardsweep.fault;

import com.xxl.job.core.constant.Const;
import com.xxl.job.core.openapi.ExecutorBiz;
import com.xxl.job.core.openapi.model.LogRequest;
import com.xxl.job.core.openapi.model.LogResult;
import com.xxl.job.core.openapi.model.TriggerRequest;
import com.xxl.tool.http.HttpTool;
import com.xxl.tool.response.Response;
import io.shardsweep.testsupport.AdminTriggerClient;
import io.shardsweep.testsupport.FakeXxlJobAdmin;
import io.shardsweep.testsupport.TcpProxy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One real ShardSweep executor: the packaged jar ({@code -Dshardsweep.executor.jar}, set by Failsafe)
 * in its own JVM, started with {@link ProcessBuilder}. It talks to the database over TCP (directly or
 * through a {@link TcpProxy}), registers with a {@link FakeXxlJobAdmin}, and is driven the way the admin
 * drives it: {@code /run} and {@code /kill} on its embedded XXL-JOB server, with the access token.
 *
 * <p>Faults are real signals: {@link #kill9()} is SIGKILL ({@link Process#destroyForcibly()} on Linux),
 * {@link #stop()} is SIGTERM ({@link Process#destroy()}), {@link #pause()}/{@link #resume()} are
 * SIGSTOP/SIGCONT. Its stdout and stderr go to a file under {@code target/fault-logs/}.
 *
 * <p>Public for the process-level benchmark, which starts executors at the application's defaults
 * ({@link Tuning#defaults(List)}) where the fault suite starts them with {@link Tuning#FAULT_SUITE}.
 */
public final class ExecutorProcess implements AutoCloseable {

    static final String APP_NAME = "shardsweep-executor";
    /** Extra properties the launcher itself sets otherwise: a fixed XXL-JOB port, a log path of the test's choosing. */
    static final String XXL_PORT = "xxl.job.executor.port";
    static final String LOG_PATH = "xxl.job.executor.logpath";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    /** Every process started by this JVM; a shutdown hook SIGKILLs whatever is still alive. */
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly), "fault-executors-kill"));
    }

    /**
     * How to start one executor. {@code environment} is added to the process's environment: secrets
     * such as {@code AWS_SECRET_ACCESS_KEY} go there, as operators should pass them.
     */
    record Config(String instanceId, String jdbcUrl, String dbUser, String dbPassword, FakeXxlJobAdmin admin,
                  String accessToken, Path storageRoot, Path logDir, Tuning tuning, Map<String, String> extraProperties,
                  Map<String, String> environment) {
    }

    /**
     * The JVM flags of an executor, and the ShardSweep settings it gets beyond the ones every executor
     * of a test needs (database, admin, ports, storage root, instance id).
     */
    public record Tuning(List<String> jvmOptions, Map<String, String> properties) {

        /**
         * The fault suite's. C1 only and the serial GC: a quicker start for several JVMs on a small CI
         * machine; the runs are database-bound. A lease of 4 s and a grace of 5 s: a test waits them out.
         */
        public static final Tuning FAULT_SUITE = new Tuning(
                List.of("-Xmx256m", "-Xss512k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
                Map.of("shardsweep.stale-threshold", "4s", "shardsweep.in-flight-grace", "5s"));

        public Tuning {
            jvmOptions = List.copyOf(jvmOptions);
            properties = Map.copyOf(properties);
        }

        /** Every ShardSweep setting at the application's default, as operators run it; these JVM flags. */
        public static Tuning defaults(List<String> jvmOptions) {
            return new Tuning(jvmOptions, Map.of());
        }
    }

    private final Config config;
    private final int xxlPort;
    private final int serverPort;
    private final int managementPort;
    private final Path outputFile;
    private final Process process;
    private final AdminTriggerClient client;
    private final ExecutorBiz biz;

    private ExecutorProcess(Config config, int xxlPort, int serverPort, int managementPort, Path outputFile, Process process) {
        this.config = config;
        this.xxlPort = xxlPort;
        this.serverPort = serverPort;
        this.managementPort = managementPort;
        this.outputFile = outputFile;
        this.process = process;
        this.client = new AdminTriggerClient(address(), config.accessToken());
        this.biz = HttpTool.createClient().url(address()).timeout(3000)
                .header(Const.XXL_JOB_ACCESS_TOKEN, config.accessToken()).proxy(ExecutorBiz.class);
    }

    /** Launches the jar; returns at once. Call {@link #awaitReady()} before driving it. */
    static ExecutorProcess launch(Config config) {
        String jar = System.getProperty("shardsweep.executor.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("system property shardsweep.executor.jar must name the packaged executor jar (Failsafe sets it "
                    + "after `package`); got " + jar);
        }
        // An executor restarted on purpose keeps its XXL-JOB port (and so its callback folder): extra property.
        int xxlPort = config.extraProperties().containsKey(XXL_PORT) ? Integer.parseInt(config.extraProperties().get(XXL_PORT)) : freePort();
        int serverPort = freePort();
        int managementPort = freePort();
        try {
            Path logDir = Files.createDirectories(config.logDir());
            Path jobLogs = Files.createDirectories(logDir.resolve(config.instanceId() + "-joblogs"));
            Path output = logDir.resolve(config.instanceId() + ".log");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> command = new ArrayList<>(List.of(java));
            command.addAll(config.tuning().jvmOptions());
            command.addAll(List.of("-Dfile.encoding=UTF-8", "-Dsun.jnu.encoding=UTF-8",
                    "-jar", jar,
                    "--spring.datasource.url=" + config.jdbcUrl(),
                    "--spring.datasource.username=" + config.dbUser(),
                    "--xxl.job.admin.addresses=" + config.admin().address(),
                    "--xxl.job.executor.ip=127.0.0.1",
                    "--xxl.job.executor.port=" + xxlPort,
                    "--server.port=" + serverPort,
                    "--management.server.port=" + managementPort,
                    "--server.address=127.0.0.1",
                    "--shardsweep.intake.enabled=false",
                    "--shardsweep.storage-root=" + config.storageRoot(),
                    "--shardsweep.instance-id=" + config.instanceId(),
                    "--spring.main.banner-mode=off"));
            config.tuning().properties().forEach((k, v) -> command.add("--" + k + "=" + v));
            if (!config.extraProperties().containsKey(LOG_PATH)) {
                command.add("--" + LOG_PATH + "=" + jobLogs);
            }
            // An extra property replaces a default above: Spring would join two values of one key with a comma.
            config.extraProperties().forEach((k, v) -> {
                if (!k.equals(XXL_PORT)) {
                    command.removeIf(arg -> arg.startsWith("--" + k + "="));
                    command.add("--" + k + "=" + v);
                }
            });
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.to(output.toFile()));
            // Secrets through the environment, as operators should pass them: not on the command line,
            // where every local user can read them with ps.
            builder.environment().put("SPRING_DATASOURCE_PASSWORD", config.dbPassword());
            builder.environment().put("XXL_JOB_ADMIN_ACCESSTOKEN", config.accessToken());
            builder.environment().put("LANG", "C.UTF-8");
            builder.environment().put("LC_ALL", "C.UTF-8");
            builder.environment().putAll(config.environment());
            Process process = builder.start();
            LIVE.add(process);
            return new ExecutorProcess(config, xxlPort, serverPort, managementPort, output, process);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start executor " + config.instanceId(), e);
        }
    }

    /**
     * Waits until the executor registered its own address with the fake admin, its XXL-JOB server
     * answers {@code /beat}, and Spring reports it live (the application finished starting).
     */
    ExecutorProcess awaitReady() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        boolean registered = false;
        boolean beats = false;
        boolean live = false;
        while (!(registered && beats && live)) {
            if (!process.isAlive()) {
                throw new AssertionError(instanceId() + " exited with " + process.exitValue() + " while starting:\n" + tail(60));
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(instanceId() + " not ready within " + START_TIMEOUT + " (registered=" + registered
                        + ", beat=" + beats + ", live=" + live + "):\n" + tail(60));
            }
            registered = registered || config.admin().registrations().stream()
                    .anyMatch(r -> APP_NAME.equals(r.getRegistryKey()) && address().equals(r.getRegistryValue()));
            if (registered && !beats) {
                try {
                    beats = client.beat().getCode() == 200;
                } catch (RuntimeException notYet) {
                    // keep polling
                }
            }
            if (beats && !live) {
                try {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + managementPort + "/actuator/health/liveness")).timeout(Duration.ofSeconds(2)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    live = r.statusCode() == 200;
                } catch (IOException notYet) {
                    // keep polling
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(e);
                }
            }
            if (!(registered && beats && live)) {
                sleep(100);
            }
        }
        return this;
    }

    public String instanceId() {
        return config.instanceId();
    }

    /** {@code http://127.0.0.1:PORT/}: what the executor registers and the admin calls. */
    String address() {
        return "http://127.0.0.1:" + xxlPort + "/";
    }

    int serverPort() {
        return serverPort;
    }

    public int managementPort() {
        return managementPort;
    }

    int xxlPort() {
        return xxlPort;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    Response<String> run(TriggerRequest trigger) {
        return client.run(trigger);
    }

    Response<String> kill(int jobId) {
        return client.kill(jobId);
    }

    /** The run log of a trigger, as the admin console reads it over {@code /log}. */
    String runLog(TriggerRequest trigger) {
        Response<LogResult> log = biz.log(new LogRequest(trigger.getLogDateTime(), trigger.getLogId(), 1));
        return log.getData() == null || log.getData().getLogContent() == null ? "" : log.getData().getLogContent();
    }

    /** SIGKILL: no shutdown hook, no finally block, no farewell to the database or the admin. */
    int kill9() {
        process.destroyForcibly(); // SIGKILL on Linux
        int exit = awaitExit(Duration.ofSeconds(10));
        if (ProcessHandle.of(process.pid()).map(ProcessHandle::isAlive).orElse(false)) {
            throw new AssertionError(instanceId() + " (pid " + process.pid() + ") is still alive after SIGKILL");
        }
        return exit;
    }

    /** SIGTERM: Spring's graceful shutdown; waits for the process to end. */
    int stop() {
        process.destroy(); // SIGTERM on Linux
        return awaitExit(Duration.ofSeconds(40));
    }

    /** SIGSTOP: the JVM is frozen, every thread of it, as by a long GC pause or a stalled host. */
    void pause() {
        signal("STOP");
    }

    /** SIGCONT. */
    void resume() {
        signal("CONT");
    }

    private void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).redirectErrorStream(true).start();
            String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new AssertionError("kill -" + name + " " + process.pid() + " failed: " + out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(instanceId() + " did not exit within " + timeout + ":\n" + tail(40));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        LIVE.remove(process);
        return process.exitValue();
    }

    /** The last {@code lines} lines of the process output. */
    public String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(outputFile, StandardCharsets.UTF_8);
            return "---- " + outputFile + " (last " + Math.min(lines, all.size()) + " of " + all.size() + " lines) ----\n"
                    + String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + outputFile + ": " + e + ")";
        }
    }

    /** A thread dump of the running JVM (jcmd), for diagnostics. */
    public String threadDump() {
        try {
            Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(process.pid()), "Thread.print").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(20, TimeUnit.SECONDS);
            return out;
        } catch (IOException e) {
            return "(no thread dump: " + e + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(interrupted)";
        }
    }

    String output() {
        try {
            return Files.readString(outputFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * SIGCONT (in case it is paused), then SIGKILL; for cleanup after a test, passed or failed. An
     * executor started with {@code -XX:StartFlightRecording} (a profile of a benchmark) gets SIGTERM
     * first and up to 20 s to exit, so that its recording is written on exit.
     */
    @Override
    public void close() {
        if (process.isAlive()) {
            try {
                signal("CONT");
            } catch (RuntimeException | AssertionError ignored) {
                // it may have exited in between
            }
            try {
                if (config.tuning().jvmOptions().stream().anyMatch(o -> o.startsWith("-XX:StartFlightRecording"))) {
                    process.destroy();
                    process.waitFor(20, TimeUnit.SECONDS);
                }
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        LIVE.remove(process);
    }

    @Override
    public String toString() {
        return instanceId() + "(pid " + process.pid() + ", " + address() + ")";
    }

    /** A port free right now and not handed out before by this JVM (executors start in parallel). */
    static int freePort() {
        while (true) {
            try (ServerSocket socket = new ServerSocket(0)) {
                socket.setReuseAddress(true);
                if (HANDED_OUT.add(socket.getLocalPort())) {
                    return socket.getLocalPort();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
