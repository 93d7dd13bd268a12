package io.shardsweep.startup;

import io.shardsweep.config.ShardSweepProperties;
import io.shardsweep.intake.IntakeProperties;
import io.shardsweep.storage.StorageProperties;
import io.shardsweep.storage.s3.S3Properties;
import io.shardsweep.xxljob.ShardSweepXxlJobExecutor;
import io.shardsweep.xxljob.XxlJobProperties;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.Ordered;
import org.springframework.web.context.WebApplicationContext;

/**
 * Binds and checks every ShardSweep setting before the application context creates a single bean,
 * so that a refused start has not opened a database connection, run a Flyway migration or
 * registered with the admin first.
 *
 * <p>Why an initializer: the same records are bound again as beans later, but bean creation order
 * is not something to rely on; the access token, for one, was checked only when the executor bean
 * was created, after its handlers, their mappers, the DataSource and Flyway. Making Flyway depend on
 * the properties beans would cover Flyway only, not the pool or whatever else touches the database
 * first. An initializer runs once the environment is complete (every property source, profile and
 * placeholder) and before the refresh, binds with Boot's own {@link Binder}, and lets its
 * {@code BindException} through to {@link InvalidSettingsFailureAnalyzer}.
 *
 * <p>Each record is checked under the condition it is used under: the storage root and the S3
 * settings under their {@code shardsweep.storage.type}, the intake API's settings while it
 * is enabled in a web application ({@code ConditionalOnIntakeEnabled}), the access-token policy while
 * the XXL-JOB executor is enabled.
 */
public class SettingsCheck implements ApplicationContextInitializer<ConfigurableApplicationContext>, Ordered {

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        Binder binder = Binder.get(context.getEnvironment());
        ShardSweepProperties shardSweep = binder.bindOrCreate("shardsweep", Bindable.of(ShardSweepProperties.class));
        StorageProperties storage = binder.bindOrCreate("shardsweep.storage", Bindable.of(StorageProperties.class));
        if (storage.type() == StorageProperties.Type.FILESYSTEM) {
            requireDirectory(shardSweep.storageRootPath());
        } else {
            S3Properties s3 = binder.bindOrCreate("shardsweep.s3", Bindable.of(S3Properties.class));
            try {
                s3.requireWithinGrace(shardSweep.inFlightGrace());
            } catch (IllegalArgumentException e) {
                throw new InvalidSettingsException(e.getMessage(), e);
            }
        }
        XxlJobProperties xxlJob = binder.bindOrCreate("xxl.job", Bindable.of(XxlJobProperties.class));
        if (context instanceof WebApplicationContext
                && context.getEnvironment().getProperty("shardsweep.intake.enabled", Boolean.class, true)) {
            binder.bindOrCreate("shardsweep.intake", Bindable.of(IntakeProperties.class));
        }
        if (xxlJob.executor().enabled()) {
            try {
                ShardSweepXxlJobExecutor.checkAccessToken(xxlJob.admin().accessToken());
            } catch (IllegalStateException e) {
                throw new InvalidSettingsException(e.getMessage(), e);
            }
        }
    }

    /**
     * The storage root must exist before anything starts: the deleter would refuse it only when its
     * bean is created, which may come after the pool and Flyway have touched the database.
     */
    private static void requireDirectory(Path root) {
        if (!Files.isDirectory(root)) {
            throw new InvalidSettingsException("shardsweep.storage-root (" + root + ") is not an existing directory;"
                    + " create it, or point shardsweep.storage-root at the directory the executor may delete inside", null);
        }
    }

    /** After Boot's own initializers, which only register listeners and ids; nothing here needs to run first. */
    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }
}
