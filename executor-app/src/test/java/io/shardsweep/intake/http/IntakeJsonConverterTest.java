package io.shardsweep.intake.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardsweep.intake.BatchEnqueueRequest;
import io.shardsweep.intake.EnqueueRequest;
import io.shardsweep.intake.RequestTooLargeException;
import io.shardsweep.intake.TaskView;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.core.ResolvableType;
import org.springframework.http.MediaType;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.mock.http.MockHttpInputMessage;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import tools.jackson.databind.json.JsonMapper;

class IntakeJsonConverterTest {

    /** Lenient like Spring Boot's. */
    private final JsonMapper applicationMapper = JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
    private final IntakeJsonConverter converter = new IntakeJsonConverter(applicationMapper, DataSize.ofKilobytes(1));

    @Test
    void a_body_sent_without_content_length_is_refused_once_reading_passes_the_cap() {
        MockHttpInputMessage message = json("{\"filePath\": \"" + "a".repeat(2000) + "\"}");
        assertThat(message.getHeaders().getContentLength()).isEqualTo(-1);

        assertThatThrownBy(() -> read(message)).isInstanceOf(RequestTooLargeException.class)
                .hasMessageContaining("more than 1024 bytes");
    }

    @Test
    void a_declared_content_length_over_the_cap_is_refused_without_reading_the_body() {
        InputStream unreadable = new InputStream() {
            @Override
            public int read() {
                throw new AssertionError("the body was read");
            }
        };
        MockHttpInputMessage message = new MockHttpInputMessage(unreadable);
        message.getHeaders().setContentType(MediaType.APPLICATION_JSON);
        message.getHeaders().setContentLength(5000);

        assertThatThrownBy(() -> read(message)).isInstanceOf(RequestTooLargeException.class)
                .hasMessageContaining("5000 bytes, more than shardsweep.intake.max-body-size (1024 bytes)");
    }

    @Test
    void a_body_of_exactly_the_cap_is_read() throws Exception {
        String body = "{\"filePath\": \"a.mp4\"}";
        body = body + " ".repeat(1024 - body.length());

        assertThat(read(json(body))).isEqualTo(new EnqueueRequest("a.mp4", null, null));
    }

    @Test
    void it_refuses_unknown_fields_while_the_applications_mapper_stays_lenient() throws Exception {
        String body = "{\"filePath\": \"a.mp4\", \"extra\": 1}";

        assertThatThrownBy(() -> read(json(body))).isInstanceOf(HttpMessageNotReadableException.class)
                .hasCauseInstanceOf(UnrecognizedPropertyException.class);
        assertThat(applicationMapper.readValue(body, EnqueueRequest.class)).isEqualTo(new EnqueueRequest("a.mp4", null, null));
    }

    @Test
    void it_reads_only_the_intake_request_types_and_never_writes() {
        assertThat(converter.canRead(EnqueueRequest.class, MediaType.APPLICATION_JSON)).isTrue();
        assertThat(converter.canRead(ResolvableType.forClass(BatchEnqueueRequest.class), MediaType.APPLICATION_JSON)).isTrue();
        assertThat(converter.canRead(Map.class, MediaType.APPLICATION_JSON)).isFalse();
        assertThat(converter.canRead(ResolvableType.forClass(String.class), MediaType.APPLICATION_JSON)).isFalse();
        assertThat(converter.canRead(EnqueueRequest.class, MediaType.TEXT_PLAIN)).isFalse();
        assertThat(converter.canWrite(TaskView.class, MediaType.APPLICATION_JSON)).isFalse();
        assertThat(converter.canWrite(ResolvableType.forClass(EnqueueRequest.class), EnqueueRequest.class, MediaType.APPLICATION_JSON)).isFalse();
    }

    private Object read(MockHttpInputMessage message) throws Exception {
        return converter.read(ResolvableType.forClass(EnqueueRequest.class), message, null);
    }

    private static MockHttpInputMessage json(String body) {
        MockHttpInputMessage message = new MockHttpInputMessage(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)));
        message.getHeaders().setContentType(MediaType.APPLICATION_JSON);
        return message;
    }
}
