package io.shardsweep.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.retries.DefaultRetryStrategy;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.CreateBucketRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectsRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.DeletedObject;
import software.amazon.awssdk.services.s3.model.ListObjectVersionsResponse;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.ObjectLockLegalHoldStatus;
import software.amazon.awssdk.services.s3.model.ObjectLockRetentionMode;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Error;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The test S3 server and the real AWS SDK v2 client against it: the groundwork issue 10's backend stands on.
 * Each test states one behaviour of the server that the backend will rely on (or must work around).
 */
class S3TestServerTest {

    /** The S3 limit for one DeleteObjects request. */
    private static final int MAX_KEYS_PER_REQUEST = 1000;

    private final S3TestServer server = S3TestServer.get();
    private S3Client s3;

    @BeforeEach
    void client() {
        s3 = server.newClient();
    }

    @AfterEach
    void closeClient() {
        s3.close();
    }

    @Test
    void fifteen_hundred_objects_in_two_buckets_go_in_delete_requests_of_at_most_1000_keys_each_reported_deleted() throws Exception {
        String videos = server.freshBucket("video");
        String media = server.freshBucket("mediafiles");
        List<String> videoKeys = keys("2026/12/clip-", 1200, ".mp4");
        List<String> mediaKeys = keys("thumbs/t-", 300, ".jpg");
        putAll(videos, videoKeys);
        putAll(media, mediaKeys);
        put(videos, "keep/sentinel.mp4");
        put(media, "keep/sentinel.jpg");

        List<Integer> requestSizes = new ArrayList<>();
        Set<String> deleted = new HashSet<>();
        List<S3Error> errors = new ArrayList<>();
        for (String bucket : List.of(videos, media)) {
            List<String> keys = bucket.equals(videos) ? videoKeys : mediaKeys;
            for (List<String> chunk : chunks(keys, MAX_KEYS_PER_REQUEST)) {
                DeleteObjectsResponse r = deleteObjects(bucket, chunk, false);
                requestSizes.add(chunk.size());
                r.deleted().forEach(d -> deleted.add(bucket + "/" + d.key()));
                errors.addAll(r.errors());
            }
        }

        assertThat(requestSizes).containsExactly(1000, 200, 300);
        assertThat(errors).isEmpty();
        Set<String> expected = new HashSet<>();
        videoKeys.forEach(k -> expected.add(videos + "/" + k));
        mediaKeys.forEach(k -> expected.add(media + "/" + k));
        assertThat(deleted).isEqualTo(expected);
        assertThat(listKeys(videos)).containsExactly("keep/sentinel.mp4");
        assertThat(listKeys(media)).containsExactly("keep/sentinel.jpg");
    }

    @Test
    void a_key_that_never_existed_is_reported_deleted_and_not_as_an_error() {
        String bucket = server.freshBucket("absent");
        put(bucket, "present.bin");

        DeleteObjectsResponse r = deleteObjects(bucket, List.of("never/existed.bin", "present.bin"), false);

        assertThat(r.deleted()).extracting(DeletedObject::key).containsExactlyInAnyOrder("never/existed.bin", "present.bin");
        assertThat(r.errors()).isEmpty();
        assertThat(listKeys(bucket)).isEmpty();
    }

    /** Real S3 and MinIO refuse more than 1,000 keys (MalformedXML); S3Mock does not, so the backend must keep the limit. */
    @Test
    void s3mock_accepts_more_than_1000_keys_in_one_delete_objects_so_the_limit_is_ours_to_keep() {
        assumeTrue(server.kind().equals("s3mock"), "describes S3Mock only; the server is " + server.kind());
        String bucket = server.freshBucket("over-limit");

        DeleteObjectsResponse r = deleteObjects(bucket, keys("x/", MAX_KEYS_PER_REQUEST + 1, ".bin"), false);

        assertThat(r.deleted()).hasSize(MAX_KEYS_PER_REQUEST + 1);
        assertThat(r.errors()).isEmpty();
    }

    @Test
    void quiet_mode_lists_no_deleted_keys_but_deletes_them() {
        String bucket = server.freshBucket("quiet");
        List<String> keys = keys("q/", 20, ".bin");
        keys.forEach(k -> put(bucket, k));

        DeleteObjectsResponse r = deleteObjects(bucket, keys, true);

        assertThat(r.deleted()).isEmpty();
        assertThat(r.errors()).isEmpty();
        assertThat(listKeys(bucket)).isEmpty();
    }

