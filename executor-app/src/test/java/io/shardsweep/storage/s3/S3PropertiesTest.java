package io.shardsweep.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class S3PropertiesTest {

    private static S3Properties of(String endpoint, List<String> buckets, boolean allowInsecureHttp, int keysPerRequest) {
        return new S3Properties(endpoint, "us-east-1", true, buckets, allowInsecureHttp, keysPerRequest, 4, Duration.ofSeconds(30), 2, null);
    }

    @Test
    void buckets_are_required() {
        assertThatThrownBy(() -> of("", null, false, 1000)).hasMessageContaining("shardsweep.s3.buckets is required");
        assertThatThrownBy(() -> of("", List.of(), false, 1000)).hasMessageContaining("shardsweep.s3.buckets is required");
    }

    @Test
    void an_invalid_bucket_name_is_refused_by_its_index() {
        assertThatThrownBy(() -> of("", List.of("video", "Media_Files"), false, 1000))
                .hasMessageContaining("shardsweep.s3.buckets[1] is not a valid S3 bucket name");
    }

    @Test
    void a_repeated_bucket_is_refused() {
        assertThatThrownBy(() -> of("", List.of("video", "video"), false, 1000)).hasMessageContaining("shardsweep.s3.buckets[1] repeats");
    }

    @Test
    void keys_per_request_must_be_between_1_and_1000() {
        assertThatThrownBy(() -> of("", List.of("video"), false, 0)).hasMessageContaining("shardsweep.s3.keys-per-request must be between 1 and 1000");
        assertThatThrownBy(() -> of("", List.of("video"), false, 1001)).hasMessageContaining("shardsweep.s3.keys-per-request must be between 1 and 1000");
        assertThat(of("", List.of("video"), false, 1000).keysPerRequest()).isEqualTo(1000);
    }

    @Test
    void plain_http_to_a_host_that_is_not_loopback_is_refused() {
        assertThatThrownBy(() -> of("http://minio.example:9000", List.of("video"), false, 1000))
                .hasMessageContaining("shardsweep.s3.endpoint uses plain http")
                .hasMessageContaining("shardsweep.s3.allow-insecure-http");
        // a name that merely starts like loopback is not loopback
        assertThatThrownBy(() -> of("http://127.0.0.1.example:9000", List.of("video"), false, 1000))
                .hasMessageContaining("plain http");
    }

    @Test
    void plain_http_is_accepted_to_loopback_or_when_allowed() {
        assertThat(of("http://127.0.0.1:9000", List.of("video"), false, 1000).endpointUri()).hasHost("127.0.0.1");
        assertThat(of("http://localhost:9000", List.of("video"), false, 1000).endpointUri()).hasHost("localhost");
        assertThat(of("http://[::1]:9000", List.of("video"), false, 1000).endpointUri()).isNotNull();
        assertThat(of("http://minio:9000", List.of("video"), true, 1000).endpointUri()).hasHost("minio");
        assertThat(of("https://minio.example", List.of("video"), false, 1000).endpointUri()).hasHost("minio.example");
    }

    @Test
    void an_empty_endpoint_means_aws_itself() {
        assertThat(of("", List.of("video"), false, 1000).endpointUri()).isNull();
    }

    @Test
    void an_endpoint_with_credentials_in_it_is_refused_without_echoing_them() {
        assertThatThrownBy(() -> of("https://AKIA:topsecret@minio.example", List.of("video"), false, 1000))
                .hasMessageContaining("must not hold credentials")
                .hasMessageNotContaining("topsecret");
    }

    @Test
    void a_request_timeout_longer_than_the_in_flight_grace_is_refused() {
        S3Properties s3 = of("", List.of("video"), false, 1000);

        assertThatThrownBy(() -> s3.requireWithinGrace(Duration.ofSeconds(10)))
                .hasMessageContaining("shardsweep.s3.request-timeout (PT30S) exceeds shardsweep.in-flight-grace (PT10S)");
    }

    @Test
    void the_health_probe_has_short_defaults_and_refuses_bad_durations() {
        S3Properties.HealthCheck defaults = of("", List.of("video"), false, 1000).health();
        assertThat(defaults.timeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(defaults.cacheTtl()).isEqualTo(Duration.ofSeconds(30));

        assertThatThrownBy(() -> new S3Properties.HealthCheck(Duration.ZERO, Duration.ofSeconds(30)))
                .hasMessageContaining("shardsweep.s3.health.timeout must be a positive duration of at most 1m");
        assertThatThrownBy(() -> new S3Properties.HealthCheck(Duration.ofMinutes(2), Duration.ofSeconds(30)))
                .hasMessageContaining("shardsweep.s3.health.timeout must be a positive duration of at most 1m");
        assertThatThrownBy(() -> new S3Properties.HealthCheck(Duration.ofSeconds(2), Duration.ofSeconds(-1)))
                .hasMessageContaining("shardsweep.s3.health.cache-ttl must be a positive duration");
    }
}
