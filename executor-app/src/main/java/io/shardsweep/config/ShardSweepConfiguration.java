package io.shardsweep.config;

import java.time.Clock;
import java.time.Duration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.retry.RetryPolicy;
import org.springframework.core.retry.RetryTemplate;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.TransactionSystemException;

/** Beans every part shares: the clock, the database retry, the {@code shardsweep.*} settings. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ShardSweepProperties.class)
public class ShardSweepConfiguration {

    @Bean
    @ConditionalOnMissingBean
    Clock clock() {
        return Clock.systemUTC();
    }

    /**
     * Retries a claim, and a batch's finishing statements, through a short database hiccup: a lost
     * deadlock, a lock wait timeout, a dropped connection. About 4 s in all, then the run fails.
     */
    @Bean
    RetryTemplate databaseRetry() {
        return new RetryTemplate(RetryPolicy.builder()
                // A connection dropped mid-transaction also fails its rollback: TransactionSystemException.
                .includes(TransientDataAccessException.class, RecoverableDataAccessException.class,
                        DataAccessResourceFailureException.class, TransactionSystemException.class,
                        CannotCreateTransactionException.class)
                .maxRetries(4)
                .delay(Duration.ofMillis(250))
                .multiplier(2)
                .maxDelay(Duration.ofSeconds(4))
                .build());
    }
}
