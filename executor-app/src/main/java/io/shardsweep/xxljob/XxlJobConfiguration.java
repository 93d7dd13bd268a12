package io.shardsweep.xxljob;

import io.shardsweep.claim.InstanceIdentity;
import io.shardsweep.config.ShardSweepProperties;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The XXL-JOB edge: the executor server with its two BEAN handlers, and this instance's identity. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(XxlJobProperties.class)
public class XxlJobConfiguration {

    /**
     * The claim owner written on every claimed row: {@code shardsweep.instance-id}, or else host,
     * XXL-JOB port and process id, which tell the instances on one host apart.
     */
    @Bean
    InstanceIdentity instanceIdentity(ShardSweepProperties properties, XxlJobProperties xxlJob) {
        if (properties.instanceId() != null && !properties.instanceId().isBlank()) {
            return new InstanceIdentity(properties.instanceId());
        }
        return new InstanceIdentity(hostName() + ":" + xxlJob.executor().port() + "#" + ManagementFactory.getRuntimeMXBean().getPid());
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
