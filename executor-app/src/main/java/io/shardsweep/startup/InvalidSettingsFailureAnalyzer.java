package io.shardsweep.startup;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.Ordered;
import org.springframework.core.convert.ConversionFailedException;

/**
 * Reports a refused ShardSweep or XXL-JOB setting as one block that names the property and the rule:
 * an {@link InvalidSettingsException}, or any failure to bind {@code shardsweep.*} or {@code xxl.job.*}
 * (a record's own check, a value of the wrong type), whenever it happens.
 *
 * <p>It runs before Boot's own {@code BindFailureAnalyzer}, which would print the bound value of the
 * property it names, and that may be a token. This one never prints a value of its own: the reason
 * comes from the checks, whose messages name the rule only, or from a failed conversion, which can only
 * fail for typed (number, duration, size, boolean) settings, never for a secret.
 */
public class InvalidSettingsFailureAnalyzer implements FailureAnalyzer, Ordered {

    static final String ACTION = "Fix the setting named above, in application.yml, as a --name=value argument, or through its"
            + " environment variable (shardsweep.storage-root is SHARDSWEEP_STORAGE_ROOT, xxl.job.admin.accessToken is"
            + " XXL_JOB_ADMIN_ACCESSTOKEN), then start again.";

    @Override
    public FailureAnalysis analyze(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof InvalidSettingsException refused) {
                return new FailureAnalysis("ShardSweep refused to start: " + refused.getMessage(), ACTION, failure);
            }
            if (t instanceof BindException bind && isOurs(bind)) {
                return new FailureAnalysis("ShardSweep refused to start: " + describe(bind), ACTION, failure);
            }
        }
        return null;
    }

    private static boolean isOurs(BindException bind) {
        String name = bind.getName() == null ? "" : bind.getName().toString();
        return name.equals("shardsweep") || name.startsWith("shardsweep.") || name.equals("xxl.job") || name.startsWith("xxl.job.");
    }

    private static String describe(BindException bind) {
        // The record's own check, or the conversion that failed ("Failed to convert from type ... to type
        // [int] for value [lots]"), whose cause ("For input string") says less.
        Throwable reason = bind;
        while (reason.getCause() != null && reason.getCause() != reason && !(reason instanceof ConversionFailedException)) {
            reason = reason.getCause();
        }
        String message = reason == bind || reason.getMessage() == null ? bind.getMessage() : reason.getMessage();
        ConfigurationProperty property = bind.getProperty();
        if (property == null || !(reason instanceof ConversionFailedException)) {
            // A record's own check names its property(ies); the property Boot was binding last may be another one.
            return message;
        }
        return property.getName() + ": " + message + (property.getOrigin() == null ? "" : " (from " + property.getOrigin() + ")");
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
