package io.shardsweep.storage.s3;

import io.shardsweep.TextExcerpt;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * What one HeadBucket answer says about the endpoint and one bucket.
 *
 * <p>HeadBucket needs {@code s3:ListBucket}, which the executor's minimal policy ({@code s3:DeleteObject} only)
 * does not grant, so in production the expected answer is 403. To credentials it accepts, S3 answers 404 for
 * a bucket that does not exist and 403 for one that exists without that permission, so a 403 says that the
 * endpoint answers and the bucket is there. A HEAD answer has no body, hence no error code: credentials that
 * S3 refuses (an unknown key, a bad signature) get 403 for any bucket and read the same here; only the
 * deletes' {@code shardsweep_s3_errors_total{code}} tells them apart.
 *
 * @param bucket the bucket probed
 * @param up whether this bucket counts as UP
 * @param endpoint what the answer says about the endpoint
 * @param httpStatus the answer's HTTP status, or null when there was none
 * @param errorCode the S3 error code, or null when the answer had none (HEAD answers have no body)
 * @param latency from sending the request to the answer or the failure
 * @param reading a sentence for the operator; never holds a credential
 */
record BucketReading(String bucket, boolean up, Endpoint endpoint, Integer httpStatus, String errorCode, Duration latency,
                     String reading) {

    /** What the endpoint did. */
    enum Endpoint {
        /** It answered (any status but 5xx). */
        ANSWERS,
        /** It answered with a server error (5xx): up, but not serving. */
        FAILING,
        /** No answer: refused or reset connection, unknown host, nothing within the probe's timeout. */
        NO_ANSWER,
        /** The request was not sent (no credentials, a client-side error), or this bucket was not probed. */
        UNKNOWN
    }

    static final String EXPECTED_403 = "the endpoint answers and the bucket exists; HeadBucket is refused (403), as expected when"
            + " the executor's policy grants s3:DeleteObject without s3:ListBucket. A 403 to HEAD carries no error code, so"
            + " refused credentials read the same: shardsweep_s3_errors_total{code} of the deletes tells them apart";

    /** The reading of a HeadBucket that returned ({@code failure} null) or threw {@code failure}. */
    static BucketReading of(String bucket, Throwable failure, Duration latency, Duration probeTimeout) {
        if (failure == null) {
            return new BucketReading(bucket, true, Endpoint.ANSWERS, 200, null, latency, "the bucket answers");
        }
        if (failure instanceof AwsServiceException e) {
            return answered(bucket, e, latency);
        }
        if (failure instanceof ApiCallTimeoutException || failure instanceof ApiCallAttemptTimeoutException) {
            return new BucketReading(bucket, false, Endpoint.NO_ANSWER, null, null, latency,
                    "the endpoint does not answer: no answer within " + probeTimeout + " (shardsweep.s3.health.timeout)");
        }
        Throwable io = ioCause(failure);
        if (failure instanceof SdkClientException && io != null) {
            return new BucketReading(bucket, false, Endpoint.NO_ANSWER, null, null, latency,
                    "the endpoint does not answer: " + io.getClass().getSimpleName() + ": " + TextExcerpt.quoted(io.getMessage()));
        }
        // No credentials in the SDK's chain, a bad endpoint: the SDK's messages name the providers, never a secret.
        return new BucketReading(bucket, false, Endpoint.UNKNOWN, null, null, latency,
                "the probe could not be sent: " + failure.getClass().getSimpleName() + ": " + TextExcerpt.quoted(failure.getMessage()));
    }

    /** A bucket left out because the endpoint gave no answer to an earlier one: the wait would be the same. */
    static BucketReading notProbed(String bucket, String probedBucket) {
        return new BucketReading(bucket, false, Endpoint.UNKNOWN, null, null, Duration.ZERO,
                "not probed: the probe of bucket " + probedBucket + " got no answer");
    }

    private static BucketReading answered(String bucket, AwsServiceException e, Duration latency) {
        int status = e.statusCode();
        String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
        if (status == 403) {
            return new BucketReading(bucket, true, Endpoint.ANSWERS, status, code, latency, EXPECTED_403);
        }
        if (status == 404) {
            return new BucketReading(bucket, false, Endpoint.ANSWERS, status, code, latency,
                    "no such bucket: create it, or remove it from shardsweep.s3.buckets");
        }
        if (status >= 500) {
            return new BucketReading(bucket, false, Endpoint.FAILING, status, code, latency,
                    "the endpoint answers with a server error (HTTP " + status + ")");
        }
        String region = e.awsErrorDetails() == null || e.awsErrorDetails().sdkHttpResponse() == null ? null
                : e.awsErrorDetails().sdkHttpResponse().firstMatchingHeader("x-amz-bucket-region").orElse(null);
        String hint = region != null && region.matches("[a-z0-9-]{1,64}")
                ? "; the bucket is in region " + region + " (shardsweep.s3.region)" : "";
        return new BucketReading(bucket, false, Endpoint.ANSWERS, status, code, latency,
                "the endpoint refuses the probe (HTTP " + status + ")" + hint);
    }

    private static Throwable ioCause(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof IOException) {
                return c;
            }
        }
        return null;
    }

    /** The health details of this bucket: no credential, no request id. */
    Map<String, Object> details() {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("status", up ? "UP" : "DOWN");
        if (httpStatus != null) {
            details.put("httpStatus", httpStatus);
        }
        if (errorCode != null) {
            details.put("errorCode", errorCode);
        }
        details.put("latencyMs", latency.toMillis());
        details.put("reading", reading);
        return details;
    }
}
