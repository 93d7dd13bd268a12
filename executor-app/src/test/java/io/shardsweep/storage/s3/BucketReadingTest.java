package io.shardsweep.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * How a HeadBucket answer is read. Only the answers S3Mock cannot give are here: it enforces no IAM, so
 * the 403 of a policy without {@code s3:ListBucket} cannot come from it; 200, 404, a refused and a
 * stalled endpoint are read from the real server in {@link S3HealthTest}. The exceptions are built as
 * the SDK builds them for a HEAD answer: the status, and no error code (a HEAD answer has no body).
 */
class BucketReadingTest {

    private static final Duration LATENCY = Duration.ofMillis(7);
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private static S3Exception headAnswered(int status, SdkHttpResponse.Builder response) {
        return (S3Exception) S3Exception.builder().statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().serviceName("S3").sdkHttpResponse(response.statusCode(status).build()).build())
                .build();
    }

    @Test
    void a_403_says_the_endpoint_answers_and_the_bucket_exists_and_counts_as_up() {
        BucketReading reading = BucketReading.of("video", headAnswered(403, SdkHttpResponse.builder()), LATENCY, TIMEOUT);

        assertThat(reading.up()).isTrue();
        assertThat(reading.endpoint()).isEqualTo(BucketReading.Endpoint.ANSWERS);
        assertThat(reading.details()).containsEntry("status", "UP").containsEntry("httpStatus", 403).containsEntry("latencyMs", 7L)
                .doesNotContainKey("errorCode");
        assertThat(reading.reading()).contains("the bucket exists", "without s3:ListBucket", "refused credentials read the same");
    }

    @Test
    void a_404_is_down_for_that_bucket() {
        BucketReading reading = BucketReading.of("video", headAnswered(404, SdkHttpResponse.builder()), LATENCY, TIMEOUT);

        assertThat(reading.up()).isFalse();
        assertThat(reading.endpoint()).isEqualTo(BucketReading.Endpoint.ANSWERS);
        assertThat(reading.reading()).startsWith("no such bucket");
    }

    @Test
    void a_5xx_is_down_with_an_endpoint_that_answers_only_with_server_errors() {
        BucketReading reading = BucketReading.of("video", headAnswered(503, SdkHttpResponse.builder()), LATENCY, TIMEOUT);

        assertThat(reading.up()).isFalse();
        assertThat(reading.endpoint()).isEqualTo(BucketReading.Endpoint.FAILING);
        assertThat(reading.details()).containsEntry("httpStatus", 503);
    }

    @Test
    void a_301_names_the_region_the_bucket_is_in() {
        BucketReading reading = BucketReading.of("video",
                headAnswered(301, SdkHttpResponse.builder().putHeader("x-amz-bucket-region", "eu-west-1")), LATENCY, TIMEOUT);

        assertThat(reading.up()).isFalse();
        assertThat(reading.reading()).isEqualTo("the endpoint refuses the probe (HTTP 301); the bucket is in region eu-west-1 (shardsweep.s3.region)");
    }

    @Test
    void the_probe_timeout_reads_as_no_answer() {
        BucketReading reading = BucketReading.of("video", ApiCallTimeoutException.create(2000), TIMEOUT, TIMEOUT);

        assertThat(reading.up()).isFalse();
        assertThat(reading.endpoint()).isEqualTo(BucketReading.Endpoint.NO_ANSWER);
        assertThat(reading.reading()).isEqualTo("the endpoint does not answer: no answer within PT2S (shardsweep.s3.health.timeout)");
    }

    @Test
    void a_refused_connection_reads_as_no_answer() {
        SdkClientException refused = SdkClientException.create("Unable to execute HTTP request", new ConnectException("Connection refused"));

        BucketReading reading = BucketReading.of("video", refused, LATENCY, TIMEOUT);

        assertThat(reading.endpoint()).isEqualTo(BucketReading.Endpoint.NO_ANSWER);
        assertThat(reading.reading()).isEqualTo("the endpoint does not answer: ConnectException: 'Connection refused'");
    }

    @Test
    void missing_credentials_are_not_read_as_an_endpoint_that_does_not_answer() {
        SdkClientException noCredentials = SdkClientException.create("Unable to load credentials from any of the providers in the chain");

        BucketReading reading = BucketReading.of("video", noCredentials, LATENCY, TIMEOUT);

        assertThat(reading.up()).isFalse();
        assertThat(reading.endpoint()).isEqualTo(BucketReading.Endpoint.UNKNOWN);
        assertThat(reading.reading()).startsWith("the probe could not be sent: SdkClientException: 'Unable to load credentials");
    }
}
