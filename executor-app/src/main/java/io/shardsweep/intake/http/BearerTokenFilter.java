package io.shardsweep.intake.http;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Authenticates every request under {@code /api/} before anything else looks at it: before handler
 * lookup (so an unknown path or a wrong method also gets 401, not 404 or 405) and before the body is
 * read. Registered for {@code /api/*} by {@link IntakeConfiguration}.
 */
final class BearerTokenFilter extends OncePerRequestFilter {

    private final BearerTokenCheck check;

    BearerTokenFilter(BearerTokenCheck check) {
        this.check = check;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (check.authenticate(request, response)) {
            chain.doFilter(request, response);
        }
    }
}
