package io.shardsweep.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.testcontainers.containers.MinIOContainer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.CreateBucketRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * A real S3 API server for tests, one per test JVM, started on first use. Never a mocked client.
 *
 * <p>Selection order (like {@link TestDatabase}):
 * <ol>
 *   <li>{@code configured}: an endpoint named by system property {@code shardsweep.test.s3-endpoint} or env
 *       {@code SHARDSWEEP_TEST_S3_ENDPOINT}, with {@code shardsweep.test.s3-access-key}/{@code
 *       SHARDSWEEP_TEST_S3_ACCESS_KEY}, {@code shardsweep.test.s3-secret-key}/{@code SHARDSWEEP_TEST_S3_SECRET_KEY}
 *       and {@code shardsweep.test.s3-region}/{@code SHARDSWEEP_TEST_S3_REGION} (default us-east-1);</li>
 *   <li>{@code testcontainers-minio}: MinIO when a Docker engine answers;</li>
 *   <li>{@code s3mock}: Adobe S3Mock as a child JVM from its executable jar, which Maven copies to
 *       {@code target/s3mock/} (system property {@code shardsweep.test.s3mock.jar}). S3Mock is a Spring Boot 3.5
 *       application, so it cannot share our Boot 4 test classpath. It listens on 127.0.0.1 only (see
 *       {@link S3TestServerChildGuard}), keeps its store in {@code target/s3mock/<pid>-<n>/store}, deletes it on
 *       exit, and logs to {@code target/s3mock/<pid>-<n>.log}.</li>
 * </ol>
 *
 * <p>Tests share the server: each takes its own buckets with {@link #freshBucket(String)}. Clients come from
 * {@link #newClient()}: path-style, endpoint override, the server's region and credentials, the Apache HTTP
 * client that the app uses.
 */
public final class S3TestServer implements AutoCloseable {

    public static final String PROP_ENDPOINT = "shardsweep.test.s3-endpoint";
    public static final String PROP_ACCESS_KEY = "shardsweep.test.s3-access-key";
    public static final String PROP_SECRET_KEY = "shardsweep.test.s3-secret-key";
    public static final String PROP_REGION = "shardsweep.test.s3-region";
    /** Set by the pom (surefire and failsafe) to the copied executable jar. */
    public static final String PROP_S3MOCK_JAR = "shardsweep.test.s3mock.jar";

    /** Pinned, as the compose stack pins its images (not pulled on this machine: it has no Docker). */
    static final String MINIO_IMAGE = "minio/minio:RELEASE.2025-07-23T15-54-02Z";
    static final String S3MOCK_ACCESS_KEY = "shardsweep-test-access-key";
    /** Generous: on the shared 2-core machine a cold Boot start has taken 15 s. */
    private static final Duration S3MOCK_START_TIMEOUT = Duration.ofSeconds(180);
    private static final String LAUNCHER = "org.springframework.boot.loader.launch.PropertiesLauncher";
    private static final Pattern PORT_LINE = Pattern.compile("http=(\\d+)");
    private static final AtomicInteger STARTED = new AtomicInteger();

    private static volatile S3TestServer instance;

    private final String kind;
    private final URI endpoint;
    private final Region region;
    private final String accessKeyId;
    private final String secretAccessKey;
    private final long launchedNanos;
    private volatile long startupMillis;
    /** Only for {@code s3mock}. */
    private final Process process;
    private final Path logFile;
    private final Path storeRoot;
    private final Path home;
    /** Only for {@code testcontainers-minio}. */
    private final MinIOContainer container;
    private final Thread shutdownHook;
    private volatile boolean closed;
    /** Object folders made immutable by {@link #refuseDeletionOf}, undone on close. */
    private final Set<Path> immutable = ConcurrentHashMap.newKeySet();
    private Boolean canRefuseDeletion;

    private S3TestServer(String kind, URI endpoint, Region region, String accessKeyId, String secretAccessKey,
                         long launchedNanos, Process process, Path home, MinIOContainer container) {
        this.kind = kind;
        this.endpoint = endpoint;
        this.region = region;
        this.accessKeyId = accessKeyId;
        this.secretAccessKey = secretAccessKey;
        this.launchedNanos = launchedNanos;
        this.process = process;
        this.home = home;
        this.logFile = home == null ? null : home.resolveSibling(home.getFileName() + ".log");
        this.storeRoot = home == null ? null : home.resolve("store");
        this.container = container;
        this.shutdownHook = new Thread(this::stop, "ss-test-s3-stop");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** The JVM-wide server, started on the first call; stopped when the JVM exits. Do not close it. */
    public static S3TestServer get() {
        S3TestServer s = instance;
        if (s == null) {
            synchronized (S3TestServer.class) {
                s = instance;
                if (s == null) {
                    s = start();
                    instance = s;
                }
            }
        }
        return s;
    }

    /**
     * A private S3Mock child process that the caller owns and closes: for tests that stop the server or
     * measure its start. Always S3Mock, whatever else is configured.
     */
    public static S3TestServer startS3Mock() {
        return verified(startS3MockProcess());
    }

    /** {@code configured}, {@code testcontainers-minio} or {@code s3mock}. */
    public String kind() {
        return kind;
    }

    /**
     * For a Spring test context of the S3 backend: this server as {@code shardsweep.s3.endpoint} with
     * its region and path-style access, the buckets as {@code shardsweep.s3.buckets}, and its
     * credentials where the AWS SDK's default chain reads them (ShardSweep has no credential setting
     * of its own).
     */
    public void registerAsEndpoint(DynamicPropertyRegistry registry, String... buckets) {
        registerAsEndpoint(registry, endpoint(), buckets);
    }

    /** As {@link #registerAsEndpoint}, with the app reaching this server through {@code proxy} (see {@link #newProxy()}). */
    public void registerAsEndpointVia(TcpProxy proxy, DynamicPropertyRegistry registry, String... buckets) {
        registerAsEndpoint(registry, URI.create("http://127.0.0.1:" + proxy.port()), buckets);
    }

    private void registerAsEndpoint(DynamicPropertyRegistry registry, URI endpoint, String... buckets) {
        registry.add("shardsweep.s3.endpoint", endpoint::toString);
        registry.add("shardsweep.s3.region", region::id);
        registry.add("shardsweep.s3.path-style-access", () -> "true"); // MinIO and S3Mock need it
        registry.add("shardsweep.s3.buckets", () -> String.join(",", buckets));
        System.setProperty("aws.accessKeyId", accessKeyId());
        System.setProperty("aws.secretAccessKey", secretAccessKey());
    }

    /**
     * A new {@link TcpProxy} in front of this server, for a test that slows it down, stalls it or cuts
     * it; the caller closes it. Clients of {@link #newClient()} still reach the server directly. Plain
     * {@code http} servers only (the local ones): a TLS certificate would not name the proxy.
     */
    public TcpProxy newProxy() {
        if (!"http".equals(endpoint.getScheme()) || endpoint.getPort() < 0) {
            throw new IllegalStateException("a proxy needs an http endpoint with a port, not " + kind + " at " + endpoint.getScheme() + "://...");
        }
        try {
            return new TcpProxy(endpoint.getHost(), endpoint.getPort());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a proxy in front of " + endpoint, e);
        }
    }

    /** {@code http://127.0.0.1:<port>} for the local servers. */
    public URI endpoint() {
        return endpoint;
    }

    public Region region() {
        return region;
    }

    public AwsCredentialsProvider credentialsProvider() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId, secretAccessKey));
    }

    public String accessKeyId() {
        return accessKeyId;
    }

    /** For tests that check that the secret appears in no log; never print it. */
    public String secretAccessKey() {
        return secretAccessKey;
    }

    /**
     * Wall time from launch to the first answered request (child process or container; 0 when configured).
     * S3Mock initialises lazily, so its first request is part of its start.
     */
    public long startupMillis() {
        return startupMillis;
    }

    /** S3Mock's console output; empty for the other kinds. */
    public Optional<Path> logFile() {
        return Optional.ofNullable(logFile);
    }

    /** S3Mock's store folder (objects and metadata on disk); empty for the other kinds. */
    public Optional<Path> storeRoot() {
        return Optional.ofNullable(storeRoot);
    }

    /** The S3Mock child process; empty for the other kinds. */
    public Optional<Process> process() {
        return Optional.ofNullable(process);
    }

    /**
     * A new client for this server; the caller closes it. Path-style addressing (MinIO and S3Mock need it), the
     * endpoint override, the server's region and credentials, and the Apache HTTP client the app depends on.
     */
    public S3Client newClient() {
        return newClient(o -> { });
    }

    /**
     * As {@link #newClient()}, with the client's override configuration (default: each API call bounded to 30 s,
     * the SDK's standard retries) changed by {@code override}, e.g. {@code o -> o.retryStrategy(
     * DefaultRetryStrategy.doNotRetry())}.
     */
    public S3Client newClient(Consumer<ClientOverrideConfiguration.Builder> override) {
        ClientOverrideConfiguration.Builder config = ClientOverrideConfiguration.builder().apiCallTimeout(Duration.ofSeconds(30));
        override.accept(config);
        return S3Client.builder()
                .endpointOverride(endpoint)
                .forcePathStyle(true)
                .region(region)
                .credentialsProvider(credentialsProvider())
                .httpClientBuilder(ApacheHttpClient.builder()
                        .maxConnections(32)
                        .connectionTimeout(Duration.ofSeconds(5))
                        .socketTimeout(Duration.ofSeconds(30)))
                .overrideConfiguration(config.build())
                .build();
    }

    /** Creates the buckets that do not exist yet. */
    public void createBuckets(String... names) {
        try (S3Client s3 = newClient()) {
            for (String name : names) {
                try {
                    s3.createBucket(CreateBucketRequest.builder().bucket(name).build());
                } catch (BucketAlreadyOwnedByYouException alreadyThere) {
                    // idempotent
                } catch (S3Exception e) {
                    if (!"BucketAlreadyOwnedByYou".equals(e.awsErrorDetails().errorCode())) {
                        throw e;
                    }
                }
            }
        }
    }

    /**
     * Creates and returns a bucket no other test uses: {@code prefix} lower-cased and cut to what S3 bucket
     * names allow, then {@code -} and 12 random hex digits.
     */
    public String freshBucket(String prefix) {
        String p = prefix.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-").replaceAll("-+", "-");
        p = p.replaceAll("^-|-$", "");
        if (p.length() > 40) {
            p = p.substring(0, 40);
        }
        String name = (p.length() < 3 ? "ss-" + p : p) + "-" + HexFormat.of().formatHex(randomBytes(6));
        createBuckets(name);
        return name;
    }

    // ---------------------------------------------------------------- server-side faults (S3Mock only)

    /**
     * Whether {@link #refuseDeletionOf} works here: S3Mock, and a Linux {@code chattr} that may set the immutable
     * attribute in the store (ext4 or xfs, and root or CAP_LINUX_IMMUTABLE). Probed once.
     */
    public synchronized boolean canRefuseDeletion() {
        if (canRefuseDeletion == null) {
            canRefuseDeletion = storeRoot != null && probeChattr(home.resolve("chattr-probe"));
        }
        return canRefuseDeletion;
    }

    /**
     * Makes S3Mock fail to delete this one key until the returned handle is closed: the object's folder in the
     * store is made immutable, so that S3Mock's delete meets an IOException, and DeleteObjects answers an
     * {@code <Error><Code>InternalError</Code>} for this key while it deletes the others. (S3Mock enforces no IAM,
     * bucket policy or object lock, so this is the one real per-key error it gives; a key whose metadata cannot
     * be read fails the whole request with a 500 instead.) Closing the server also undoes it.
     */
    public AutoCloseable refuseDeletionOf(String bucket, String key) {
        if (!canRefuseDeletion()) {
            throw new IllegalStateException("refuseDeletionOf needs S3Mock and a working chattr; the server is " + kind);
        }
        Path folder = objectFolder(bucket, key);
        chattr("+i", folder);
        immutable.add(folder);
        return () -> {
            if (immutable.remove(folder) && Files.exists(folder)) {
                chattr("-i", folder);
            }
        };
    }

    /** S3Mock's folder for the object (named by a UUID), found by the key in its {@code objectMetadata.json}. */
    Path objectFolder(String bucket, String key) {
        if (storeRoot == null) {
            throw new IllegalStateException("only S3Mock has a store on disk; the server is " + kind);
        }
        Path bucketDir = storeRoot.resolve(bucket);
        String keyField = "\"key\":\"" + key + "\"";
        try (Stream<Path> files = Files.walk(bucketDir)) {
            List<Path> found = files.filter(f -> f.getFileName().toString().equals("objectMetadata.json"))
                    .filter(f -> readQuietly(f).replace(" ", "").contains(keyField))
                    .map(Path::getParent)
                    .toList();
            if (found.size() != 1) {
                throw new IllegalStateException("expected one S3Mock folder for " + bucket + "/" + key + " in " + bucketDir
                        + ", found " + found);
            }
            return found.get(0);
        } catch (IOException e) {
            throw new IllegalStateException("cannot search " + bucketDir, e);
        }
    }

    private static boolean probeChattr(Path dir) {
        try {
            Files.createDirectories(dir);
            chattr("+i", dir);
            chattr("-i", dir);
            Files.delete(dir);
            return true;
        } catch (IOException | RuntimeException e) {
            log("chattr cannot set the immutable attribute here, so per-key delete errors cannot be provoked: " + e);
            return false;
        }
    }

    private static void chattr(String flag, Path path) {
        try {
            Process p = new ProcessBuilder("chattr", flag, path.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException("chattr " + flag + " " + path + " failed: " + out);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run chattr " + flag + " " + path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted in chattr " + flag + " " + path, e);
        }
    }

    /** Stops the server (idempotent). The JVM-wide one is stopped by a shutdown hook instead. */
    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
        if (this == instance) {
            instance = null;
        }
    }

    private synchronized void stop() {
        if (closed) {
            return;
        }
        closed = true;
        for (Path folder : List.copyOf(immutable)) { // else neither S3Mock nor mvn clean could remove them
            if (!Files.exists(folder)) {
                continue;
            }
            try {
                chattr("-i", folder);
            } catch (RuntimeException e) {
                log("could not undo chattr +i on " + folder + ": " + e);
            }
        }
        immutable.clear();
        if (process != null) {
            process.destroy(); // SIGTERM: S3Mock's own shutdown hook removes its store
            try {
                if (!process.waitFor(15, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
            deleteRecursively(home); // its store (if S3Mock did not), the guard class, the port file
        }
        if (container != null) {
            container.stop();
        }
    }

    // ---------------------------------------------------------------- backend selection

    private static S3TestServer start() {
        String configured = setting(PROP_ENDPOINT, "SHARDSWEEP_TEST_S3_ENDPOINT", null);
        if (configured != null) {
            String access = setting(PROP_ACCESS_KEY, "SHARDSWEEP_TEST_S3_ACCESS_KEY", null);
            String secret = setting(PROP_SECRET_KEY, "SHARDSWEEP_TEST_S3_SECRET_KEY", null);
            if (access == null || secret == null) {
                throw new IllegalStateException(PROP_ENDPOINT + " is set, so " + PROP_ACCESS_KEY + " and "
                        + PROP_SECRET_KEY + " (or SHARDSWEEP_TEST_S3_ACCESS_KEY / _SECRET_KEY) must be set too");
            }
            Region region = Region.of(setting(PROP_REGION, "SHARDSWEEP_TEST_S3_REGION", "us-east-1"));
            log("using the configured endpoint " + configured + " (" + PROP_ENDPOINT + " is set)");
            return verified(new S3TestServer("configured", URI.create(configured), region, access, secret, 0,
                    null, null, null));
        }
        long t0 = System.nanoTime();
        boolean docker = TestDatabase.dockerAvailable();
        log("Docker engine " + (docker ? "available" : "not available") + " (checked in " + millisSince(t0) + " ms)");
        if (docker) {
            try {
                return verified(startMinio());
            } catch (RuntimeException e) { // e.g. the image cannot be pulled
                log("Testcontainers " + MINIO_IMAGE + " did not start (" + e + "): falling back to S3Mock");
            }
        } else {
            log("no configured endpoint and no Docker engine: starting S3Mock as a child JVM");
        }
        return verified(startS3MockProcess());
    }


    private static S3TestServer startMinio() {
        long t0 = System.nanoTime();
        String secret = "minio-" + HexFormat.of().formatHex(randomBytes(16));
        MinIOContainer minio = new MinIOContainer(MINIO_IMAGE).withUserName("shardsweep").withPassword(secret);
        minio.start();
        log("started Testcontainers " + MINIO_IMAGE + " at " + minio.getS3URL() + " in " + millisSince(t0) + " ms");
        return new S3TestServer("testcontainers-minio", URI.create(minio.getS3URL()), Region.US_EAST_1,
                "shardsweep", secret, t0, null, null, minio);
    }

    private static S3TestServer startS3MockProcess() {
        Path jar = s3MockJar();
        Path home = s3MockHome();
        Path portFile = home.resolve("port");
        Path log = home.resolveSibling(home.getFileName() + ".log");
        // S3Mock does not check signatures, so any secret works; a random one lets tests look for it in logs
        String secret = "s3mock-secret-" + HexFormat.of().formatHex(randomBytes(16));
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m",
                "-XX:+UseSerialGC",
                "-Djava.io.tmpdir=" + createDirectories(home.resolve("tmp")),
                "-Dloader.path=" + writeGuard(home.resolve("guard")),
                "-D" + S3TestServerChildGuard.PROP_ADDRESS + "=127.0.0.1",
                "-D" + S3TestServerChildGuard.PROP_PORT_FILE + "=" + portFile,
                "-D" + S3TestServerChildGuard.PROP_PARENT_PID + "=" + ProcessHandle.current().pid(),
                "-Dserver.address=127.0.0.1", // the HTTPS connector; the guard binds the HTTP one
                "-Dserver.port=0",
                "-Dcom.adobe.testing.s3mock.httpPort=0",
                "-Dcom.adobe.testing.s3mock.store.root=" + home.resolve("store"),
                "-Dcom.adobe.testing.s3mock.store.retainFilesOnExit=false",
                "-Dcom.adobe.testing.s3mock.store.region=us-east-1",
                "-Dspring.main.banner-mode=off",
                "-cp", jar.toString(),
                LAUNCHER));
        long t0 = System.nanoTime();
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start S3Mock: " + cmd, e);
        }
        int port;
        try {
            port = awaitPort(p, portFile, log);
        } catch (RuntimeException e) {
            p.destroyForcibly();
            throw e;
        }
        log("started S3Mock (" + jar.getFileName() + ", pid " + p.pid() + ") on http://127.0.0.1:" + port
                + ": port bound " + millisSince(t0) + " ms after launch, log " + log);
        return new S3TestServer("s3mock", URI.create("http://127.0.0.1:" + port), Region.US_EAST_1,
                S3MOCK_ACCESS_KEY, secret, t0, p, home, null);
    }

    /** Waits for the guard's port file, bounded, failing at once if the child dies. */
    private static int awaitPort(Process p, Path portFile, Path log) {
        long deadline = System.nanoTime() + S3MOCK_START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(portFile)) {
                Matcher m = PORT_LINE.matcher(readQuietly(portFile));
                if (m.find()) {
                    return Integer.parseInt(m.group(1));
                }
            }
            if (!p.isAlive()) {
                throw new IllegalStateException("S3Mock exited with " + p.exitValue() + " before it was ready; last"
                        + " lines of " + log + ":\n" + tail(log, 30));
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for S3Mock", e);
            }
        }
        throw new IllegalStateException("S3Mock did not report its port within " + S3MOCK_START_TIMEOUT + "; last lines"
                + " of " + log + ":\n" + tail(log, 30));
    }

    /** One request, so that a broken backend fails here with its name rather than in some test. */
    private static S3TestServer verified(S3TestServer server) {
        long t0 = System.nanoTime();
        try (S3Client s3 = server.newClient()) {
            int buckets = s3.listBuckets().buckets().size();
            server.startupMillis = server.kind.equals("configured") ? 0 : millisSince(server.launchedNanos);
            log("backend '" + server.kind + "' at " + server.endpoint + " answers ListBuckets (" + buckets
                    + " buckets) in " + millisSince(t0) + " ms" + (server.kind.equals("configured") ? ""
                    : ", " + server.startupMillis + " ms after launch"));
        } catch (RuntimeException e) {
            server.close();
            throw new IllegalStateException("the " + server.kind + " S3 server at " + server.endpoint
                    + " does not answer ListBuckets", e);
        }
        return server;
    }

    /**
     * The guard class and a {@code META-INF/spring.factories} naming it, in a folder of their own: the child
     * must not see our test classes (they are compiled for Boot 4).
     */
    private static Path writeGuard(Path dir) {
        String resource = S3TestServerChildGuard.class.getName().replace('.', '/') + ".class";
        try (InputStream in = S3TestServer.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("cannot find " + resource + " on the test classpath");
            }
            Path classFile = dir.resolve(resource);
            Files.createDirectories(classFile.getParent());
            Files.write(classFile, in.readAllBytes());
            Path factories = dir.resolve("META-INF/spring.factories");
            Files.createDirectories(factories.getParent());
            Files.writeString(factories, "org.springframework.context.ApplicationContextInitializer="
                    + S3TestServerChildGuard.class.getName() + "\n", StandardCharsets.UTF_8);
            return dir;
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the S3Mock guard to " + dir, e);
        }
    }

    private static Path s3MockJar() {
        String configured = System.getProperty(PROP_S3MOCK_JAR);
        if (configured != null && !configured.isBlank()) {
            Path jar = Path.of(configured);
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException(PROP_S3MOCK_JAR + "=" + jar + " does not exist; run the build"
                        + " (mvn -pl executor-app test-compile copies it to target/s3mock/)");
            }
            return jar;
        }
        // run from an IDE: the newest jar the build copied
        Path dir = targetDir().resolve("s3mock");
        try (Stream<Path> files = Files.exists(dir) ? Files.list(dir) : Stream.empty()) {
            return files.filter(f -> f.getFileName().toString().matches("s3mock-.*-exec\\.jar"))
                    .max(Comparator.comparing(f -> f.toFile().lastModified()))
                    .orElseThrow(() -> new IllegalStateException("no S3Mock jar in " + dir + " and " + PROP_S3MOCK_JAR
                            + " is not set; run mvn -pl executor-app test-compile once"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + dir, e);
        }
    }

    /** {@code target/s3mock/<pid>-<n>}, after removing the folders and logs of test JVMs that are gone. */
    private static Path s3MockHome() {
        Path parent = createDirectories(targetDir().resolve("s3mock"));
        sweepLeftovers(parent);
        return createDirectories(parent.resolve(ProcessHandle.current().pid() + "-" + STARTED.incrementAndGet()));
    }

    /** The children exit with their JVM (the guard); only their folders can be left behind. */
    private static void sweepLeftovers(Path parent) {
        try (Stream<Path> entries = Files.list(parent)) {
            entries.filter(Files::isDirectory).forEach(dir -> {
                String name = dir.getFileName().toString();
                int dash = name.indexOf('-');
                if (dash < 0) {
                    return;
                }
                try {
                    long pid = Long.parseLong(name.substring(0, dash));
                    if (ProcessHandle.of(pid).isEmpty()) {
                        deleteRecursively(dir);
                    }
                } catch (NumberFormatException notOurs) {
                    // leave it
                }
            });
        } catch (IOException e) {
            log("could not sweep old S3Mock folders in " + parent + ": " + e);
        }
    }

    /** {@code target} next to {@code target/test-classes}, else a temp dir. */
    private static Path targetDir() {
        try {
            Path classes = Path.of(S3TestServer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path target = classes.getParent();
            if (target != null && target.getFileName() != null && target.getFileName().toString().equals("target")) {
                return target;
            }
        } catch (URISyntaxException | RuntimeException ignored) {
            // fall through
        }
        return Path.of(System.getProperty("java.io.tmpdir"), "ss-s3mock");
    }

    private static Path createDirectories(Path dir) {
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create " + dir, e);
        }
    }

    private static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException | RuntimeException ignored) {
            // best effort
        }
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | RuntimeException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new java.security.SecureRandom().nextBytes(b);
        return b;
    }

    private static String setting(String property, String env, String fallback) {
        String v = System.getProperty(property);
        if (v == null || v.isBlank()) {
            v = System.getenv(env);
        }
        return v == null || v.isBlank() ? fallback : v.trim();
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }

    private static void log(String message) {
        System.out.println("[S3TestServer] " + message);
    }
}
