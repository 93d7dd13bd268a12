package io.shardsweep.storage.s3;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@code s3} health: whether the endpoint and each bucket of {@code shardsweep.s3.buckets} answer, read from
 * one HeadBucket per bucket (see {@link BucketReading} for what a 200, 403, 404, 5xx or no answer says). UP
 * when every bucket reads UP; a 403 does, since the executor's minimal policy does not grant the
 * {@code s3:ListBucket} that HeadBucket needs.
 *
 * <p>The probe has a client of its own: one connection, no retry, every call bounded by {@code
 * shardsweep.s3.health.timeout}. So a probe never waits behind the deletes for a connection, never spends the
 * deletes' retry budget, and never counts in their meters. A result is served for {@code
 * shardsweep.s3.health.cache-ttl}, failures too, so that frequent health requests do not each reach the store.
 * Not in the readiness group: see docs/operations.md.
 */
public class S3HealthIndicator implements HealthIndicator, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(S3HealthIndicator.class);

    private final S3Client client;
    private final List<String> buckets;
    private final String endpoint;
    private final Duration timeout;
    private final Duration cacheTtl;
    private final Clock clock;
    private Health last;
    private Instant checkedAt;
    private Boolean lastUp;

    /**
     * @param client the probe's own client, closed with this indicator
     * @param endpoint how the endpoint is named in the details: its URL (never with user info, which {@link
     *     S3Properties} refuses), or "AWS S3"
     */
    public S3HealthIndicator(S3Client client, List<String> buckets, String endpoint, S3Properties.HealthCheck settings, Clock clock) {
        this.client = client;
        this.buckets = List.copyOf(buckets);
        this.endpoint = endpoint;
        this.timeout = settings.timeout();
        this.cacheTtl = settings.cacheTtl();
        this.clock = clock;
    }

    /** Concurrent health requests during a probe wait for it rather than each sending their own. */
    @Override
    public synchronized Health health() {
        Instant now = clock.instant();
        if (last == null || Duration.between(checkedAt, now).compareTo(cacheTtl) >= 0) {
            last = probe(now);
            checkedAt = now;
        }
        return last;
    }

    private Health probe(Instant now) {
        List<BucketReading> readings = new ArrayList<>(buckets.size());
        String unanswered = null;
        for (String bucket : buckets) {
            if (unanswered != null) {
                readings.add(BucketReading.notProbed(bucket, unanswered));
                continue;
            }
            BucketReading reading = headBucket(bucket);
            readings.add(reading);
            if (reading.endpoint() == BucketReading.Endpoint.NO_ANSWER || reading.endpoint() == BucketReading.Endpoint.UNKNOWN) {
                // The next bucket would wait as long for the same endpoint: one timeout bounds the whole probe.
                unanswered = bucket;
            }
        }
        boolean up = readings.stream().allMatch(BucketReading::up);
        Map<String, Object> perBucket = new LinkedHashMap<>();
        readings.forEach(r -> perBucket.put(r.bucket(), r.details()));
        Health health = (up ? Health.up() : Health.down())
                .withDetail("endpoint", endpoint)
                .withDetail("endpointAnswers", readings.stream().anyMatch(r -> r.endpoint() == BucketReading.Endpoint.ANSWERS))
                .withDetail("buckets", perBucket)
                .withDetail("checkedAt", now.toString())
                .build();
        logChange(up, readings);
        return health;
    }

    private BucketReading headBucket(String bucket) {
        // A measurement, not a decision: a monotonic clock, not the injected one that decides the cache.
        long started = System.nanoTime();
        Throwable failure = null;
        try {
            client.headBucket(b -> b.bucket(bucket));
        } catch (RuntimeException e) {
            failure = e;
        }
        return BucketReading.of(bucket, failure, Duration.ofNanos(System.nanoTime() - started), timeout);
    }

    private void logChange(boolean up, List<BucketReading> readings) {
        if (lastUp != null && lastUp == up) {
            return;
        }
        lastUp = up;
        if (up) {
            log.info("S3 health UP: endpoint {} and buckets {} answer", endpoint, buckets);
        } else {
            readings.stream().filter(r -> !r.up()).forEach(r -> log.warn("S3 health DOWN for bucket {}: {}", r.bucket(), r.reading()));
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
