package io.shardsweep.intake.http;

import io.shardsweep.TextExcerpt;
import io.shardsweep.intake.ConditionalOnIntakeEnabled;
import io.shardsweep.intake.InvalidRequestException;
import io.shardsweep.intake.RequestTooLargeException;
import io.shardsweep.intake.TaskNotDeadException;
import io.shardsweep.intake.TaskNotFoundException;
import io.shardsweep.intake.Violation;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.TypeMismatchException;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.NoHandlerFoundException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.servlet.resource.NoResourceFoundException;
import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * Turns every failure of the intake API into an RFC 9457 {@code application/problem+json} answer with
 * its {@link ProblemType} ({@code type}, {@code title}), whose {@code detail} says what was wrong, never
 * with more than a bounded excerpt of the request. Applies to {@link TaskIntakeController}; the errors
 * raised under /api before a controller is chosen (404, 405) come here through
 * {@link UnmappedApiErrorResolver}, and the rest of the application keeps Spring Boot's error handling.
 */
@RestControllerAdvice(assignableTypes = TaskIntakeController.class)
@ConditionalOnIntakeEnabled
public class IntakeExceptionHandler extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(IntakeExceptionHandler.class);
    private static final int MAX_DETAIL_CHARS = 600;
    /** A 400 lists at most this many violations; a batch of 1000 bad tasks does not need 1000 of them. */
    static final int MAX_LISTED_VIOLATIONS = 100;

    @ExceptionHandler
    ResponseEntity<ProblemDetail> invalid(InvalidRequestException e, HttpServletRequest request) {
        ProblemDetail problem = problem(ProblemType.INVALID_REQUEST, e.getMessage(), request);
        List<Violation> violations = e.violations();
        problem.setProperty("errors", violations.subList(0, Math.min(violations.size(), MAX_LISTED_VIOLATIONS)));
        if (violations.size() > MAX_LISTED_VIOLATIONS) {
            problem.setProperty("errorsNotListed", violations.size() - MAX_LISTED_VIOLATIONS);
        }
        return ResponseEntity.of(problem).build();
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> tooLarge(RequestTooLargeException e, HttpServletRequest request) {
        return ResponseEntity.of(problem(ProblemType.REQUEST_TOO_LARGE, e.getMessage(), request)).build();
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> notFound(TaskNotFoundException e, HttpServletRequest request) {
        return ResponseEntity.of(problem(ProblemType.TASK_NOT_FOUND, e.getMessage(), request)).build();
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> notDead(TaskNotDeadException e, HttpServletRequest request) {
        ProblemDetail problem = problem(ProblemType.TASK_NOT_DEAD, e.getMessage(), request);
        problem.setProperty("state", e.state());
        return ResponseEntity.of(problem).build();
    }

    /** A deadlock that kept recurring, a lock wait timeout, or a database that does not answer: worth a retry. */
    @ExceptionHandler({TransientDataAccessException.class, RecoverableDataAccessException.class, DataAccessResourceFailureException.class})
    ResponseEntity<ProblemDetail> databaseBusy(DataAccessException e, HttpServletRequest request) {
        log.warn("intake API: database busy or unavailable, answered 503: {}", e.toString());
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).header(HttpHeaders.RETRY_AFTER, "5")
                .body(problem(ProblemType.UNAVAILABLE, "the database is busy or unavailable; nothing was changed, retry later", request));
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> databaseError(DataAccessException e, HttpServletRequest request) {
        log.error("intake API: database error, answered 500", e);
        return ResponseEntity.of(problem(ProblemType.INTERNAL_ERROR,
                "database error; nothing was changed. The executor's log has the cause", request)).build();
    }

    /** A bug or an unexpected state: logged in full, answered without internals. */
    @ExceptionHandler
    ResponseEntity<ProblemDetail> unexpected(RuntimeException e, HttpServletRequest request) {
        log.error("intake API: unexpected failure, answered 500", e);
        return ResponseEntity.of(problem(ProblemType.INTERNAL_ERROR,
                "unexpected error; the executor's log has the cause", request)).build();
    }

    /** Malformed JSON, an unknown field, a wrong type, a missing body: say which, and where. */
    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex, HttpHeaders headers,
                                                                  HttpStatusCode status, WebRequest request) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, unreadable(ex));
        return handleExceptionInternal(ex, problem, headers, HttpStatus.BAD_REQUEST, request);
    }

    /** The default detail would echo the whole offending value. */
    @Override
    protected ResponseEntity<Object> handleTypeMismatch(TypeMismatchException ex, HttpHeaders headers, HttpStatusCode status,
                                                        WebRequest request) {
        String name = ex.getPropertyName() == null ? "a parameter" : "'" + ex.getPropertyName() + "'";
        Class<?> type = ex.getRequiredType();
        String expected = type == long.class || type == Long.class ? "a whole number (a task id)" : "a " + (type == null ? "valid value" : type.getSimpleName());
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, name + " must be " + expected + ", got "
                + TextExcerpt.quoted(ex.getValue() == null ? null : String.valueOf(ex.getValue())));
        return handleExceptionInternal(ex, problem, headers, HttpStatus.BAD_REQUEST, request);
    }

    /** A path of /api where nothing is mapped; the default detail would echo the path (it is in {@code instance}, bounded). */
    @Override
    protected ResponseEntity<Object> handleNoResourceFoundException(NoResourceFoundException ex, HttpHeaders headers,
                                                                    HttpStatusCode status, WebRequest request) {
        return handleExceptionInternal(ex, noEndpoint(), headers, status, request);
    }

    @Override
    protected ResponseEntity<Object> handleNoHandlerFoundException(NoHandlerFoundException ex, HttpHeaders headers,
                                                                   HttpStatusCode status, WebRequest request) {
        return handleExceptionInternal(ex, noEndpoint(), headers, status, request);
    }

    private static ProblemDetail noEndpoint() {
        return ProblemType.ENDPOINT_NOT_FOUND.problem("the intake API has no endpoint at this path; docs/intake-api.md lists them");
    }

    /** Spring keeps its Allow header; the detail names the method only as a bounded excerpt. */
    @Override
    protected ResponseEntity<Object> handleHttpRequestMethodNotSupported(HttpRequestMethodNotSupportedException ex, HttpHeaders headers,
                                                                         HttpStatusCode status, WebRequest request) {
        ResponseEntity<Object> answer = super.handleHttpRequestMethodNotSupported(ex, headers, status, request);
        if (answer != null && answer.getBody() instanceof ProblemDetail problem) {
            String allowed = ex.getSupportedHttpMethods() == null ? "" : ex.getSupportedHttpMethods().stream()
                    .map(HttpMethod::name).sorted().collect(Collectors.joining(", ", "; allowed: ", ""));
            problem.setDetail("method " + TextExcerpt.quoted(ex.getMethod()) + " is not allowed at this path" + allowed);
        }
        return answer;
    }

    /** The default detail echoes the whole Content-Type header. */
    @Override
    protected ResponseEntity<Object> handleHttpMediaTypeNotSupported(HttpMediaTypeNotSupportedException ex, HttpHeaders headers,
                                                                     HttpStatusCode status, WebRequest request) {
        ResponseEntity<Object> answer = super.handleHttpMediaTypeNotSupported(ex, headers, status, request);
        if (answer != null && answer.getBody() instanceof ProblemDetail problem) {
            String sent = ex.getContentType() == null ? "no Content-Type" : "Content-Type " + TextExcerpt.quoted(ex.getContentType().toString());
            problem.setDetail(sent + " is not supported; send the body as application/json");
        }
        return answer;
    }

    @Override
    protected ResponseEntity<Object> handleHttpMediaTypeNotAcceptable(HttpMediaTypeNotAcceptableException ex, HttpHeaders headers,
                                                                      HttpStatusCode status, WebRequest request) {
        ResponseEntity<Object> answer = super.handleHttpMediaTypeNotAcceptable(ex, headers, status, request);
        if (answer != null && answer.getBody() instanceof ProblemDetail problem) {
            problem.setDetail("the Accept header allows nothing this endpoint answers with; accept application/json");
        }
        return answer;
    }

    /**
     * Every answer from the base class passes here: give it the ShardSweep problem type for its status,
     * and bound what it may echo (a parameter, the path). The body is often null here (Spring builds it
     * from the exception in the base method), so the problem is typed once it exists.
     */
    @Override
    protected ResponseEntity<Object> handleExceptionInternal(Exception ex, Object body, HttpHeaders headers,
                                                             HttpStatusCode statusCode, WebRequest request) {
        ResponseEntity<Object> answer = super.handleExceptionInternal(ex, body, headers, statusCode, request);
        if (answer != null && answer.getBody() instanceof ProblemDetail problem) {
            ProblemType.forSpringStatus(answer.getStatusCode()).stamp(problem);
            problem.setDetail(TextExcerpt.clean(problem.getDetail(), MAX_DETAIL_CHARS));
            if (request instanceof ServletWebRequest servlet) {
                problem.setInstance(instance(servlet.getRequest()));
            }
        }
        return answer;
    }

    static String unreadable(HttpMessageNotReadableException ex) {
        Throwable cause = ex.getCause();
        if (cause instanceof UnrecognizedPropertyException unknown) {
            String allowed = unknown.getKnownPropertyIds() == null ? "" : unknown.getKnownPropertyIds().stream()
                    .map(String::valueOf).sorted().collect(Collectors.joining(", ", "; allowed: ", ""));
            return "unknown field " + TextExcerpt.quoted(unknown.getPropertyName()) + where(unknown) + allowed;
        }
        if (cause instanceof MismatchedInputException mismatch) {
            String field = path(mismatch);
            String expected = mismatch.getTargetType() == null ? "another type" : jsonType(mismatch.getTargetType());
            return field.isEmpty() ? "the body must be " + expected + at(mismatch.getLocation())
                    : "field '" + field + "' must be " + expected + at(mismatch.getLocation());
        }
        if (cause instanceof StreamReadException malformed) {
            return "malformed JSON" + at(malformed.getLocation()) + ": " + jacksonMessage(malformed);
        }
        if (cause instanceof JacksonException other) {
            return "the body cannot be read as JSON" + at(other.getLocation()) + ": " + jacksonMessage(other);
        }
        if (ex.getMessage() != null && ex.getMessage().startsWith("Required request body is missing")) {
            return "the request body is missing; send a JSON object";
        }
        return "the request body cannot be read: " + TextExcerpt.clean(cause == null ? ex.getMessage() : cause.getMessage(), TextExcerpt.MAX_ECHO_CHARS);
    }

    /** Jackson's own words, without its source-location boilerplate (the location is reported separately). */
    private static String jacksonMessage(JacksonException e) {
        String message = String.valueOf(e.getOriginalMessage());
        int boilerplate = message.indexOf(" (start marker at [Source:");
        if (boilerplate < 0) {
            boilerplate = message.indexOf(" at [Source:");
        }
        return TextExcerpt.clean(boilerplate < 0 ? message : message.substring(0, boilerplate), TextExcerpt.MAX_ECHO_CHARS);
    }

    private static String where(JacksonException e) {
        String parent = path(e);
        int dot = parent.lastIndexOf('.');
        parent = dot < 0 ? "" : parent.substring(0, dot);
        return (parent.isEmpty() ? "" : " in '" + parent + "'") + at(e.getLocation());
    }

    /** The JSON path of the failure, e.g. {@code tasks[2].filePath}. */
    private static String path(JacksonException e) {
        StringBuilder out = new StringBuilder();
        for (JacksonException.Reference ref : e.getPath()) {
            if (ref.getPropertyName() != null) {
                out.append(out.isEmpty() ? "" : ".").append(TextExcerpt.clean(ref.getPropertyName(), 50));
            } else if (ref.getIndex() >= 0) {
                out.append('[').append(ref.getIndex()).append(']');
            }
        }
        return out.toString();
    }

    private static String at(TokenStreamLocation location) {
        return location == null || location.getLineNr() < 0 ? "" : " at line " + location.getLineNr() + ", column " + location.getColumnNr();
    }

    private static String jsonType(Class<?> type) {
        if (type == String.class) {
            return "a string";
        }
        if (Number.class.isAssignableFrom(type) || type.isPrimitive()) {
            return "a number";
        }
        if (List.class.isAssignableFrom(type) || type.isArray()) {
            return "an array";
        }
        return "an object";
    }

    private static ProblemDetail problem(ProblemType type, String detail, HttpServletRequest request) {
        ProblemDetail problem = type.problem(TextExcerpt.clean(detail, MAX_DETAIL_CHARS));
        problem.setInstance(instance(request));
        return problem;
    }

    /**
     * The request path as the problem's {@code instance}, set here because Spring would otherwise put
     * the whole path there, however long. A path over {@value TextExcerpt#MAX_ECHO_CHARS} chars is cut
     * (before any %-escape it would split) and marked with "...".
     */
    static URI instance(HttpServletRequest request) {
        String path = request.getRequestURI();
        if (path.length() > TextExcerpt.MAX_ECHO_CHARS) {
            int end = TextExcerpt.MAX_ECHO_CHARS;
            int escape = path.lastIndexOf('%', end - 1);
            if (escape >= 0 && escape > end - 3) {
                end = escape;
            }
            path = path.substring(0, end) + "...";
        }
        try {
            return URI.create(path);
        } catch (IllegalArgumentException e) {
            return URI.create("/api/tasks");
        }
    }
}
