package io.shardsweep.intake.http;

import io.shardsweep.TextExcerpt;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Enumeration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ProblemDetail;

/**
 * Checks {@code Authorization: Bearer <token>} against {@code shardsweep.intake.api-token} and answers
 * 401 (problem+json, {@code WWW-Authenticate: Bearer}) when it does not match.
 *
 * <p>Only a SHA-256 digest of the token is kept, and the presented token is compared digest to digest
 * with {@link MessageDigest#isEqual}, so the comparison takes the same time wherever the two differ and
 * whatever their lengths. Neither token is ever logged or echoed.
 */
final class BearerTokenCheck {

    /** Set on a request once it has passed, so the filter and the controller guard check it once. */
    static final String AUTHENTICATED = BearerTokenCheck.class.getName() + ".AUTHENTICATED";

    private static final Logger log = LoggerFactory.getLogger(BearerTokenCheck.class);
    private static final String REALM = "Bearer realm=\"shardsweep-intake\"";

    private final byte[] expectedDigest;
    private final ProblemJsonWriter problems;

    BearerTokenCheck(String apiToken, ProblemJsonWriter problems) {
        this.expectedDigest = sha256(apiToken);
        this.problems = problems;
    }

    /** True if the request carries the token; otherwise the 401 has been written and the request must stop. */
    boolean authenticate(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (Boolean.TRUE.equals(request.getAttribute(AUTHENTICATED))) {
            return true;
        }
        String failure = failure(request);
        if (failure == null) {
            request.setAttribute(AUTHENTICATED, Boolean.TRUE);
            return true;
        }
        log.warn("intake API: refused {} {} from {}: {}", request.getMethod(), TextExcerpt.quoted(request.getRequestURI()),
                request.getRemoteAddr(), failure);
        boolean missing = request.getHeader(HttpHeaders.AUTHORIZATION) == null;
        response.setHeader(HttpHeaders.WWW_AUTHENTICATE, missing ? REALM : REALM + ", error=\"invalid_token\"");
        // The detail is one of a few fixed strings: never the header, let alone the token.
        ProblemDetail problem = ProblemType.UNAUTHORIZED.problem(failure + "; send 'Authorization: Bearer <intake API token>'");
        problem.setInstance(IntakeExceptionHandler.instance(request));
        problems.write(response, problem);
        return false;
    }

    /** Null if the request carries the token, else a fixed description of what is wrong. */
    private String failure(HttpServletRequest request) {
        Enumeration<String> headers = request.getHeaders(HttpHeaders.AUTHORIZATION);
        if (headers == null || !headers.hasMoreElements()) {
            return "no Authorization header";
        }
        String value = headers.nextElement();
        if (headers.hasMoreElements()) {
            return "more than one Authorization header";
        }
        // RFC 9110: the scheme is case-insensitive, followed by one or more spaces and the credentials.
        int space = value.indexOf(' ');
        if (space < 0 || !value.substring(0, space).equalsIgnoreCase("Bearer")) {
            return "the Authorization header is not a Bearer credential";
        }
        String presented = value.substring(space + 1).strip();
        if (presented.isEmpty() || !MessageDigest.isEqual(sha256(presented), expectedDigest)) {
            return "the bearer token is not valid";
        }
        return null;
    }

    private static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
