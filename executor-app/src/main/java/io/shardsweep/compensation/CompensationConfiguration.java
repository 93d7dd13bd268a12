package io.shardsweep.compensation;

import io.shardsweep.config.ShardSweepProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Compensation's part of the settings, so that it sees only what it uses. */
@Configuration(proxyBeanMethods = false)
public class CompensationConfiguration {

    @Bean
    CompensationSettings compensationSettings(ShardSweepProperties properties) {
        return CompensationSettings.from(properties);
    }
}
