package io.shardsweep.xxljob;

import com.xxl.job.core.constant.RegistType;
import com.xxl.job.core.executor.XxlJobExecutor;
import com.xxl.job.core.openapi.AdminBiz;
import com.xxl.job.core.openapi.model.RegistryRequest;
import com.xxl.tool.response.Response;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * {@code xxlJobRegistry} health: whether this instance is registered with the admin right now.
 * The 3.3.2 admin has no API to read its registry, so the check sends the same registry beat the
 * executor sends every 30 s (an idempotent upsert), at most once per {@link #CACHE}. Part of the
 * readiness group, not liveness: an unreachable admin is no reason to restart the executor.
 */
@Component("xxlJobRegistry")
@ConditionalOnProperty(prefix = "xxl.job.executor", name = "enabled", havingValue = "true", matchIfMissing = true)
public class XxlJobRegistryHealthIndicator implements HealthIndicator {

    static final Duration CACHE = Duration.ofSeconds(30);

    private final XxlJobProperties properties;
    private final Clock clock;
    private volatile Health last;
    private volatile Instant checkedAt = Instant.MIN;

    public XxlJobRegistryHealthIndicator(XxlJobProperties properties, Clock clock) {
        this.properties = properties;
        this.clock = clock;
    }

    @Override
    public Health health() {
        List<AdminBiz> admins = XxlJobExecutor.getAdminBizList();
        if (admins == null || admins.isEmpty()) {
            // Not cached: before the executor has started (a health check or the metrics refresh
            // during start-up) this says nothing about the admin, and must not stand for 30 s.
            return notStarted();
        }
        Instant now = clock.instant();
        if (last == null || Duration.between(checkedAt, now).compareTo(CACHE) >= 0) {
            last = check(admins);
            checkedAt = now;
        }
        return last;
    }

    private Health notStarted() {
        String addresses = properties.admin().addresses();
        String reason = addresses == null || addresses.isBlank()
                ? "no admin address configured (xxl.job.admin.addresses)"
                : "the XXL-JOB executor has not started yet";
        return Health.down().withDetail("reason", reason).withDetail("appname", properties.executor().appname()).build();
    }

    private Health check(List<AdminBiz> admins) {
        String appname = properties.executor().appname();
        String address = registeredAddress();
        String lastError = null;
        for (AdminBiz admin : admins) {
            try {
                Response<String> response = admin.registry(new RegistryRequest(RegistType.EXECUTOR.name(), appname, address));
                if (response != null && response.isSuccess()) {
                    return Health.up().withDetail("appname", appname).withDetail("address", address).build();
                }
                lastError = response == null ? "no response" : response.getMsg();
            } catch (RuntimeException e) {
                lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
            }
        }
        return Health.down().withDetail("appname", appname).withDetail("address", address)
                .withDetail("error", String.valueOf(lastError)).build();
    }

    String registeredAddress() {
        return ShardSweepXxlJobExecutor.registeredAddress(properties.executor());
    }
}
