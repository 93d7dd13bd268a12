package io.shardsweep.intake.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

import io.shardsweep.intake.IntakeMapper;
import io.shardsweep.intake.IntakeProperties;
import io.shardsweep.intake.TaskIntake;
import io.shardsweep.requeue.RequeueMapper;
import io.shardsweep.requeue.TaskRequeuer;
import io.shardsweep.storage.StorageBackend;
import io.shardsweep.storage.filesystem.FileDeleter;
import io.shardsweep.storage.filesystem.FileSystemBackend;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.ExecutorService;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

/** Startup of the intake API's wiring alone, without a database. */
class IntakeConfigurationTest {

    private static final String STRONG = "0123456789abcdef0123456789abcdef-startup";

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class))
            .withUserConfiguration(Collaborators.class, IntakeConfiguration.class, TaskIntake.class, TaskIntakeController.class,
                    IntakeExceptionHandler.class);

    @Test
    void a_weak_token_stops_startup_with_a_cause_that_names_the_property_and_never_the_token() {
        String weak = "weak-but-secret-token";

        runner.withPropertyValues("shardsweep.intake.api-token=" + weak).run(context -> {
            assertThat(context).hasFailed();
            Throwable failure = context.getStartupFailure();
            StringWriter trace = new StringWriter();
            failure.printStackTrace(new PrintWriter(trace));
            assertThat(trace.toString()).contains("shardsweep.intake.api-token is shorter than 32 characters").doesNotContain(weak);
        });
    }

    @Test
    void a_missing_token_stops_startup_with_a_cause_that_names_the_property() {
        runner.run(context -> {
            assertThat(context).hasFailed();
            StringWriter trace = new StringWriter();
            context.getStartupFailure().printStackTrace(new PrintWriter(trace));
            assertThat(trace.toString()).contains("shardsweep.intake.api-token must be set");
        });
    }

    @Test
    void with_the_api_disabled_nothing_of_it_is_registered_and_no_token_is_needed() {
        runner.withPropertyValues("shardsweep.intake.enabled=false").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean(IntakeProperties.class).doesNotHaveBean(TaskIntakeController.class)
                    .doesNotHaveBean(TaskIntake.class).doesNotHaveBean(IntakeExceptionHandler.class)
                    .doesNotHaveBean(BearerTokenCheck.class).doesNotHaveBean(IntakeJsonConverter.class)
                    .doesNotHaveBean(FilterRegistrationBean.class);
        });
    }

    @Test
    void without_a_web_server_the_api_is_absent_and_needs_no_token() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class))
                .withUserConfiguration(Collaborators.class, IntakeConfiguration.class, TaskIntake.class, TaskIntakeController.class)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).doesNotHaveBean(IntakeProperties.class).doesNotHaveBean(TaskIntakeController.class);
                });
    }

    @Test
    void with_the_api_enabled_the_bearer_filter_is_registered_for_every_path_under_api() {
        runner.withPropertyValues("shardsweep.intake.api-token=" + STRONG).run(context -> {
            assertThat(context).hasNotFailed();
            FilterRegistrationBean<?> filter = context.getBean("intakeBearerTokenFilter", FilterRegistrationBean.class);
            assertThat(filter.getFilter()).isInstanceOf(BearerTokenFilter.class);
            assertThat(filter.getUrlPatterns()).containsExactly("/api/*");
        });
    }

    /** What the application context gives TaskIntake (a mapper, a transaction manager, the storage backend); unused here. */
    @Configuration(proxyBeanMethods = false)
    static class Collaborators {
        @Bean
        IntakeMapper intakeMapper() {
            return mock(IntakeMapper.class);
        }

        @Bean
        TaskRequeuer taskRequeuer() {
            return new TaskRequeuer(mock(RequeueMapper.class));
        }

        @Bean
        PlatformTransactionManager transactionManager() {
            return mock(PlatformTransactionManager.class);
        }

        @Bean
        StorageBackend storageBackend() {
            return new FileSystemBackend(mock(FileDeleter.class), mock(ExecutorService.class), 16);
        }
    }
}
