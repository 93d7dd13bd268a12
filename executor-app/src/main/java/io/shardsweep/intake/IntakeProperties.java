package io.shardsweep.intake;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Settings of the HTTP intake API, under {@code shardsweep.intake.*}. Bound only while the API is
 * enabled ({@link ConditionalOnIntakeEnabled}); the checks below run then, so a missing or weak token
 * stops the application at startup instead of leaving an open or guessable API.
 *
 * @param enabled register the {@code /api/**} endpoints; when false nothing of the intake API exists
 * @param apiToken the bearer token every request must carry; printable ASCII without spaces, at least
 *                 {@value #MIN_TOKEN_LENGTH} characters. Never logged, never part of {@link #toString()}.
 * @param maxBatchSize most tasks in one {@code POST /api/tasks/batch}, and most ids in one
 *                     {@code POST /api/tasks/requeue}
 * @param maxBodySize largest request body read; a bigger one is answered 413 without being read further
 */
@ConfigurationProperties("shardsweep.intake")
public record IntakeProperties(
        @DefaultValue("true") boolean enabled,
        String apiToken,
        @DefaultValue("1000") int maxBatchSize,
        @DefaultValue("1MB") DataSize maxBodySize) {

    public static final int MIN_TOKEN_LENGTH = 32;
    static final int MAX_BATCH_SIZE_LIMIT = 100_000;
    static final DataSize MAX_BODY_SIZE_LIMIT = DataSize.ofMegabytes(64);

    public IntakeProperties {
        if (enabled) {
            // The messages name the property and the rule, never the value: a near-miss token is
            // still somebody's secret, and startup failures end up in logs.
            if (apiToken == null || apiToken.isBlank()) {
                throw new IllegalArgumentException("shardsweep.intake.api-token must be set (at least " + MIN_TOKEN_LENGTH
                        + " characters) while the intake API is enabled; set it, e.g. through SHARDSWEEP_INTAKE_API_TOKEN,"
                        + " or turn the API off with shardsweep.intake.enabled=false");
            }
            if (!apiToken.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
                throw new IllegalArgumentException("shardsweep.intake.api-token must be printable ASCII without spaces,"
                        + " so that it can be sent as 'Authorization: Bearer <token>'");
            }
            if (apiToken.length() < MIN_TOKEN_LENGTH) {
                throw new IllegalArgumentException("shardsweep.intake.api-token is shorter than " + MIN_TOKEN_LENGTH
                        + " characters; use a random one, e.g. from `openssl rand -hex 32`");
            }
        }
        if (maxBatchSize < 1 || maxBatchSize > MAX_BATCH_SIZE_LIMIT) {
            throw new IllegalArgumentException("shardsweep.intake.max-batch-size must be between 1 and " + MAX_BATCH_SIZE_LIMIT
                    + ", got " + maxBatchSize);
        }
        if (maxBodySize == null || maxBodySize.toBytes() < 1024 || maxBodySize.compareTo(MAX_BODY_SIZE_LIMIT) > 0) {
            throw new IllegalArgumentException("shardsweep.intake.max-body-size must be between 1KB and 64MB, got " + maxBodySize);
        }
    }

    /** Without the token: records print every component, and property objects do get logged. */
    @Override
    public String toString() {
        return "IntakeProperties[enabled=" + enabled + ", apiToken=" + (apiToken == null ? "<unset>" : "<hidden>")
                + ", maxBatchSize=" + maxBatchSize + ", maxBodySize=" + maxBodySize + "]";
    }
}
