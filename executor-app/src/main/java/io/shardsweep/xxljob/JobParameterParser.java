package io.shardsweep.xxljob;

import io.shardsweep.TextExcerpt;
import io.shardsweep.config.ShardSweepProperties;
import io.shardsweep.run.RunParameters;
import java.time.Duration;
import java.util.List;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads the optional executor parameter of a cleanup trigger: a JSON object such as
 * {@code {"batchSize": 500, "timeoutSeconds": 300, "dryRun": true}}, or for an operator's
 * "Run once" {@code {"requeueIds": [17, 42]}} / {@code {"requeueDead": true}}. Anything else, an
 * unknown key, a wrong type or an out-of-range value, is refused with a message that says what was wrong.
 */
@Component
public class JobParameterParser {

    static final String EXAMPLE = "{\"batchSize\": 500, \"timeoutSeconds\": 300, \"dryRun\": true}";
    static final String KNOWN = "batchSize, timeoutSeconds, dryRun, requeueIds, requeueDead";
    static final int MAX_REQUEUE_IDS = 1000;
    private static final int MAX_PARAMETER_LENGTH = 16_384;

    private final JsonMapper mapper = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .build();
    private final ShardSweepProperties properties;

    public JobParameterParser(ShardSweepProperties properties) {
        this.properties = properties;
    }

    /** The JSON shape of the parameter; every field is optional. */
    record Raw(Integer batchSize, Long timeoutSeconds, Boolean dryRun, List<Long> requeueIds, Boolean requeueDead) {
    }

    public RunParameters parse(String parameter) {
        Raw raw = read(parameter);
        int batchSize = raw.batchSize() == null ? properties.batchSize() : raw.batchSize();
        if (batchSize < 1 || batchSize > properties.maxBatchSize()) {
            throw invalid("batchSize must be between 1 and " + properties.maxBatchSize() + " (shardsweep.max-batch-size), got " + batchSize);
        }
        Duration timeout = properties.runTimeout();
        if (raw.timeoutSeconds() != null) {
            long seconds = raw.timeoutSeconds();
            if (seconds < 1 || seconds > properties.maxRunTimeout().toSeconds()) {
                throw invalid("timeoutSeconds must be between 1 and " + properties.maxRunTimeout().toSeconds()
                        + " (shardsweep.max-run-timeout), got " + seconds);
            }
            timeout = Duration.ofSeconds(seconds);
        }
        List<Long> requeueIds = raw.requeueIds() == null ? List.of() : raw.requeueIds();
        if (requeueIds.size() > MAX_REQUEUE_IDS) {
            throw invalid("requeueIds lists " + requeueIds.size() + " ids; at most " + MAX_REQUEUE_IDS + " per trigger (use requeueDead for all dead rows)");
        }
        for (Long id : requeueIds) {
            if (id == null || id < 1) {
                throw invalid("requeueIds must hold positive task ids, got " + id);
            }
        }
        return new RunParameters(batchSize, timeout, Boolean.TRUE.equals(raw.dryRun()), requeueIds, Boolean.TRUE.equals(raw.requeueDead()),
                properties.sweepAfter());
    }

    private Raw read(String parameter) {
        if (parameter == null || parameter.isBlank()) {
            return new Raw(null, null, null, null, null);
        }
        if (parameter.length() > MAX_PARAMETER_LENGTH) {
            throw invalid("parameter is " + parameter.length() + " characters long; at most " + MAX_PARAMETER_LENGTH + " are accepted");
        }
        String trimmed = parameter.strip();
        if (!trimmed.startsWith("{")) {
            throw invalid("parameter must be a JSON object, got: " + TextExcerpt.quoted(trimmed));
        }
        try {
            return mapper.readValue(trimmed, Raw.class);
        } catch (UnrecognizedPropertyException e) {
            throw invalid("unknown parameter '" + e.getPropertyName() + "'; known: " + KNOWN);
        } catch (JacksonException e) {
            throw invalid("malformed JSON parameter: " + e.getOriginalMessage());
        }
    }

    private static InvalidJobParameterException invalid(String reason) {
        return new InvalidJobParameterException("invalid executor parameter: " + reason + ". Example: " + EXAMPLE + ". Nothing was claimed.");
    }

}
