package io.shardsweep.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.xxl.job.core.constant.ExecutorBlockStrategyEnum;
import com.xxl.job.core.openapi.model.CallbackRequest;
import com.xxl.job.core.openapi.model.TriggerRequest;
import com.xxl.tool.response.Response;
import io.shardsweep.testsupport.AdminTriggerClient;
import io.shardsweep.testsupport.FakeXxlJobAdmin;
import io.shardsweep.testsupport.RandomTokens;
import io.shardsweep.testsupport.TcpProxy;
import io.shardsweep.testsupport.TestDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The world of one fault scenario: its own schema on the test database, its own fake admin, a storage
 * root with a backlog of files and rows, a sibling {@code outside} directory with a sentinel file that
 * no executor may ever touch, three hostile rows aimed at it, and the executor processes it started.
 * It keeps every cleanup trigger it sent and every callback, and checks the end state with
 * {@link #assertExactlyOnce(int, String)}, which ends with {@link #assertNoSecretLogged()}.
 *
 * <p>The executors log in to the database as a user of this scenario's own, with a random password,
 * so that their output and run logs can be searched for it (the test server's root password is
 * empty, which no search can find).
 *
 * <p>Public for the process-level benchmark, which drives executors started at the application's
 * defaults through the same triggers and callbacks.
 */
public final class FaultScenario implements AutoCloseable {

    static final String CLEANUP = "fileCleanupJob";
    static final String COMPENSATION = "staleTaskCompensationJob";
    static final String SERIAL = ExecutorBlockStrategyEnum.SERIAL_EXECUTION.name();
    static final String DISCARD_LATER = ExecutorBlockStrategyEnum.DISCARD_LATER.name();
    /**
     * How long a run's callback may take. xxl-job-core writes a callback that failed (its admin call
     * timed out on a loaded machine, say) to its callback folder and sends it again on its next retry
     * pass, 30 s later; a run plus one retry pass must fit.
     */
    static final Duration CALLBACK_WAIT = Duration.ofSeconds(90);

    private static final AtomicLong LOG_IDS = new AtomicLong(System.currentTimeMillis());
    private static final Pattern ACTIVE_TRX = Pattern.compile("(?m)^---TRANSACTION \\d+, ACTIVE");
    private static final Pattern SUMMARY = Pattern.compile(
            "claimed=(\\d+) deleted=(\\d+) already_absent=(\\d+) failed=(\\d+) dead=(\\d+) released=(\\d+) lost_claims=(\\d+) swept=(\\d+)"
                    + " batches=(\\d+) took=(\\d+\\.\\d)s");

    final String label;
    final String schema;
    final JdbcTemplate jdbc;
    final FakeXxlJobAdmin admin;
    final String token = RandomTokens.of(40);
    final Path storage;
    final Path outside;
    final Path logDir;
    private final TestDatabase db;
    private final ExecutorProcess.Tuning tuning;
    /** The executors' database login: this scenario's own user, or the test server's if it may not create one. */
    private final String dbUser;
    private final String dbPassword;
    private final Path sentinel;
    private final String sentinelContent = "sentinel " + UUID.randomUUID();
    private final FileTime sentinelModified;
    private final long started = System.nanoTime();
    private final AtomicInteger jobIds = new AtomicInteger(1000);
    private final AtomicInteger instanceSeq = new AtomicInteger();
    private final AtomicInteger fileSeq = new AtomicInteger();
    private final List<ExecutorProcess> processes = new CopyOnWriteArrayList<>();
    private final List<TcpProxy> proxies = new CopyOnWriteArrayList<>();
    /** Accepted fileCleanupJob triggers, and who got them. */
    private final Map<Long, Sent> cleanupRuns = new LinkedHashMap<>();
    /** Legit rows: id to relative path. Hostile rows: id to the reason they must be refused for. */
    final Map<Long, String> legit = new LinkedHashMap<>();
    final Map<Long, String> hostile = new LinkedHashMap<>();
    /** Secrets beyond the database password and the access token that no log may hold, by what they are. */
    private final Map<String, String> moreSecrets = new LinkedHashMap<>();

    record Sent(TriggerRequest trigger, ExecutorProcess process) {
    }

    /** What a run's summary (its callback message) says it did, and how long it took (tenths of a second). */
    public record Summary(int claimed, int deleted, int alreadyAbsent, int failed, int dead, int released, int lostClaims, int swept,
                          int batches, double tookSeconds) {
        public int moved() {
            return deleted + alreadyAbsent;
        }
    }

    /** A scenario whose executors get the fault suite's tuning. */
    FaultScenario(String label) {
        this(label, ExecutorProcess.Tuning.FAULT_SUITE);
    }

    public FaultScenario(String label, ExecutorProcess.Tuning tuning) {
        this.label = label;
        this.tuning = tuning;
        this.schema = "fault_" + label.replace('-', '_');
        this.db = TestDatabase.get();
        DataSource ds = db.freshSchema(schema);
        this.jdbc = new JdbcTemplate(ds);
        String[] login = createScenarioUser();
        this.dbUser = login[0];
        this.dbPassword = login[1];
        this.admin = FakeXxlJobAdmin.start(token);
        Path target = targetDir();
        try {
            Path work = Files.createDirectories(target.resolve("fault-work"));
            Path base = Files.createTempDirectory(work, label + "-").toRealPath();
            this.storage = Files.createDirectories(base.resolve("storage"));
            this.outside = Files.createDirectories(base.resolve("outside"));
            this.logDir = Files.createDirectories(target.resolve("fault-logs").resolve(base.getFileName()));
            this.sentinel = outside.resolve("sentinel.txt");
            Files.writeString(sentinel, sentinelContent);
            Files.setLastModifiedTime(sentinel, FileTime.fromMillis(1_600_000_000_000L));
            this.sentinelModified = Files.getLastModifiedTime(sentinel);
            Files.createSymbolicLink(storage.resolve("escape"), Path.of("..", "outside"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------------------- backlog

    /**
     * Three hostile rows first (each must end DEAD and leave the sentinel alone), then {@code count}
     * one-byte files with one PENDING row each. Returns the total number of rows.
     */
    int createBacklog(int count) {
        insertHostile("../outside/sentinel.txt", "has a '..' component");
        insertHostile(sentinel.toString(), "is absolute");
        insertHostile("escape/sentinel.txt", "passes through a symbolic link");
        enqueueMore(count);
        return count + hostile.size();
    }

    /** {@code count} more legit files and rows, as producers keep enqueueing; returns the new total of rows. */
    int enqueueMore(int count) {
        List<String> paths = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int n = fileSeq.getAndIncrement();
            String path = "fault/d" + (n % 40) + "/f-" + n + ".bin";
            write(path);
            paths.add(path);
        }
        long before = legit.size();
        jdbc.batchUpdate("INSERT INTO file_deletion_task (file_path) VALUES (?)", paths, 1000, (ps, p) -> ps.setString(1, p));
        Set<String> added = Set.copyOf(paths);
        jdbc.query("SELECT id, file_path FROM file_deletion_task ORDER BY id", rs -> {
            if (added.contains(rs.getString(2))) {
                legit.put(rs.getLong(1), rs.getString(2));
            }
        });
        assertThat(legit).hasSize((int) before + count);
        return legit.size() + hostile.size();
    }

    private void insertHostile(String path, String reason) {
        jdbc.update("INSERT INTO file_deletion_task (file_path) VALUES (?)", path);
        long id = jdbc.queryForObject("SELECT MAX(id) FROM file_deletion_task", Long.class);
        hostile.put(id, reason);
    }

    private void write(String relative) {
        try {
            Path file = storage.resolve(relative);
            Files.createDirectories(file.getParent());
            Files.write(file, new byte[] {'x'});
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Legit ids of shard {@code index} of {@code total}, ascending. */
    List<Long> legitIdsOfShard(int index, int total) {
        return legit.keySet().stream().filter(id -> id % total == index).sorted().toList();
    }

    // ------------------------------------------------------------------------------- processes

    /** Starts {@code count} executors at once (they start in parallel) and waits until all are ready. */
    public List<ExecutorProcess> startExecutors(int count, Map<String, String> extra) {
        return startExecutors(db.jdbcUrl(schema), count, extra);
    }

    /** As {@link #startExecutors(int, Map)}, the executors reaching the database through {@code proxy}. */
    public List<ExecutorProcess> startExecutorsVia(TcpProxy proxy, int count, Map<String, String> extra) {
        return startExecutors(jdbcUrlVia(proxy), count, extra);
    }

    private List<ExecutorProcess> startExecutors(String jdbcUrl, int count, Map<String, String> extra) {
        List<ExecutorProcess> started = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            started.add(launch(jdbcUrl, extra));
        }
        started.forEach(ExecutorProcess::awaitReady);
        return started;
    }

    /** Launches one executor whose database is reached at {@code jdbcUrl}; returns before it is ready. */
    ExecutorProcess launch(String jdbcUrl, Map<String, String> extra) {
        return launch(jdbcUrl, extra, Map.of());
    }

    /** As {@link #launch(String, Map)}, with variables added to the process's environment (secrets go there). */
    ExecutorProcess launch(String jdbcUrl, Map<String, String> extra, Map<String, String> environment) {
        String id = "exec-" + instanceSeq.incrementAndGet();
        ExecutorProcess p = ExecutorProcess.launch(new ExecutorProcess.Config(id, jdbcUrl, dbUser, dbPassword,
                admin, token, storage, logDir, tuning, extra, environment));
        processes.add(p);
        return p;
    }

    /** A proxy in front of the test database; its JDBC URL for this scenario's schema. */
    public TcpProxy proxy() {
        Matcher m = Pattern.compile("^jdbc:mysql://([^:/]+):(\\d+)/").matcher(db.jdbcUrl(schema));
        if (!m.find()) {
            throw new IllegalStateException("cannot parse host and port of " + db.jdbcUrl(schema));
        }
        try {
            TcpProxy proxy = new TcpProxy(m.group(1), Integer.parseInt(m.group(2)));
            proxies.add(proxy);
            return proxy;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String directJdbcUrl() {
        return db.jdbcUrl(schema);
    }

    String jdbcUrlVia(TcpProxy proxy) {
        return db.jdbcUrl(schema).replaceFirst("^jdbc:mysql://[^/]+/", "jdbc:mysql://127.0.0.1:" + proxy.port() + "/");
    }

    List<ExecutorProcess> processes() {
        return List.copyOf(processes);
    }

    /** This scenario's schema, as the test's own login sees it. */
    public JdbcTemplate jdbc() {
        return jdbc;
    }

    /** The storage root the executors delete in. */
    public Path storage() {
        return storage;
    }

    // ------------------------------------------------------------------------------- triggers

    public int nextJobId() {
        return jobIds.incrementAndGet();
    }

    static TriggerRequest trigger(int jobId, String handler, String param, int index, int total, String block) {
        return trigger(jobId, handler, param, index, total, block, 0);
    }

    /** A trigger with the admin's executor timeout ({@code executorTimeout}, in seconds; 0: none). */
    static TriggerRequest trigger(int jobId, String handler, String param, int index, int total, String block, int timeoutSeconds) {
        return AdminTriggerClient.beanTrigger(jobId, handler, param, LOG_IDS.incrementAndGet(), index, total, timeoutSeconds, block);
    }

    /** Sends {@code /run} for a cleanup of shard {@code index}/{@code total}; it must be accepted. */
    public TriggerRequest cleanup(ExecutorProcess p, int jobId, String param, int index, int total) {
        return send(p, trigger(jobId, CLEANUP, param, index, total, SERIAL));
    }

    /** Sends a trigger that must be accepted; a cleanup trigger is recorded as a run. */
    TriggerRequest send(ExecutorProcess p, TriggerRequest t) {
        Response<String> r = p.run(t);
        assertThat(r.getCode()).as("/run %s of logId %s to %s: %s", t.getExecutorHandler(), t.getLogId(), p, r.getMsg()).isEqualTo(200);
        accepted(p, t);
        return t;
    }

    /** Records an accepted cleanup trigger (for triggers sent by other means, e.g. concurrently). */
    void accepted(ExecutorProcess p, TriggerRequest t) {
        if (CLEANUP.equals(t.getExecutorHandler())) {
            synchronized (cleanupRuns) {
                cleanupRuns.put(t.getLogId(), new Sent(t, p));
            }
        }
    }

    /**
     * Sends a trigger as the admin does to an address it still lists, whether or not anything listens
     * there: the response, or for a dead address the failure (the admin records it as a failed trigger,
     * triggerCode 500 "Connection refused"). An accepted cleanup trigger is recorded as a run.
     */
    Response<String> sendMaybeDead(ExecutorProcess p, TriggerRequest t) {
        Response<String> r;
        try {
            r = p.run(t);
        } catch (RuntimeException e) {
            return Response.of(500, "trigger failed: " + e);
        }
        if (r.getCode() == 200) {
            accepted(p, t);
        }
        return r;
    }

    /**
     * Sends every trigger at the same instant (threads released by one gate) and returns the
     * responses in order; accepted cleanup triggers are recorded as runs.
     */
    List<Response<String>> sendAtOnce(List<Sent> triggers) {
        CountDownLatch ready = new CountDownLatch(triggers.size());
        CountDownLatch gate = new CountDownLatch(1);
        List<CompletableFuture<Response<String>>> futures = new ArrayList<>();
        for (Sent s : triggers) {
            CompletableFuture<Response<String>> f = new CompletableFuture<>();
            Thread t = new Thread(() -> {
                ready.countDown();
                try {
                    gate.await();
                    f.complete(s.process().run(s.trigger()));
                } catch (Throwable e) {
                    f.completeExceptionally(e);
                }
            }, "fault-trigger-" + s.trigger().getLogId());
            t.start();
            futures.add(f);
        }
        try {
            ready.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        gate.countDown();
        List<Response<String>> responses = new ArrayList<>();
        for (int i = 0; i < triggers.size(); i++) {
            Response<String> r = futures.get(i).join();
            responses.add(r);
            if (r.getCode() == 200) {
                accepted(triggers.get(i).process(), triggers.get(i).trigger());
            }
        }
        return responses;
    }

    /**
     * Active InnoDB transactions on the server (only one scenario runs at a time), from SHOW ENGINE
     * INNODB STATUS: INNODB_TRX is a cache refreshed at most every 100 ms, too stale for this.
     */
    int openTransactions() {
        return (int) ACTIVE_TRX.matcher(innodbStatus()).results().count();
    }

    /**
     * SIGSTOPs {@code p} at a moment it holds claimed rows (IN_PROGRESS, committed) and has no open
     * transaction, so that it holds no row lock the rest of the world could wait for (compensation
     * would otherwise wait for the frozen process); tries again (SIGCONT, a few milliseconds, SIGSTOP)
     * until it lands so. Returns the held rows' ids and the moment of the SIGSTOP that stuck.
     */
    Paused pauseHoldingClaims(ExecutorProcess p) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        int attempt = 0;
        while (System.nanoTime() - deadline < 0) {
            long at = System.nanoTime();
            p.pause();
            // A statement the process sent just before it froze still reaches the server and may open
            // a transaction there: give such packets time to land before looking.
            ExecutorProcess.sleep(150);
            List<Long> held = inProgressIdsOf(p.instanceId());
            if (!held.isEmpty() && openTransactions() == 0) {
                System.out.println("[fault] " + p.instanceId() + " paused holding " + held.size() + " claimed rows after " + (attempt + 1) + " attempt(s)");
                return new Paused(held, at);
            }
            p.resume();
            attempt++;
            ExecutorProcess.sleep(1 + attempt % 7);
        }
        throw new AssertionError("could not pause " + p + " while it held claims outside a transaction; " + describe());
    }

    /** The claimed rows a frozen process holds, and when it was frozen ({@link System#nanoTime()}). */
    record Paused(List<Long> held, long atNanos) {
        long millisSince() {
            return Duration.ofNanos(System.nanoTime() - atNanos).toMillis();
        }
    }

    /**
     * Waits for the callback of a trigger. On a timeout the failure carries what is needed to tell a
     * hung run from a lost callback: the database state with its busy statements, the run's job
     * threads in the process it was sent to, and the tail of every process's log.
     */
    CallbackRequest callback(TriggerRequest t) {
        try {
            return admin.awaitCallback(t.getLogId(), CALLBACK_WAIT);
        } catch (AssertionError timeout) {
            StringBuilder context = new StringBuilder(timeout.getMessage()).append("\n").append(describe());
            Sent sent;
            synchronized (cleanupRuns) {
                sent = cleanupRuns.get(t.getLogId());
            }
            if (sent != null && sent.process().isAlive()) {
                context.append("\n---- job threads of ").append(sent.process().instanceId()).append(" ----\n")
                        .append(jobThreads(sent.process().threadDump()));
            }
            for (ExecutorProcess p : processes) {
                context.append("\n").append(p.tail(25));
            }
            throw new AssertionError(context.toString(), timeout);
        }
    }

    /** The stacks of the XXL-JOB job threads and the deletion pool from a {@code jcmd Thread.print}. */
    private static String jobThreads(String dump) {
        StringBuilder out = new StringBuilder();
        for (String thread : dump.split("\n\n")) {
            if (thread.contains("JobThread") || thread.contains("\"shardsweep-")) {
                out.append(thread).append("\n\n");
            }
        }
        return out.isEmpty() ? dump : out.toString();
    }

    /** Waits for the callback; it must be a success. */
    public Summary succeeded(TriggerRequest t) {
        CallbackRequest c = callback(t);
        assertThat(c.getHandleCode()).as("callback of logId %s (shard %s/%s): %s", t.getLogId(), t.getBroadcastIndex(),
                t.getBroadcastTotal(), c.getHandleMsg()).isEqualTo(200);
        return summary(c);
    }

    static Summary summary(CallbackRequest c) {
        Matcher m = SUMMARY.matcher(String.valueOf(c.getHandleMsg()));
        if (!m.find()) {
            throw new AssertionError("no run summary in callback of logId " + c.getLogId() + ": " + c.getHandleMsg());
        }
        return new Summary(i(m, 1), i(m, 2), i(m, 3), i(m, 4), i(m, 5), i(m, 6), i(m, 7), i(m, 8), i(m, 9),
                Double.parseDouble(m.group(10)));
    }

    private static int i(Matcher m, int group) {
        return Integer.parseInt(m.group(group));
    }

    /** Runs compensation on {@code p} and returns its "reset=N dead=M" message. */
    String compensate(ExecutorProcess p) {
        return compensate(p, nextJobId());
    }

    /** Runs compensation on {@code p} as job {@code jobId} (a recurring job keeps its id) and returns its message. */
    String compensate(ExecutorProcess p, int jobId) {
        TriggerRequest t = send(p, trigger(jobId, COMPENSATION, null, 0, 1, SERIAL));
        CallbackRequest c = callback(t);
        assertThat(c.getHandleCode()).as("compensation callback: %s", c.getHandleMsg()).isEqualTo(200);
        return c.getHandleMsg();
    }

    static int compensationReset(String message) {
        Matcher m = Pattern.compile("reset=(\\d+)").matcher(message);
        assertThat(m.find()).as("reset= in %s", message).isTrue();
        return Integer.parseInt(m.group(1));
    }

    /**
     * Broadcast rounds over {@code ps} (shard i of ps.size() to the i-th) until no row is PENDING or
     * IN_PROGRESS; every run must succeed. Returns the number of rounds.
     */
    int broadcastUntilEmpty(List<ExecutorProcess> ps, String param, int maxRounds) {
        int jobId = nextJobId();
        for (int round = 1; round <= maxRounds; round++) {
            List<TriggerRequest> sent = new ArrayList<>();
            for (int i = 0; i < ps.size(); i++) {
                sent.add(cleanup(ps.get(i), jobId, param, i, ps.size()));
            }
            sent.forEach(this::succeeded);
            if (count("SELECT COUNT(*) FROM file_deletion_task WHERE status <> 'DEAD'") == 0) {
                return round;
            }
        }
        fail("backlog not empty after " + maxRounds + " rounds: " + describe());
        return maxRounds;
    }

    /** Callbacks of every cleanup run sent to {@code instances} (all must have called back). */
    List<Summary> summariesOf(Set<String> instances) {
        List<Summary> out = new ArrayList<>();
        for (Sent s : runs()) {
            if (instances.contains(s.process().instanceId())) {
                out.add(summary(callback(s.trigger())));
            }
        }
        return out;
    }

    List<Sent> runs() {
        synchronized (cleanupRuns) {
            return List.copyOf(cleanupRuns.values());
        }
    }

    // ------------------------------------------------------------------------------- database

    int count(String sql, Object... args) {
        Integer n = jdbc.queryForObject(sql, Integer.class, args);
        return n == null ? 0 : n;
    }

    int inProgressOf(String owner) {
        return count("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'IN_PROGRESS' AND claim_owner = ?", owner);
    }

    List<Long> inProgressIdsOf(String owner) {
        return jdbc.queryForList("SELECT id FROM file_deletion_task WHERE status = 'IN_PROGRESS' AND claim_owner = ? ORDER BY id",
                Long.class, owner);
    }

    Map<Long, String> claimTokens(List<Long> ids) {
        Map<Long, String> tokens = new TreeMap<>();
        for (Long id : ids) {
            tokens.put(id, jdbc.queryForObject("SELECT CONCAT(status, ' ', COALESCE(claim_owner, '-'), ' ', COALESCE(claim_token, '-')) "
                    + "FROM file_deletion_task WHERE id = ?", String.class, id));
        }
        return tokens;
    }

    /** The smallest time left on a lease of {@code owner}'s IN_PROGRESS rows, by the database's clock. */
    long minLeaseLeftMillis(String owner) {
        Long micros = jdbc.queryForObject("SELECT TIMESTAMPDIFF(MICROSECOND, UTC_TIMESTAMP(6), MIN(lease_until)) FROM file_deletion_task "
                + "WHERE status = 'IN_PROGRESS' AND claim_owner = ?", Long.class, owner);
        return micros == null ? Long.MIN_VALUE : micros / 1000;
    }

    int historyCount() {
        return count("SELECT COUNT(*) FROM file_deletion_task_history");
    }

    String innodbStatus() {
        return jdbc.query("SHOW ENGINE INNODB STATUS", rs -> rs.next() ? rs.getString("Status") : "");
    }

    /**
     * Statements of this schema that start with {@code sqlPrefix} and have been running for a second or
     * more: in this table-sized world, a statement waiting for a lock. (PROCESSLIST rather than
     * INNODB_TRX: MariaDB 11.4's INNODB_TRX was seen reporting a lock-waiting INSERT ... SELECT as RUNNING.)
     */
    int stuckStatements(String sqlPrefix) {
        return count("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND COMMAND = 'Query' "
                + "AND TIME >= 1 AND INFO LIKE ?", sqlPrefix + "%");
    }

    /** True when every IN_PROGRESS row of {@code owner} has a lease in the past by the database's clock. */
    boolean leasesExpired(String owner) {
        return count("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'IN_PROGRESS' AND claim_owner = ? "
                + "AND lease_until >= UTC_TIMESTAMP(3)", owner) == 0;
    }

    public String describe() {
        return "file_deletion_task " + jdbc.queryForList("SELECT CONCAT(status, '/', COALESCE(claim_owner, '-'), ' attempts=', attempts, ': ', "
                + "COUNT(*)) FROM file_deletion_task GROUP BY status, claim_owner, attempts", String.class)
                + ", history " + jdbc.queryForList("SELECT CONCAT(finished_by, ' ', outcome, ': ', COUNT(*)) FROM file_deletion_task_history "
                + "GROUP BY finished_by, outcome", String.class)
                + ", busy sessions " + jdbc.queryForList("SELECT CONCAT(ID, ' ', COMMAND, ' ', COALESCE(STATE, '-'), ' ', TIME, 's ', "
                + "COALESCE(LEFT(REGEXP_REPLACE(INFO, '[[:space:]]+', ' '), 100), '-')) FROM information_schema.PROCESSLIST "
                + "WHERE COMMAND <> 'Sleep' AND DB = DATABASE()", String.class)
                + ", callbacks " + admin.callbacks().size();
    }

    /**
     * An uncommitted row in {@code file_deletion_task_history} with the id of a pending task, held by
     * the test on its own connection. The finisher that later moves that task waits on its primary key
     * inside its transaction, after it locked its batch and deleted its files: a batch held mid-move.
     */
    HistoryLock holdHistoryInsert(long id) {
        try {
            Connection c = DriverManager.getConnection(db.jdbcUrl(schema), db.username(), db.password());
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO file_deletion_task_history "
                    + "(id, file_path, outcome, attempts, created_at, finished_at, finished_by) "
                    + "VALUES (?, 'held by the fault test', 'DELETED', 0, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), 'fault-test')")) {
                ps.setLong(1, id);
                ps.executeUpdate();
            }
            return new HistoryLock(c);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot hold a history insert of id " + id, e);
        }
    }

    static final class HistoryLock implements AutoCloseable {
        private final Connection connection;

        private HistoryLock(Connection connection) {
            this.connection = connection;
        }

        @Override
        public void close() {
            try (connection) {
                connection.rollback();
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    // ------------------------------------------------------------------------------- invariants

    /**
     * The end state after a fault, and the scenario's figures line. Fails unless:
     * <ul>
     *   <li>no row is IN_PROGRESS or PENDING (the backlog is empty);</li>
     *   <li>history + DEAD = every row created (no loss), history ids are unique and no id is in both tables;</li>
     *   <li>the DEAD rows are exactly the hostile ones, each with its refusal reason in last_error;</li>
     *   <li>history holds exactly the legit rows, and every legit file is gone;</li>
     *   <li>the sentinel outside the storage root is untouched.</li>
     * </ul>
     * {@code extra} is appended to the figures line.
     */
    Figures assertExactlyOnce(int totalRows, String extra) {
        int inProgress = count("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'IN_PROGRESS'");
        int pending = count("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'PENDING'");
        int dead = count("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'DEAD'");
        int history = historyCount();
        int distinctHistory = count("SELECT COUNT(DISTINCT id) FROM file_deletion_task_history");
        int inBoth = count("SELECT COUNT(*) FROM file_deletion_task t JOIN file_deletion_task_history h ON h.id = t.id");
        int alreadyAbsent = count("SELECT COUNT(*) FROM file_deletion_task_history WHERE outcome = 'ALREADY_ABSENT'");
        Set<Long> historyIds = new TreeSet<>(jdbc.queryForList("SELECT id FROM file_deletion_task_history", Long.class));
        Set<Long> legitIds = new TreeSet<>(legit.keySet());
        Set<Long> lost = new TreeSet<>(legitIds);
        lost.removeAll(historyIds);
        Set<Long> strangers = new TreeSet<>(historyIds);
        strangers.removeAll(legitIds);
        int duplicates = inBoth + (history - distinctHistory) + strangers.size();
        Set<Long> deadIds = new TreeSet<>(jdbc.queryForList("SELECT id FROM file_deletion_task WHERE status = 'DEAD'", Long.class));
        int losses = lost.size() + (int) hostile.keySet().stream().filter(id -> !deadIds.contains(id)).count();
        Figures figures = new Figures(label, totalRows, runs().size(), history, dead, alreadyAbsent, duplicates, losses,
                Duration.ofNanos(System.nanoTime() - started), extra);
        figures.print();

        String state = describe();
        assertThat(inProgress).as("rows IN_PROGRESS at the end; %s", state).isZero();
        assertThat(pending).as("rows PENDING at the end (the backlog must be empty); %s", state).isZero();
        assertThat(inBoth).as("ids both in file_deletion_task and in history").isZero();
        assertThat(history).as("history rows vs distinct ids").isEqualTo(distinctHistory);
        assertThat(history + dead).as("history + DEAD = all rows (no loss); %s", state).isEqualTo(totalRows);
        assertThat(strangers).as("history ids that are not legit rows (hostile rows finished?)").isEmpty();
        assertThat(lost).as("legit rows missing from history").isEmpty();

        Map<Long, String> deadRows = new HashMap<>();
        jdbc.query("SELECT id, last_error FROM file_deletion_task WHERE status = 'DEAD'", rs -> {
            deadRows.put(rs.getLong(1), rs.getString(2));
        });
        assertThat(deadRows.keySet()).as("DEAD rows are exactly the hostile ones").containsExactlyInAnyOrderElementsOf(hostile.keySet());
        hostile.forEach((id, reason) -> assertThat(deadRows.get(id)).as("last_error of hostile row %s", id)
                .startsWith("refused: Refused storage path").contains(reason));

        List<String> remaining = legit.values().stream()
                .filter(p -> Files.exists(storage.resolve(p), LinkOption.NOFOLLOW_LINKS)).limit(10).toList();
        assertThat(remaining).as("legit files still present (first 10)").isEmpty();
        assertSentinelUntouched();
        assertThat(figures.duplicates()).isZero();
        assertThat(figures.losses()).isZero();
        assertNoSecretLogged();
        return figures;
    }

    void assertSentinelUntouched() {
        try {
            assertThat(Files.isRegularFile(sentinel, LinkOption.NOFOLLOW_LINKS)).as("sentinel %s exists", sentinel).isTrue();
            assertThat(Files.readString(sentinel, StandardCharsets.UTF_8)).as("sentinel content").isEqualTo(sentinelContent);
            assertThat(Files.getLastModifiedTime(sentinel)).as("sentinel mtime").isEqualTo(sentinelModified);
            try (Stream<Path> s = Files.list(outside)) {
                assertThat(s.map(p -> p.getFileName().toString()).toList()).as("files outside the root").containsExactly("sentinel.txt");
            }
            assertThat(Files.isSymbolicLink(storage.resolve("escape"))).as("the escape link itself").isTrue();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * For instances whose every run called back: the rows their runs say they moved to history
     * equal the history rows they wrote. A row moved twice, or a run that counted a row it did not
     * move, breaks the equality.
     */
    void assertSummariesMatchHistory(Collection<String> instances) {
        for (String instance : instances) {
            int reported = summariesOf(Set.of(instance)).stream().mapToInt(Summary::moved).sum();
            int written = count("SELECT COUNT(*) FROM file_deletion_task_history WHERE finished_by = ?", instance);
            assertThat(reported).as("rows %s's run summaries report moved vs its history rows", instance).isEqualTo(written);
        }
    }

    /**
     * A user with a random 32-character password and every privilege on this scenario's schema only.
     * Falls back to the test server's own login where that login may not create users.
     */
    private String[] createScenarioUser() {
        String user = "ssf_" + Integer.toHexString(schema.hashCode());
        String password = RandomTokens.of(32);
        try {
            for (String host : List.of("%", "localhost")) {
                jdbc.execute("DROP USER IF EXISTS '" + user + "'@'" + host + "'");
                jdbc.execute("CREATE USER '" + user + "'@'" + host + "' IDENTIFIED BY '" + password + "'");
                jdbc.execute("GRANT ALL PRIVILEGES ON `" + TestDatabase.schemaName(schema) + "`.* TO '" + user + "'@'" + host + "'");
            }
            return new String[] {user, password};
        } catch (org.springframework.dao.DataAccessException e) {
            System.out.println("(fault scenario " + label + ": cannot create a database user, the executors log in as "
                    + db.username() + ": " + e.getMostSpecificCause().getMessage() + ")");
            return new String[] {db.username(), db.password()};
        }
    }

    /** One more secret for {@link #assertNoSecretLogged()} to search for, e.g. the S3 secret key the executors are given. */
    void addSecret(String what, String secret) {
        moreSecrets.put(what, secret);
    }

    /**
     * No secret in anything an executor wrote: its stdout/stderr (the application log) and the XXL-JOB
     * run logs under its {@code logpath}, which the admin console shows to every operator. Checked for
     * the database password (when it is not trivially short), the XXL-JOB access token and those of
     * {@link #addSecret}. The logs must be there and name the runs, so an empty or missing log cannot
     * pass.
     */
    public void assertNoSecretLogged() {
        Map<String, String> secrets = new LinkedHashMap<>();
        secrets.put("XXL-JOB access token", token);
        if (dbPassword != null && dbPassword.length() >= 12) {
            secrets.put("database password", dbPassword);
        }
        secrets.putAll(moreSecrets);
        List<Path> files;
        try (Stream<Path> walk = Files.walk(logDir)) {
            files = walk.filter(Files::isRegularFile).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long runLogs = files.stream().filter(f -> f.toString().contains("-joblogs")).count();
        assertThat(runLogs).as("XXL-JOB run logs written under %s", logDir).isPositive();
        StringBuilder appLogs = new StringBuilder();
        for (Path file : files) {
            String text;
            try {
                text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (!file.toString().contains("-joblogs")) {
                appLogs.append(text);
            }
            // a boolean, so that a failure does not print the log, and the secret with it, into the report
            secrets.forEach((what, secret) -> assertThat(text.contains(secret)).as("%s in %s", what, file).isFalse());
        }
        assertThat(appLogs.toString()).as("the executors' application logs").contains("Started ShardSweepApplication");
    }

    record Figures(String label, int rows, int runs, int history, int dead, int alreadyAbsent, int duplicates, int losses,
                   Duration took, String extra) {
        void print() {
            String line = String.format("FAULT %s: rows=%d runs=%d history=%d dead=%d already_absent=%d duplicates=%d losses=%d took=%.1fs%s",
                    label, rows, runs, history, dead, alreadyAbsent, duplicates, losses, took.toMillis() / 1000.0,
                    extra == null || extra.isBlank() ? "" : " " + extra);
            System.out.println(line);
            try {
                Files.writeString(targetDir().resolve("fault-logs").resolve("figures.txt"), line + System.lineSeparator(),
                        StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                System.out.println("(could not append to figures.txt: " + e + ")");
            }
        }
    }

    // ------------------------------------------------------------------------------- helpers

    static void awaitTrue(String what, Duration timeout, BooleanSupplier condition, Supplier<String> diagnostics) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out after " + timeout + " waiting for " + what + "; " + diagnostics.get());
            }
            ExecutorProcess.sleep(10);
        }
    }

    /** The tails of every process's output, for a failed test. */
    public String tails(int lines) {
        return processes.stream().map(p -> p.tail(lines)).collect(Collectors.joining("\n"));
    }

    @Override
    public void close() {
        for (ExecutorProcess p : processes) {
            p.close();
        }
        proxies.forEach(TcpProxy::close);
        admin.close();
    }

    static Path targetDir() {
        String jar = System.getProperty("shardsweep.executor.jar");
        if (jar != null) {
            return Path.of(jar).toAbsolutePath().getParent();
        }
        return Path.of("target").toAbsolutePath();
    }
}
