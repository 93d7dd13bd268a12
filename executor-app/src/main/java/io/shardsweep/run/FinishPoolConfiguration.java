package io.shardsweep.run;

import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ExecutorServiceMetrics;
import io.shardsweep.FixedThreadPool;
import io.shardsweep.config.ShardSweepProperties;
import java.util.List;
import java.util.concurrent.ExecutorService;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The finish pool: pipelined runs write a batch's results (history move, retries, DEAD) on it while
 * their job thread claims and deletes the next batch. Each run has at most one finish on it at a time.
 */
@Configuration(proxyBeanMethods = false)
class FinishPoolConfiguration {

    /**
     * {@code shardsweep.finish-pool-size} threads, started with the application (a thread created
     * lazily by a run would inherit that run's XXL-JOB context). It closes after {@link RunRegistry}
     * has stopped the runs; a finish it refuses runs on the run's own thread.
     */
    @Bean(destroyMethod = "shutdown")
    ExecutorService finishPool(ShardSweepProperties properties) {
        return FixedThreadPool.started("shardsweep-finish", properties.finishPoolSize());
    }

    /** Micrometer's executor meters of the pool: {@code executor_active_threads{name="shardsweep.finish"}} and the rest. */
    @Bean
    MeterBinder finishPoolMetrics(@Qualifier("finishPool") ExecutorService finishPool) {
        return new ExecutorServiceMetrics(finishPool, "shardsweep.finish", List.of());
    }
}
