package io.shardsweep.intake.http;

import io.shardsweep.intake.BatchEnqueueRequest;
import io.shardsweep.intake.EnqueueRequest;
import io.shardsweep.intake.RequestTooLargeException;
import io.shardsweep.intake.RequeueRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Set;
import org.springframework.core.ResolvableType;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpInputMessage;
import org.springframework.http.MediaType;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.http.converter.json.JacksonJsonHttpMessageConverter;
import org.springframework.util.unit.DataSize;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.type.LogicalType;

/**
 * Reads the intake API's request bodies, and nothing else: it declines every other type and never
 * writes, so the application's own JSON converter keeps serving everything else unchanged.
 *
 * <p>It differs from that converter in two ways. It is strict: an unknown or repeated field, a number
 * where a string belongs (or the reverse), or anything after the JSON value is an error, where the
 * application's mapper is lenient (Spring Boot turns off FAIL_ON_UNKNOWN_PROPERTIES). And it reads at
 * most {@code shardsweep.intake.max-body-size} bytes: a bigger body is refused with
 * {@link RequestTooLargeException} (413) as soon as its Content-Length says so, or, for a body sent
 * without one, as soon as reading passes the limit.
 */
final class IntakeJsonConverter extends JacksonJsonHttpMessageConverter {

    private static final Set<Class<?>> REQUEST_TYPES = Set.of(EnqueueRequest.class, BatchEnqueueRequest.class, RequeueRequest.class);

    private final int maxBodyBytes;
    private final DataSize maxBodySize;

    IntakeJsonConverter(JsonMapper applicationMapper, DataSize maxBodySize) {
        super(strict(applicationMapper));
        this.maxBodySize = maxBodySize;
        this.maxBodyBytes = Math.toIntExact(maxBodySize.toBytes());
    }

    /** The application's mapper (modules, settings) with every leniency that could hide a mistake turned off. */
    static JsonMapper strict(JsonMapper applicationMapper) {
        return applicationMapper.rebuild()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                // A number or boolean is not a path or a key, and "42" is not an id.
                .withCoercionConfig(LogicalType.Textual, config -> config
                        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
                .withCoercionConfig(LogicalType.Integer, config -> config
                        .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail))
                .build();
    }

    @Override
    public boolean canRead(ResolvableType type, MediaType mediaType) {
        return REQUEST_TYPES.contains(type.toClass()) && super.canRead(type, mediaType);
    }

    @Override
    public boolean canRead(Class<?> clazz, MediaType mediaType) {
        return REQUEST_TYPES.contains(clazz) && super.canRead(clazz, mediaType);
    }

    @Override
    public boolean canWrite(ResolvableType type, Class<?> valueClass, MediaType mediaType) {
        return false;
    }

    @Override
    public boolean canWrite(Class<?> clazz, MediaType mediaType) {
        return false;
    }

    @Override
    public Object read(ResolvableType type, HttpInputMessage inputMessage, Map<String, Object> hints)
            throws IOException, HttpMessageNotReadableException {
        return super.read(type, bounded(inputMessage), hints);
    }

    private HttpInputMessage bounded(HttpInputMessage message) throws IOException {
        long declared = message.getHeaders().getContentLength();
        if (declared > maxBodyBytes) {
            throw tooLarge(declared + " bytes");
        }
        // One byte more than allowed tells a body at the limit from a bigger one; the rest is never read.
        byte[] body = message.getBody().readNBytes(maxBodyBytes + 1);
        if (body.length > maxBodyBytes) {
            throw tooLarge("more than " + maxBodyBytes + " bytes");
        }
        HttpHeaders headers = message.getHeaders();
        return new HttpInputMessage() {
            @Override
            public InputStream getBody() {
                return new ByteArrayInputStream(body);
            }

            @Override
            public HttpHeaders getHeaders() {
                return headers;
            }
        };
    }

    private RequestTooLargeException tooLarge(String size) {
        return new RequestTooLargeException("the request body has " + size + ", more than shardsweep.intake.max-body-size ("
                + maxBodySize.toBytes() + " bytes); nothing was read or stored");
    }
}
