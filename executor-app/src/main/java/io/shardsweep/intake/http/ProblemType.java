package io.shardsweep.intake.http;

import java.net.URI;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;

/**
 * Every kind of error the intake API answers, as the RFC 9457 problem {@code type} it carries. The
 * types are URNs ({@code urn:shardsweep:problem:<name>}), not URLs: ShardSweep owns no domain, and a
 * URN stays the same wherever the executor runs. A client branches on {@code type}; {@code title} is
 * fixed per type, {@code detail} says what was wrong with this request. docs/intake-api.md lists them,
 * and docs/intake-api.openapi.yaml names them per endpoint.
 */
enum ProblemType {

    /** A body, parameter or id that breaks a rule, malformed JSON, a missing body. */
    INVALID_REQUEST("invalid-request", HttpStatus.BAD_REQUEST, "Invalid request"),
    /** No, several or a wrong {@code Authorization: Bearer} header (written by {@link BearerTokenCheck}). */
    UNAUTHORIZED("unauthorized", HttpStatus.UNAUTHORIZED, "Unauthorized"),
    /** No task with this id or business key, neither pending nor finished. */
    TASK_NOT_FOUND("task-not-found", HttpStatus.NOT_FOUND, "Task not found"),
    /** Nothing of the intake API at this path. */
    ENDPOINT_NOT_FOUND("endpoint-not-found", HttpStatus.NOT_FOUND, "No such endpoint"),
    METHOD_NOT_ALLOWED("method-not-allowed", HttpStatus.METHOD_NOT_ALLOWED, "Method not allowed"),
    /** The Accept header allows nothing the API can answer with (JSON). */
    NOT_ACCEPTABLE("not-acceptable", HttpStatus.NOT_ACCEPTABLE, "Not acceptable"),
    /** A requeue of a task that is not DEAD; {@code state} says what it is. */
    TASK_NOT_DEAD("task-not-dead", HttpStatus.CONFLICT, "Task is not DEAD"),
    /** A batch over {@code shardsweep.intake.max-batch-size}, or a body over {@code max-body-size}. */
    REQUEST_TOO_LARGE("request-too-large", HttpStatus.CONTENT_TOO_LARGE, "Request too large"),
    /** A body that is not {@code application/json}. */
    UNSUPPORTED_MEDIA_TYPE("unsupported-media-type", HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Unsupported media type"),
    /** A bug or a database error; the executor's log has the cause. */
    INTERNAL_ERROR("internal-error", HttpStatus.INTERNAL_SERVER_ERROR, "Internal error"),
    /** The database is down, or kept deadlocking after every retry; nothing was changed. */
    UNAVAILABLE("unavailable", HttpStatus.SERVICE_UNAVAILABLE, "Service unavailable");

    static final String PREFIX = "urn:shardsweep:problem:";

    private final URI type;
    private final HttpStatus status;
    private final String title;

    ProblemType(String name, HttpStatus status, String title) {
        this.type = URI.create(PREFIX + name);
        this.status = status;
        this.title = title;
    }

    URI type() {
        return type;
    }

    HttpStatus status() {
        return status;
    }

    String title() {
        return title;
    }

    /** A problem of this type, with its status and title, and {@code detail} as given (the caller bounds it). */
    ProblemDetail problem(String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        return stamp(problem);
    }

    /**
     * Sets this type's {@code type} and {@code title} on a problem built elsewhere (by Spring MVC). Its
     * status stays as it is: it is the status of the answer.
     */
    ProblemDetail stamp(ProblemDetail problem) {
        problem.setType(type);
        problem.setTitle(title);
        return problem;
    }

    /**
     * The type of an answer Spring MVC built for one of its own exceptions, by its status. A 404 from
     * Spring is always a path without an endpoint (the API's own 404s are {@link #TASK_NOT_FOUND}). A
     * status outside the table (none that Spring produces for this API today) falls back to
     * {@link #INVALID_REQUEST} for 4xx and {@link #INTERNAL_ERROR} otherwise, so no answer is untyped.
     */
    static ProblemType forSpringStatus(HttpStatusCode status) {
        return switch (status.value()) {
            case 400 -> INVALID_REQUEST;
            case 401 -> UNAUTHORIZED;
            case 404 -> ENDPOINT_NOT_FOUND;
            case 405 -> METHOD_NOT_ALLOWED;
            case 406 -> NOT_ACCEPTABLE;
            case 413 -> REQUEST_TOO_LARGE;
            case 415 -> UNSUPPORTED_MEDIA_TYPE;
            case 503 -> UNAVAILABLE;
            default -> status.is4xxClientError() ? INVALID_REQUEST : INTERNAL_ERROR;
        };
    }
}
