package io.shardsweep.storage.filesystem;

import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ExecutorServiceMetrics;
import io.shardsweep.FixedThreadPool;
import io.shardsweep.config.ShardSweepProperties;
import java.util.List;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The filesystem backend, today's and the default: {@code shardsweep.storage.type=filesystem}. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "shardsweep.storage.type", havingValue = "filesystem", matchIfMissing = true)
public class FileSystemStorageConfiguration {

    private static final Logger log = LoggerFactory.getLogger(FileSystemStorageConfiguration.class);

    /** The only place files are deleted; its start-up line names the directory it was given. */
    @Bean
    ConfinedFileDeleter fileDeleter(ShardSweepProperties properties) {
        ConfinedFileDeleter deleter = new ConfinedFileDeleter(properties.storageRootPath());
        log.info("storage root: {} (deleting with {})", deleter.root(), deleter.mechanism());
        if (deleter.fallbackReason() != null) {
            log.warn("storage root: using the portable deletion walk: {}", deleter.fallbackReason());
        }
        return deleter;
    }

    /**
     * The bounded pool all cleanup runs of this instance share, so that concurrent runs together
     * never exceed {@code shardsweep.delete-pool-size}. Threads start with the application: a pool
     * thread created lazily by a run would inherit that run's XXL-JOB context.
     */
    @Bean(destroyMethod = "shutdown")
    ExecutorService deletePool(ShardSweepProperties properties) {
        return FixedThreadPool.started("shardsweep-delete", properties.deletePoolSize());
    }

    /** Micrometer's executor meters of the pool: {@code executor_active_threads{name="shardsweep.delete"}} and the rest. */
    @Bean
    MeterBinder deletePoolMetrics(@Qualifier("deletePool") ExecutorService deletePool) {
        return new ExecutorServiceMetrics(deletePool, "shardsweep.delete", List.of());
    }

    @Bean
    FileSystemBackend fileSystemBackend(FileDeleter deleter, @Qualifier("deletePool") ExecutorService deletePool,
            ShardSweepProperties properties) {
        return new FileSystemBackend(deleter, deletePool, properties.deleteChunkSize());
    }
}
