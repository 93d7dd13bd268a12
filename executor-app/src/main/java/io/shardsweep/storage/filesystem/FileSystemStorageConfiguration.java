package io.shardsweep.storage.filesystem;

import io.shardsweep.config.ShardSweepProperties;
import io.shardsweep.delete.ConfinedFileDeleter;
import io.shardsweep.delete.FileDeleter;
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

    @Bean
    FileSystemBackend fileSystemBackend(FileDeleter deleter, @Qualifier("deletePool") ExecutorService deletePool) {
        return new FileSystemBackend(deleter, deletePool);
    }
}
