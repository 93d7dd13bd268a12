package io.shardsweep.storage.s3;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The S3 backend's settings, under {@code shardsweep.s3.*}, used when {@code shardsweep.storage.type=s3}.
 * There is deliberately no credential setting: credentials come from the AWS SDK's default provider
 * chain (environment, profile, container or instance role), so none is in ShardSweep's properties,
 * its {@code toString()} or its logs.
 *
 * @param endpoint the S3 API's base URL, e.g. {@code https://minio.example:9000}; empty means AWS S3 itself
 * @param region the signing region, e.g. {@code us-east-1}; empty means the SDK's region chain ({@code AWS_REGION}, profile)
 * @param pathStyleAccess address buckets as {@code endpoint/bucket} rather than {@code bucket.endpoint}; MinIO needs true
 * @param buckets the only buckets the executor may delete in; a row naming any other is refused as DEAD
 * @param allowInsecureHttp allow a plain {@code http} endpoint that is not loopback
 * @param keysPerRequest the most keys in one DeleteObjects request, 1 to 1000 (the S3 limit); a smaller share of a batch is
 *     spread over concurrent-requests requests
 * @param concurrentRequests DeleteObjects requests in flight at once per instance, and the requests one batch's keys in a
 *     bucket are spread over; also the connection pool size
 * @param requestTimeout the whole of one DeleteObjects call, retries included; at most shardsweep.in-flight-grace
 * @param retries retries of a failed request (5xx, SlowDown, connection error) by the SDK, with backoff; 0 turns them off
 * @param health the {@code s3} health component's probe of the endpoint and the buckets
 */
