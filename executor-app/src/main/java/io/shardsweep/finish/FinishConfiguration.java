package io.shardsweep.finish;

import io.shardsweep.config.ShardSweepProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The finisher's part of the settings, so that it sees only what it uses. */
@Configuration(proxyBeanMethods = false)
public class FinishConfiguration {

    @Bean
    RetrySettings retrySettings(ShardSweepProperties properties) {
        return RetrySettings.from(properties);
    }
}
