package io.shardsweep.storage.s3;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * The S3 backend's meters, exposed at {@code /actuator/prometheus} beside ShardSweep's others:
 * <ul>
 *   <li>{@code shardsweep_s3_requests_total{outcome}}: DeleteObjects calls, {@code ok} or {@code failed} (after the SDK's retries)</li>
 *   <li>{@code shardsweep_s3_errors_total{code}}: per-key errors and failed calls by S3 error code, or {@code timeout},
 *   {@code unreachable} (never connected: refused, unknown host, no route, connect timeout) or {@code client} (no
 *   answer once connected: reset, aborted)</li>
 *   <li>{@code shardsweep_s3_throttles_total}: HTTP attempts answered 503 (SlowDown), retried ones included</li>
 *   <li>{@code shardsweep_s3_keys_per_request}: keys in each DeleteObjects call</li>
 * </ul>
 * Error codes come from the server; only the ones S3 defines are expected, and they are few.
 */
public final class S3RequestMetrics {

    private final MeterRegistry registry;
    private final Counter ok;
    private final Counter failed;
    private final Counter throttles;
    private final DistributionSummary keysPerRequest;
    private final Map<String, Counter> errorsByCode = new ConcurrentHashMap<>();
    /** Distinct error codes kept apart; S3 has about a hundred, an operator acts on a handful. */
    static final int MAX_CODES = 50;
    static final String OTHER = "other";

    public S3RequestMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.ok = Counter.builder("shardsweep.s3.requests").tag("outcome", "ok").description("DeleteObjects calls").register(registry);
        this.failed = Counter.builder("shardsweep.s3.requests").tag("outcome", "failed").description("DeleteObjects calls").register(registry);
        this.throttles = Counter.builder("shardsweep.s3.throttles").description("HTTP attempts answered 503 SlowDown").register(registry);
        this.keysPerRequest = DistributionSummary.builder("shardsweep.s3.keys.per.request").description("keys in one DeleteObjects call")
                .register(registry);
        errors(OTHER); // the series exists from the start, at 0, like every other ShardSweep counter
    }

    void requestSent(int keys) {
        keysPerRequest.record(keys);
    }

    void requestSucceeded() {
        ok.increment();
    }

    void requestFailed(String code) {
        failed.increment();
        error(code);
    }

    void error(String code) {
        // A code is an S3 token such as AccessDenied; anything else, and any code beyond the first
        // MAX_CODES seen, is folded into "other", so that a hostile server cannot flood the registry.
        boolean token = code != null && code.matches("[A-Za-z0-9.]{1,64}");
        String tag = token && (errorsByCode.containsKey(code) || errorsByCode.size() < MAX_CODES) ? code : OTHER;
        errors(tag).increment();
    }

    private Counter errors(String code) {
        return errorsByCode.computeIfAbsent(code, c -> Counter.builder("shardsweep.s3.errors").tag("code", c)
                .description("S3 errors by code").register(registry));
    }

    /** Sees every HTTP attempt, so throttled attempts the SDK retried successfully count too. */
    ExecutionInterceptor throttleCounter() {
        return new ExecutionInterceptor() {
            @Override
            public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
                if (context.httpResponse().statusCode() == 503) {
                    throttles.increment();
                }
            }
        };
    }
}