@ConfigurationProperties("shardsweep.s3")
public record S3Properties(
        @DefaultValue("") String endpoint,
        @DefaultValue("") String region,
        @DefaultValue("false") boolean pathStyleAccess,
        List<String> buckets,
        @DefaultValue("false") boolean allowInsecureHttp,
        @DefaultValue("" + MAX_KEYS_PER_REQUEST) int keysPerRequest,
        @DefaultValue("4") int concurrentRequests,
        @DefaultValue("30s") Duration requestTimeout,
        @DefaultValue("2") int retries,
        @DefaultValue HealthCheck health) {

    /** DeleteObjects takes at most this many keys; S3Mock accepts more, real S3 answers MalformedXML. */
    public static final int MAX_KEYS_PER_REQUEST = 1000;
    /** Short: a health request that finds no cached result waits for the probe. */
    static final int DEFAULT_HEALTH_TIMEOUT_SECONDS = 2;
    /** As often as the executor's registry beat: the xxlJobRegistry indicator caches for the same time. */
    static final int DEFAULT_HEALTH_CACHE_TTL_SECONDS = 30;
    /** The S3 naming rules, without the IP-address form and the reserved prefixes. */
    private static final Pattern BUCKET_NAME = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final Pattern REGION = Pattern.compile("[a-z0-9-]{1,64}");

    public S3Properties {
        endpoint = endpoint == null ? "" : endpoint.strip();
        region = region == null ? "" : region.strip();
        if (buckets == null || buckets.isEmpty()) {
            throw new IllegalArgumentException("shardsweep.s3.buckets is required with shardsweep.storage.type=s3:"
                    + " list the buckets the executor may delete in");
        }
        Set<String> seen = new HashSet<>();
        List<String> checked = new ArrayList<>(buckets.size());
        for (int i = 0; i < buckets.size(); i++) {
            String bucket = buckets.get(i) == null ? "" : buckets.get(i).strip();
            if (!BUCKET_NAME.matcher(bucket).matches() || bucket.contains("..")) {
                throw new IllegalArgumentException("shardsweep.s3.buckets[" + i + "] is not a valid S3 bucket name"
                        + " (3 to 63 characters: lower-case letters, digits, '.' and '-', starting and ending with a letter or digit)");
            }
            if (!seen.add(bucket)) {
                throw new IllegalArgumentException("shardsweep.s3.buckets[" + i + "] repeats bucket " + bucket);
            }
            checked.add(bucket);
        }
        buckets = List.copyOf(checked);
        if (!region.isEmpty() && !REGION.matcher(region).matches()) {
            throw new IllegalArgumentException("shardsweep.s3.region must be a region name such as us-east-1");
        }
        requireRange("shardsweep.s3.keys-per-request", keysPerRequest, 1, MAX_KEYS_PER_REQUEST);
        requireRange("shardsweep.s3.concurrent-requests", concurrentRequests, 1, 256);
        requireRange("shardsweep.s3.retries", retries, 0, 10);
        if (requestTimeout == null || requestTimeout.isZero() || requestTimeout.isNegative()) {
            throw new IllegalArgumentException("shardsweep.s3.request-timeout must be a positive duration, got " + requestTimeout);
        }
        if (!endpoint.isEmpty()) {
            checkEndpoint(endpoint, allowInsecureHttp);
        }
        health = health == null ? HealthCheck.DEFAULTS : health;
    }

    /**
     * The {@code s3} health component: one HeadBucket per listed bucket, on a client of its own.
     *
     * @param timeout the whole of one HeadBucket call (connect, answer), with no retry; bounds how long a health
     *     request waits for a stalled endpoint. Its own, not {@code request-timeout}: a health check must answer
     *     quickly. 1 ms to 1 minute.
     * @param cacheTtl how long a probe's result is served before the next health request probes again, so that
     *     frequent scrapes and probes do not each send requests to the object store
     */
    public record HealthCheck(
            @DefaultValue("" + DEFAULT_HEALTH_TIMEOUT_SECONDS + "s") Duration timeout,
            @DefaultValue("" + DEFAULT_HEALTH_CACHE_TTL_SECONDS + "s") Duration cacheTtl) {

        private static final Duration MAX_TIMEOUT = Duration.ofMinutes(1);
        static final HealthCheck DEFAULTS =
                new HealthCheck(Duration.ofSeconds(DEFAULT_HEALTH_TIMEOUT_SECONDS), Duration.ofSeconds(DEFAULT_HEALTH_CACHE_TTL_SECONDS));

        public HealthCheck {
            if (timeout == null || timeout.isZero() || timeout.isNegative() || timeout.compareTo(MAX_TIMEOUT) > 0) {
                throw new IllegalArgumentException("shardsweep.s3.health.timeout must be a positive duration of at most 1m, got " + timeout);
            }
            if (cacheTtl == null || cacheTtl.isZero() || cacheTtl.isNegative()) {
                throw new IllegalArgumentException("shardsweep.s3.health.cache-ttl must be a positive duration, got " + cacheTtl);
            }
        }
    }

    /** The endpoint override, or null for AWS S3 itself. */
    public URI endpointUri() {
        return endpoint.isEmpty() ? null : URI.create(endpoint);
    }

    /**
     * A request still in flight when a run stops must end within the run's grace, or its rows would
     * be judged "outcome unknown" while the request may still delete them.
     */
    public void requireWithinGrace(Duration inFlightGrace) {
        if (requestTimeout.compareTo(inFlightGrace) > 0) {
            throw new IllegalArgumentException("shardsweep.s3.request-timeout (" + requestTimeout
                    + ") exceeds shardsweep.in-flight-grace (" + inFlightGrace + "); a stopping run could not wait for its requests");
        }
    }

    // The value is never echoed: an endpoint could carry user info, which is a credential.
    private static void checkEndpoint(String endpoint, boolean allowInsecureHttp) {
        URI uri;
        try {
            uri = new URI(endpoint);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("shardsweep.s3.endpoint is not a URL: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            throw new IllegalArgumentException("shardsweep.s3.endpoint must be an http or https URL such as https://minio.example:9000");
        }
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("shardsweep.s3.endpoint must not hold credentials; they come from the AWS SDK's"
                    + " default provider chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a profile or an instance role)");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new IllegalArgumentException("shardsweep.s3.endpoint has no host");
        }
        if ((uri.getRawQuery() != null) || (uri.getRawFragment() != null)) {
            throw new IllegalArgumentException("shardsweep.s3.endpoint must not have a query or a fragment");
        }
        if (scheme.equals("http") && !allowInsecureHttp && !isLoopback(uri.getHost())) {
            throw new IllegalArgumentException("shardsweep.s3.endpoint uses plain http to a host that is not loopback;"
                    + " use https, or set shardsweep.s3.allow-insecure-http=true if the network is trusted");
        }
    }

    /** Loopback by its literal only, never by a DNS lookup that someone else answers. */
    static boolean isLoopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.equals("localhost") || h.equals("[::1]") || h.equals("::1")) {
            return true;
        }
        String[] octets = h.split("\\.", -1);
        if (octets.length != 4 || !octets[0].equals("127")) {
            return false;
        }
        for (String octet : octets) {
            if (!octet.matches("\\d{1,3}") || Integer.parseInt(octet) > 255) {
                return false;
            }
        }
        return true;
    }

    private static void requireRange(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", got " + value);
        }
    }
}