    @Test
    void delete_objects_on_a_bucket_that_does_not_exist_fails_the_whole_request_with_404_no_such_bucket() {
        String missing = "ss-missing-" + Long.toHexString(System.nanoTime());

        assertThatThrownBy(() -> deleteObjects(missing, List.of("a.bin", "b.bin"), false))
                .isInstanceOfSatisfying(S3Exception.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(404);
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("NoSuchBucket");
                });
    }

    /**
     * S3Mock enforces no IAM, bucket policy or object lock, so AccessDenied cannot be had from it. It answers a
     * per-key InternalError when deleting that one key fails on its disk; {@link S3TestServer#refuseDeletionOf}
     * arranges that. The other keys of the request are deleted, and the key is deleted once the fault is gone.
     */
    @Test
    void a_key_whose_deletion_fails_on_the_server_comes_back_as_a_per_key_internal_error_and_the_rest_are_deleted() throws Exception {
        assumeTrue(server.canRefuseDeletion(), "needs S3Mock and chattr; the server is " + server.kind());
        String bucket = server.freshBucket("per-key-error");
        List<String> keys = keys("k/", 10, ".bin");
        keys.forEach(k -> put(bucket, k));
        String refused = keys.get(3);

        DeleteObjectsResponse r;
        try (AutoCloseable fault = server.refuseDeletionOf(bucket, refused)) {
            r = deleteObjects(bucket, keys, false);
        }

        assertThat(r.errors()).singleElement().satisfies(e -> {
            assertThat(e.key()).isEqualTo(refused);
            assertThat(e.code()).isEqualTo("InternalError");
        });
        assertThat(r.deleted()).extracting(DeletedObject::key)
                .containsExactlyInAnyOrderElementsOf(keys.stream().filter(k -> !k.equals(refused)).toList());
        assertThat(listKeys(bucket)).containsExactly(refused);
        DeleteObjectsResponse retry = deleteObjects(bucket, List.of(refused), false);
        assertThat(retry.errors()).isEmpty();
        assertThat(listKeys(bucket)).isEmpty();
    }

    /** What a whole-request failure looks like from S3Mock: one key whose metadata it cannot read. */
    @Test
    void on_s3mock_a_key_with_unreadable_metadata_fails_the_whole_delete_objects_request_with_500() throws IOException {
        assumeTrue(server.kind().equals("s3mock"), "needs S3Mock's store on disk; the server is " + server.kind());
        String bucket = server.freshBucket("whole-request-error");
        List<String> keys = keys("w/", 5, ".bin");
        keys.forEach(k -> put(bucket, k));
        Path metadata = server.objectFolder(bucket, keys.get(2)).resolve("objectMetadata.json");
        Files.writeString(metadata, "{ this is not json", StandardCharsets.UTF_8);

        try (S3Client noRetries = server.newClient(o -> o.retryStrategy(DefaultRetryStrategy.doNotRetry()))) {
            assertThatThrownBy(() -> noRetries.deleteObjects(DeleteObjectsRequest.builder().bucket(bucket)
                    .delete(d -> d.objects(keys.stream().map(k -> ObjectIdentifier.builder().key(k).build()).toList()))
                    .build()))
                    .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(500));
        }
        // S3Mock stops at the broken key: the keys before it are gone, the ones after it are not
        assertThat(keys.subList(0, 2)).noneMatch(k -> exists(bucket, k));
        assertThat(keys.subList(3, 5)).allMatch(k -> exists(bucket, k));
    }

    @Test
    void on_a_versioned_bucket_a_delete_without_version_leaves_a_delete_marker_over_the_old_version() {
        String bucket = server.freshBucket("versioned");
        s3.putBucketVersioning(b -> b.bucket(bucket).versioningConfiguration(v -> v.status(BucketVersioningStatus.ENABLED)));
        String version = put(bucket, "v/clip.mp4").versionId();

        DeleteObjectsResponse r = deleteObjects(bucket, List.of("v/clip.mp4"), false);

        assertThat(r.errors()).isEmpty();
        // S3 and MinIO also say deleteMarker=true with its version id here; S3Mock 4.12 leaves both out
        assertThat(r.deleted()).extracting(DeletedObject::key).containsExactly("v/clip.mp4");
        // HEAD, not a listing: S3Mock 4.12's ListObjectsV2 still shows a key whose latest version is a delete marker
        assertThat(exists(bucket, "v/clip.mp4")).isFalse();
        ListObjectVersionsResponse versions = s3.listObjectVersions(b -> b.bucket(bucket));
        assertThat(versions.versions()).singleElement().satisfies(v -> assertThat(v.versionId()).isEqualTo(version));
        assertThat(versions.deleteMarkers()).singleElement().satisfies(m -> assertThat(m.isLatest()).isTrue());
    }

    /**
     * Pins down a limit of the test server, so that a later S3Mock that starts enforcing holds is noticed:
     * real S3 and MinIO refuse to delete a version under legal hold (AccessDenied for that key).
     */
    @Test
    void s3mock_stores_a_legal_hold_and_retention_but_deletes_the_locked_version_anyway() {
        assumeTrue(server.kind().equals("s3mock"), "describes S3Mock only; the server is " + server.kind());
        String bucket = "ss-locked-" + Long.toHexString(System.nanoTime());
        s3.createBucket(CreateBucketRequest.builder().bucket(bucket).objectLockEnabledForBucket(true).build());
        String version = put(bucket, "locked.bin").versionId();
        s3.putObjectLegalHold(b -> b.bucket(bucket).key("locked.bin").versionId(version)
                .legalHold(h -> h.status(ObjectLockLegalHoldStatus.ON)));
        s3.putObjectRetention(b -> b.bucket(bucket).key("locked.bin").versionId(version)
                .retention(t -> t.mode(ObjectLockRetentionMode.COMPLIANCE).retainUntilDate(Instant.now().plus(1, ChronoUnit.DAYS))));
        assertThat(s3.getObjectLegalHold(b -> b.bucket(bucket).key("locked.bin").versionId(version)).legalHold().status())
                .isEqualTo(ObjectLockLegalHoldStatus.ON);

        DeleteObjectsResponse r = s3.deleteObjects(DeleteObjectsRequest.builder().bucket(bucket)
                .delete(d -> d.objects(ObjectIdentifier.builder().key("locked.bin").versionId(version).build()))
                .build());

        assertThat(r.errors()).isEmpty();
        assertThat(r.deleted()).extracting(DeletedObject::versionId).containsExactly(version);
        assertThat(s3.listObjectVersions(b -> b.bucket(bucket)).versions()).isEmpty();
    }

    @Test
    void the_secret_key_appears_in_no_log_event_of_the_sdk_or_http_client_even_at_debug_nor_in_the_s3mock_log() throws IOException {
        String secret = server.secretAccessKey();
        LoggerContext logging = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = logging.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Level before = root.getLevel();
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.setContext(logging);
        captured.start();
        root.addAppender(captured);
        root.setLevel(Level.DEBUG); // stricter than the app's default INFO
        try (S3Client client = server.newClient()) {
            String bucket = server.freshBucket("secret");
            client.putObject(b -> b.bucket(bucket).key("s.bin"), RequestBody.fromString("x"));
            client.deleteObjects(b -> b.bucket(bucket).delete(d -> d.objects(ObjectIdentifier.builder().key("s.bin").build())));
            assertThatThrownBy(() -> client.deleteObjects(b -> b.bucket("ss-missing-secret")
                    .delete(d -> d.objects(ObjectIdentifier.builder().key("s.bin").build()))))
                    .isInstanceOf(S3Exception.class);
        } finally {
            root.setLevel(before);
            root.detachAppender(captured);
            captured.stop();
        }

        List<String> sdkEvents = captured.list.stream()
                .filter(e -> e.getLoggerName().startsWith("software.amazon.awssdk") || e.getLoggerName().startsWith("org.apache.http"))
                .map(e -> e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(e.getThrowableProxy())))
                .toList();
        assertThat(sdkEvents).as("the SDK and the HTTP client logged at DEBUG, so the check saw something").isNotEmpty();
        assertThat(sdkEvents).as("the access key id is logged (in the signed Authorization header), the secret never")
                .anyMatch(m -> m.contains(server.accessKeyId()))
                .noneMatch(m -> m.contains(secret));
        Optional<Path> log = server.logFile();
        if (log.isPresent()) {
            String s3mockLog = Files.readString(log.get(), StandardCharsets.UTF_8);
            assertThat(s3mockLog).contains("Started S3MockApplication").doesNotContain(secret);
        }
    }

    /** Reads the kernel's socket table instead of probing the host's other addresses: no traffic off loopback. */
    @Test
    void s3mock_listens_on_loopback_only() throws IOException {
        assumeTrue(server.kind().equals("s3mock"), "the bind address is ours only for S3Mock; the server is " + server.kind());
        assumeTrue(Files.isReadable(Path.of("/proc/net/tcp6")), "needs Linux's /proc/net/tcp6");
        int port = server.endpoint().getPort();

        List<InetAddress> listening = new ArrayList<>();
        listening.addAll(listeningAddresses(Path.of("/proc/net/tcp"), port));
        listening.addAll(listeningAddresses(Path.of("/proc/net/tcp6"), port));

        assertThat(listening).as("listening sockets on port %d", port).isNotEmpty()
                .allSatisfy(a -> assertThat(a.isLoopbackAddress()).as("%s is loopback", a).isTrue());
    }

    @Test
    void closing_a_private_s3mock_stops_its_child_process_and_removes_its_store() throws Exception {
        S3TestServer own = S3TestServer.startS3Mock();
        Process child = own.process().orElseThrow();
        Path store = own.storeRoot().orElseThrow();
        own.createBuckets("ss-own");
        try (S3Client client = own.newClient()) {
            client.putObject(b -> b.bucket("ss-own").key("a.bin"), RequestBody.fromString("a"));
        }
        assertThat(child.isAlive()).isTrue();
        assertThat(store).isDirectory();
        System.out.printf("[S3TestServerTest] a private S3Mock child JVM answered %d ms after launch%n", own.startupMillis());

        own.close();

        assertThat(child.isAlive()).isFalse();
        assertThat(store).doesNotExist();
    }

    // ---------------------------------------------------------------- helpers

    private DeleteObjectsResponse deleteObjects(String bucket, List<String> keys, boolean quiet) {
        List<ObjectIdentifier> ids = keys.stream().map(k -> ObjectIdentifier.builder().key(k).build()).toList();
        return s3.deleteObjects(DeleteObjectsRequest.builder().bucket(bucket).delete(d -> d.objects(ids).quiet(quiet)).build());
    }

    private PutObjectResponse put(String bucket, String key) {
        return s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString(key));
    }

    /** Four at a time: the server, not the client, is what takes the time. */
    private void putAll(String bucket, List<String> keys) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<PutObjectResponse>> done = new ArrayList<>();
            for (String k : keys) {
                done.add(pool.submit(() -> put(bucket, k)));
            }
            for (Future<PutObjectResponse> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** HEAD answers 404 for a missing key; anything else (a 500 for a broken one, say) is not an answer. */
    private boolean exists(String bucket, String key) {
        try {
            s3.headObject(b -> b.bucket(bucket).key(key));
            return true;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    private List<String> listKeys(String bucket) {
        return s3.listObjectsV2Paginator(b -> b.bucket(bucket)).contents().stream().map(S3Object::key).sorted().toList();
    }

    static List<String> keys(String prefix, int n, String suffix) {
        return IntStream.range(0, n).mapToObj(i -> prefix + String.format("%05d", i) + suffix).toList();
    }

    static <T> List<List<T>> chunks(List<T> all, int size) {
        List<List<T>> out = new ArrayList<>();
        for (int i = 0; i < all.size(); i += size) {
            out.add(all.subList(i, Math.min(all.size(), i + size)));
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * Local addresses of the LISTEN sockets on {@code port} in a {@code /proc/net/tcp[6]} table. The table prints
     * each address as 32-bit words in host (little-endian) order, and {@code st} 0A is LISTEN.
     */
    static List<InetAddress> listeningAddresses(Path table, int port) throws IOException {
        List<InetAddress> out = new ArrayList<>();
        if (!Files.isReadable(table)) {
            return out;
        }
        for (String line : Files.readAllLines(table, StandardCharsets.US_ASCII)) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 4 || !f[3].equals("0A") || !f[1].contains(":")) {
                continue;
            }
            String[] local = f[1].split(":");
            if (Integer.parseInt(local[1], 16) != port) {
                continue;
            }
            byte[] raw = HexFormat.of().parseHex(local[0]);
            byte[] address = new byte[raw.length];
            for (int word = 0; word < raw.length; word += 4) {
                for (int i = 0; i < 4; i++) {
                    address[word + i] = raw[word + 3 - i];
                }
            }
            out.add(InetAddress.getByAddress(address)); // an IPv4-mapped IPv6 address comes back as Inet4Address
        }
        return out;
    }
}
