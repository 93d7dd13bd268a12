package io.shardsweep.storage.s3;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ExecutorServiceMetrics;
import io.shardsweep.FixedThreadPool;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/** The S3 backend: {@code shardsweep.storage.type=s3}. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "shardsweep.storage.type", havingValue = "s3")
@EnableConfigurationProperties(S3Properties.class)
public class S3StorageConfiguration {

    private static final Logger log = LoggerFactory.getLogger(S3StorageConfiguration.class);

    /**
     * Credentials only from the SDK's default chain (environment, system properties, profile, web
     * identity, container, instance role): ShardSweep never holds or logs one. The SDK's standard
     * retries back off on 5xx, SlowDown and connection errors; the api call timeout bounds the call
     * with its retries, and the Apache client aborts a socket when its thread is interrupted.
     */
    @Bean(destroyMethod = "close")
    S3Client s3Client(S3Properties s3, S3RequestMetrics metrics) {
        S3ClientBuilder builder = clientBuilder(s3)
                .httpClientBuilder(ApacheHttpClient.builder().maxConnections(s3.concurrentRequests()))
                .overrideConfiguration(o -> o.apiCallTimeout(s3.requestTimeout())
                        .addExecutionInterceptor(metrics.throttleCounter())
                        .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder().maxAttempts(s3.retries() + 1).build()));
        log.info("S3 storage: endpoint {}, region {}, buckets {}, path-style {}, {} keys per request, {} concurrent requests,"
                        + " request timeout {}, {} retries",
                endpointName(s3), s3.region().isEmpty() ? "from the SDK's chain" : s3.region(),
                s3.buckets(), s3.pathStyleAccess(), s3.keysPerRequest(), s3.concurrentRequests(), s3.requestTimeout(), s3.retries());
        return builder.build();
    }

    /**
     * The {@code s3} health component, on a client of its own: one connection, no retry, each call bounded
     * by {@code shardsweep.s3.health.timeout} (the socket's own timeouts are a backstop just above it, so that
     * a stalled endpoint reads as that timeout). Not a bean of its own, so the deletes' client stays the only one.
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnEnabledHealthIndicator("s3")
    S3HealthIndicator s3HealthIndicator(S3Properties s3, Clock clock) {
        Duration timeout = s3.health().timeout();
        Duration backstop = timeout.plusSeconds(1);
        S3Client probeClient = clientBuilder(s3)
                .httpClientBuilder(ApacheHttpClient.builder().maxConnections(1)
                        .connectionTimeout(backstop).socketTimeout(backstop).connectionAcquisitionTimeout(backstop))
                .overrideConfiguration(o -> o.apiCallTimeout(timeout).retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
        return new S3HealthIndicator(probeClient, s3.buckets(), endpointName(s3), s3.health(), clock);
    }

    /** What both clients share: credentials from the SDK's default chain only, addressing, endpoint, region. */
    private static S3ClientBuilder clientBuilder(S3Properties s3) {
        S3ClientBuilder builder = S3Client.builder()
                .credentialsProvider(DefaultCredentialsProvider.builder().build())
                .forcePathStyle(s3.pathStyleAccess());
        if (s3.endpointUri() != null) {
            builder.endpointOverride(s3.endpointUri());
        }
        if (!s3.region().isEmpty()) {
            builder.region(Region.of(s3.region()));
        }
        return builder;
    }

    private static String endpointName(S3Properties s3) {
        return s3.endpointUri() == null ? "AWS S3" : s3.endpointUri().toString();
    }

    /**
     * The requests of every run of this instance, at most {@code concurrent-requests} at once. Shut
     * down with interrupts: a request still in flight at the very end is aborted and its rows fail.
     */
    @Bean(destroyMethod = "shutdownNow")
    ExecutorService s3RequestPool(S3Properties s3) {
        return FixedThreadPool.started("shardsweep-s3", s3.concurrentRequests());
    }

    /** Micrometer's executor meters of the request pool: {@code executor_active_threads{name="shardsweep.s3"}} and the rest. */
    @Bean
    MeterBinder s3RequestPoolMetrics(@Qualifier("s3RequestPool") ExecutorService requestPool) {
        return new ExecutorServiceMetrics(requestPool, "shardsweep.s3", List.of());
    }

    @Bean
    S3RequestMetrics s3RequestMetrics(MeterRegistry registry) {
        return new S3RequestMetrics(registry);
    }

    @Bean
    S3Backend s3Backend(S3Client client, S3Properties s3, @Qualifier("s3RequestPool") ExecutorService requestPool,
                        S3RequestMetrics metrics) {
        return new S3Backend(client, s3.buckets(), s3.keysPerRequest(), s3.concurrentRequests(), requestPool, metrics);
    }
}
