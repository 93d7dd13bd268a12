package io.shardsweep.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardsweep.ShardSweepApplication;
import io.shardsweep.testsupport.MutableClock;
import io.shardsweep.testsupport.S3TestServer;
import io.shardsweep.testsupport.TcpProxy;
import io.shardsweep.testsupport.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.actuate.endpoint.IndicatedHealthDescriptor;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The {@code s3} health component against a real S3 API (the S3Mock child of {@link S3TestServer}, never a
 * mocked client), reached through a {@link TcpProxy} that can refuse or stall. S3Mock enforces no IAM, so the
 * 403 that a production policy without {@code s3:ListBucket} gives is read in {@link BucketReadingTest}.
 */
@SpringBootTest(classes = ShardSweepApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "xxl.job.executor.enabled=false",
        "spring.main.keep-alive=false",
        "management.server.port=0",
        "shardsweep.storage.type=s3",
        "shardsweep.s3.request-timeout=20s",
        "shardsweep.in-flight-grace=20s",
        "shardsweep.s3.health.timeout=1s",
        "shardsweep.s3.health.cache-ttl=1h",
        "shardsweep.intake.api-token=test-intake-token-0123456789abcdef0123"})
@Import(S3HealthTest.Clocks.class)
class S3HealthTest {

    private static final String SCHEMA = "s3health";
    private static final Duration CACHE_TTL = Duration.ofHours(1);
    /** The deletes' timeout, far above the probe's: a probe bounded by it would be seen. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);
    private static final S3TestServer SERVER = S3TestServer.get();
    private static final String VIDEO = SERVER.freshBucket("health-video");
    private static final String MEDIA = SERVER.freshBucket("health-media");
    private static final TcpProxy PROXY = SERVER.newProxy();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Autowired
    HealthEndpoint health;
    @Autowired
    MutableClock clock;
    @LocalManagementPort
    int managementPort;

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry registry) {
        TestDatabase.registerFreshSchema(registry, SCHEMA);
        SERVER.registerAsEndpointVia(PROXY, registry, VIDEO, MEDIA);
    }

    @AfterAll
    static void closeProxy() {
        PROXY.close();
    }

    @BeforeEach
    void freshProbe() {
        PROXY.restore();
        clock.advance(CACHE_TTL); // the previous test's result has expired
    }

    @Test
    void health_is_up_when_the_endpoint_and_every_listed_bucket_answer() {
        IndicatedHealthDescriptor s3 = s3();

        assertThat(s3.getStatus()).isEqualTo(Status.UP);
        assertThat(s3.getDetails()).containsEntry("endpoint", "http://127.0.0.1:" + PROXY.port()).containsEntry("endpointAnswers", true);
        for (String bucket : new String[] {VIDEO, MEDIA}) {
            assertThat(bucket(s3, bucket)).containsEntry("status", "UP").containsEntry("httpStatus", 200)
                    .containsEntry("reading", "the bucket answers").containsKey("latencyMs");
        }
    }

    @Test
    void a_listed_bucket_that_does_not_exist_is_down_with_its_404_while_the_others_stay_up() {
        try (S3Client admin = SERVER.newClient()) {
            admin.deleteBucket(b -> b.bucket(MEDIA));
            try {
                IndicatedHealthDescriptor s3 = s3();

                assertThat(s3.getStatus()).isEqualTo(Status.DOWN);
                assertThat(s3.getDetails()).containsEntry("endpointAnswers", true);
                assertThat(bucket(s3, VIDEO)).containsEntry("status", "UP");
                assertThat(bucket(s3, MEDIA)).containsEntry("status", "DOWN").containsEntry("httpStatus", 404)
                        .containsEntry("errorCode", "NoSuchBucket")
                        .containsEntry("reading", "no such bucket: create it, or remove it from shardsweep.s3.buckets");
            } finally {
                SERVER.createBuckets(MEDIA);
            }
        }
    }

    @Test
    void an_endpoint_that_refuses_connections_is_down_and_the_probe_stops_at_the_first_bucket() {
        PROXY.cut();

        IndicatedHealthDescriptor s3 = s3();

        assertThat(s3.getStatus()).isEqualTo(Status.DOWN);
        assertThat(s3.getDetails()).containsEntry("endpointAnswers", false);
        assertThat(bucket(s3, VIDEO)).containsEntry("status", "DOWN").doesNotContainKey("httpStatus");
        assertThat((String) bucket(s3, VIDEO).get("reading")).startsWith("the endpoint does not answer: ");
        assertThat(bucket(s3, MEDIA)).containsEntry("status", "DOWN")
                .containsEntry("reading", "not probed: the probe of bucket " + VIDEO + " got no answer");
    }

    @Test
    void an_endpoint_that_stalls_is_down_after_the_probe_timeout_not_the_request_timeout() {
        PROXY.stall();

        IndicatedHealthDescriptor s3 = s3();

        assertThat(s3.getStatus()).isEqualTo(Status.DOWN);
        assertThat(s3.getDetails()).containsEntry("endpointAnswers", false);
        assertThat(bucket(s3, VIDEO)).containsEntry("status", "DOWN")
                .containsEntry("reading", "the endpoint does not answer: no answer within PT1S (shardsweep.s3.health.timeout)");
        // A bound, not a speed figure: the 1 s probe timeout ended the call, far below the deletes' 20 s.
        assertThat((Long) bucket(s3, VIDEO).get("latencyMs")).isGreaterThanOrEqualTo(1000).isLessThan(REQUEST_TIMEOUT.toMillis() / 2);
        assertThat(bucket(s3, MEDIA)).containsEntry("reading", "not probed: the probe of bucket " + VIDEO + " got no answer");
    }

    @Test
    void a_result_is_served_from_the_cache_until_its_ttl_has_passed() {
        assertThat(s3().getStatus()).isEqualTo(Status.UP);
        int connections = PROXY.connectionsAccepted();
        PROXY.cut();

        assertThat(s3().getStatus()).as("within the TTL, after the endpoint went away").isEqualTo(Status.UP);
        clock.advance(CACHE_TTL.minusSeconds(1));
        assertThat(s3().getStatus()).as("one second before the TTL").isEqualTo(Status.UP);
        assertThat(PROXY.connectionsAccepted() + PROXY.connectionsRefused()).as("connections tried while cached").isEqualTo(connections);

        clock.advance(Duration.ofSeconds(1));
        assertThat(s3().getStatus()).as("at the TTL").isEqualTo(Status.DOWN);
    }

    @Test
    void the_health_json_on_the_management_port_shows_the_buckets_and_no_credential() throws Exception {
        HttpResponse<String> up = get("/actuator/health/s3");
        PROXY.cut();
        clock.advance(CACHE_TTL);
        HttpResponse<String> down = get("/actuator/health");

        assertThat(up.statusCode()).isEqualTo(200);
        assertThat(up.body()).contains("\"" + VIDEO + "\"", "\"" + MEDIA + "\"", "\"latencyMs\"");
        assertThat(down.statusCode()).isEqualTo(503);
        assertThat(down.body()).contains("\"s3\"", "the endpoint does not answer");
        for (HttpResponse<String> response : java.util.List.of(up, down)) {
            // booleans, so that a failure does not print the credential into the report
            assertThat(response.body().contains(SERVER.secretAccessKey())).as("the secret key in the health JSON").isFalse();
            assertThat(response.body().contains(SERVER.accessKeyId())).as("the access key id in the health JSON").isFalse();
        }
    }

    @Test
    void s3_is_not_in_the_readiness_group() throws Exception {
        PROXY.cut();
        clock.advance(CACHE_TTL);
        assertThat(s3().getStatus()).isEqualTo(Status.DOWN);

        HttpResponse<String> readiness = get("/actuator/health/readiness");

        assertThat(readiness.statusCode()).isEqualTo(200);
        assertThat(readiness.body()).doesNotContain("\"s3\"");
    }

    private IndicatedHealthDescriptor s3() {
        return (IndicatedHealthDescriptor) health.healthForPath("s3");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> bucket(IndicatedHealthDescriptor s3, String bucket) {
        Map<String, Object> buckets = (Map<String, Object>) s3.getDetails().get("buckets");
        assertThat(buckets).as("buckets in the details").containsKey(bucket);
        return (Map<String, Object>) buckets.get(bucket);
    }

    private HttpResponse<String> get(String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + path))
                .timeout(Duration.ofSeconds(30)).GET().build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @TestConfiguration(proxyBeanMethods = false)
    static class Clocks {
        @Bean
        @Primary
        MutableClock mutableClock() {
            return new MutableClock();
        }
    }
}
