package io.shardsweep.intake.http;

import io.shardsweep.intake.ConditionalOnIntakeEnabled;
import io.shardsweep.intake.IntakeProperties;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import tools.jackson.databind.json.JsonMapper;

/**
 * Wiring of the HTTP intake API ({@link TaskIntakeController}) on the application's web port
 * ({@code server.port}). Present only while {@code shardsweep.intake.enabled} is true (the default);
 * binding {@link IntakeProperties} then refuses to start without a strong {@code shardsweep.intake.api-token}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnIntakeEnabled
@EnableConfigurationProperties(IntakeProperties.class)
public class IntakeConfiguration {

    /** Before anything that reads the request; Spring Security's default order, were it ever added. */
    static final int AUTH_FILTER_ORDER = -100;

    @Bean
    ProblemJsonWriter intakeProblemJsonWriter(JsonMapper jsonMapper) {
        return new ProblemJsonWriter(jsonMapper);
    }

    @Bean
    BearerTokenCheck intakeBearerTokenCheck(IntakeProperties properties, ProblemJsonWriter problems) {
        return new BearerTokenCheck(properties.apiToken(), problems);
    }

    /** The 404 of an unknown path and the 405 of a wrong method under /api, as intake problems. */
    @Bean
    UnmappedApiErrorResolver intakeUnmappedApiErrorResolver(IntakeExceptionHandler problems, ProblemJsonWriter writer) {
        return new UnmappedApiErrorResolver(problems, writer);
    }

    @Bean
    FilterRegistrationBean<BearerTokenFilter> intakeBearerTokenFilter(BearerTokenCheck check) {
        FilterRegistrationBean<BearerTokenFilter> registration = new FilterRegistrationBean<>(new BearerTokenFilter(check));
        registration.setName("intakeBearerTokenFilter");
        registration.addUrlPatterns("/api/*");
        registration.setOrder(AUTH_FILTER_ORDER);
        return registration;
    }

    /**
     * The controller checks the token itself as well, so it stays closed if the filter's URL pattern
     * ever stops matching its paths (a servlet path or context set in front of it, say). A request that
     * passed the filter is not checked twice.
     */
    @Bean
    WebMvcConfigurer intakeAuthenticationGuard(BearerTokenCheck check) {
        HandlerInterceptor guard = new HandlerInterceptor() {
            @Override
            public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) throws Exception {
                return !(handler instanceof HandlerMethod method && method.getBeanType() == TaskIntakeController.class)
                        || check.authenticate(request, response);
            }
        };
        return new WebMvcConfigurer() {
            @Override
            public void addInterceptors(InterceptorRegistry registry) {
                registry.addInterceptor(guard);
            }
        };
    }

    /** Spring Boot adds HttpMessageConverter beans in front of its own; this one only reads intake requests. */
    @Bean
    IntakeJsonConverter intakeJsonConverter(JsonMapper jsonMapper, IntakeProperties properties) {
        return new IntakeJsonConverter(jsonMapper, properties.maxBodySize());
    }
}
