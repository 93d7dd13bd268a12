package io.shardsweep.claim;

import io.shardsweep.config.ShardSweepProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The claim's part of the settings, so that its classes see only what they use. */
@Configuration(proxyBeanMethods = false)
public class ClaimConfiguration {

    @Bean
    LeaseSettings leaseSettings(ShardSweepProperties properties) {
        return LeaseSettings.from(properties);
    }
}
