package io.shardsweep.intake.http;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;

/**
 * Answers with an intake problem the errors Spring MVC raises for a path under {@code /api} before any
 * intake handler is chosen: an unknown path (404) and a known path with another method (405). The
 * {@link IntakeExceptionHandler} advice cannot see these (it applies to {@link TaskIntakeController},
 * and there is no controller yet), and Spring Boot's error page would answer them with its own JSON.
 * Everything else, and every path outside {@code /api}, is left to Spring (this resolver returns null).
 */
final class UnmappedApiErrorResolver implements HandlerExceptionResolver, Ordered {

    private static final Logger log = LoggerFactory.getLogger(UnmappedApiErrorResolver.class);

    private final IntakeExceptionHandler problems;
    private final ProblemJsonWriter writer;

    UnmappedApiErrorResolver(IntakeExceptionHandler problems, ProblemJsonWriter writer) {
        this.problems = problems;
        this.writer = writer;
    }

    /** Before Spring MVC's own resolvers (order 0), after Boot's DefaultErrorAttributes, which only records the error. */
    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE + 10;
    }

    @Override
    public ModelAndView resolveException(HttpServletRequest request, HttpServletResponse response, Object handler, Exception ex) {
        if (!underApi(request) || handler instanceof HandlerMethod method && method.getBeanType() == TaskIntakeController.class
                || response.isCommitted()) {
            return null;
        }
        ResponseEntity<Object> answer;
        try {
            answer = problems.handleException(ex, new ServletWebRequest(request, response));
        } catch (Exception notSpringMvcs) {
            return null; // not one of Spring MVC's exceptions: Spring's own handling, as before
        }
        if (answer == null || !(answer.getBody() instanceof ProblemDetail problem)) {
            return null;
        }
        try {
            answer.getHeaders().forEach((name, values) -> values.forEach(value -> response.addHeader(name, value)));
            writer.write(response, problem);
        } catch (IOException e) {
            log.debug("intake API: could not write the {} problem (client gone?): {}", problem.getStatus(), e.toString());
        }
        return new ModelAndView();
    }

    private static boolean underApi(HttpServletRequest request) {
        String path = request.getRequestURI().substring(Math.min(request.getContextPath().length(), request.getRequestURI().length()));
        return path.equals("/api") || path.startsWith("/api/");
    }
}
