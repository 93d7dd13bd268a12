package io.shardsweep.intake;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;

/**
 * Present only while {@code shardsweep.intake.enabled} is true (the default) and the application is a
 * servlet web application (without a web server there is nothing to serve the API on). Every bean of
 * the intake API carries it, including the component-scanned controller and service, so that
 * {@code shardsweep.intake.enabled=false} leaves no endpoint, filter or token check behind.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnProperty(prefix = "shardsweep.intake", name = "enabled", havingValue = "true", matchIfMissing = true)
public @interface ConditionalOnIntakeEnabled {
}
