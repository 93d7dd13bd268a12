package io.shardsweep.intake.http;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes a problem straight to the servlet response, for the answers given outside Spring MVC's
 * message converters: the 401 of {@link BearerTokenCheck} (a filter) and the errors of
 * {@link UnmappedApiErrorResolver}. Same members as the problems of {@link IntakeExceptionHandler}
 * (extension members at the top level); only their order differs (RFC 9457's order here, the
 * application mapper's alphabetical order there), which JSON gives no meaning.
 */
final class ProblemJsonWriter {

    private final JsonMapper json;

    ProblemJsonWriter(JsonMapper json) {
        this.json = json;
    }

    void write(HttpServletResponse response, ProblemDetail problem) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", problem.getType() == null ? "about:blank" : problem.getType().toString());
        body.put("title", problem.getTitle());
        body.put("status", problem.getStatus());
        body.put("detail", problem.getDetail());
        if (problem.getInstance() != null) {
            body.put("instance", problem.getInstance().toString());
        }
        if (problem.getProperties() != null) {
            problem.getProperties().forEach(body::putIfAbsent);
        }
        byte[] bytes = json.writeValueAsBytes(body);
        response.setStatus(problem.getStatus());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }
}
