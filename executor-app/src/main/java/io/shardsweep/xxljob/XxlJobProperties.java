package io.shardsweep.xxljob;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The standard XXL-JOB executor settings, bound from the property names that the official
 * samples use ({@code xxl.job.admin.addresses}, {@code xxl.job.admin.accessToken},
 * {@code xxl.job.executor.appname}, ...), so that an operator's existing configuration applies as is.
 */
@ConfigurationProperties("xxl.job")
public record XxlJobProperties(@DefaultValue Admin admin, @DefaultValue Executor executor) {

    /**
     * @param addresses comma-separated admin base URLs, e.g. {@code http://admin:8080/xxl-job-admin}
     * @param accessToken shared secret; the executor rejects requests that do not carry it
     * @param timeout seconds for calls to the admin (registry, callback), 1 to 10
     */
    public record Admin(String addresses, String accessToken, @DefaultValue("3") int timeout) {
        public Admin {
            // xxl-job-core silently replaces a timeout outside 1..10 with 3.
            if (timeout < 1 || timeout > 10) {
                throw new IllegalArgumentException("xxl.job.admin.timeout must be between 1 and 10 seconds, got " + timeout);
            }
        }

        /** Without the token: records print every component, and property objects do get logged. */
        @Override
        public String toString() {
            return "Admin[addresses=" + addresses + ", accessToken=" + (accessToken == null ? "<unset>" : "<hidden>")
                    + ", timeout=" + timeout + "]";
        }
    }

    /**
     * @param enabled start the embedded executor server and registry
     * @param appname executor group name registered with the admin
     * @param address address registered with the admin; defaults to {@code http://ip:port/}
     * @param ip ip registered with the admin; the server still listens on every interface
     * @param port port of the embedded executor server
     * @param logpath run logs the admin console reads, and failed callbacks kept for retry
     * @param logretentiondays days run logs are kept
     */
    public record Executor(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("shardsweep-executor") String appname,
            String address,
            String ip,
            @DefaultValue("9999") int port,
            @DefaultValue("./data/applogs/xxl-job/jobhandler") String logpath,
            @DefaultValue("30") int logretentiondays) {
        public Executor {
            // Also the name of this instance's failed-callback folder under logpath (callbacklogs/port-<port>).
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("xxl.job.executor.port must be between 1 and 65535, got " + port);
            }
            if (logpath == null || logpath.isBlank()) {
                throw new IllegalArgumentException("xxl.job.executor.logpath must be set: run logs and failed callbacks are kept there");
            }
        }
    }
}
