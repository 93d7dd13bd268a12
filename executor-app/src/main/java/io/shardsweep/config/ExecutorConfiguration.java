package io.shardsweep.config;

import io.shardsweep.FixedThreadPool;
import io.shardsweep.claim.InstanceIdentity;
import io.shardsweep.executor.ShardSweepXxlJobExecutor;
import io.shardsweep.job.FileCleanupJobHandler;
import io.shardsweep.job.StaleTaskCompensationJobHandler;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
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

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({ShardSweepProperties.class, XxlJobProperties.class})
public class ExecutorConfiguration {

    @Bean
    @ConditionalOnMissingBean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    InstanceIdentity instanceIdentity(ShardSweepProperties properties, XxlJobProperties xxlJob) {
        if (properties.instanceId() != null && !properties.instanceId().isBlank()) {
            return new InstanceIdentity(properties.instanceId());
        }
        return new InstanceIdentity(hostName() + ":" + xxlJob.executor().port() + "#" + ManagementFactory.getRuntimeMXBean().getPid());
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

    /** ShardSweep's XXL-JOB executor: refuses weak tokens, runs only these BEAN handlers. */
    @Bean
    @ConditionalOnProperty(prefix = "xxl.job.executor", name = "enabled", havingValue = "true", matchIfMissing = true)
    ShardSweepXxlJobExecutor xxlJobExecutor(XxlJobProperties properties, FileCleanupJobHandler cleanup,
                                            StaleTaskCompensationJobHandler compensation) {
        return new ShardSweepXxlJobExecutor(properties, List.of(cleanup, compensation));
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown-host";
        }
    }
}
