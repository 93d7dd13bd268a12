package io.shardsweep.xxljob;

import com.xxl.job.core.executor.XxlJobExecutor;
import com.xxl.job.core.handler.annotation.XxlJob;
import com.xxl.job.core.openapi.impl.ExecutorBizImpl;
import com.xxl.job.core.thread.ExecutorRegistryThread;
import com.xxl.job.core.thread.JobLogFileCleanThread;
import com.xxl.job.core.thread.TriggerCallbackThread;
import com.xxl.tool.http.IPTool;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ReflectionUtils;

/**
 * ShardSweep's XXL-JOB executor: xxl-job-core 3.3.2's executor (registry, callbacks, job threads,
 * run logs, kill, timeouts) with three things changed.
 * <ol>
 *   <li>It refuses to start with a blank, publicly known or short access token: with a blank token
 *   xxl-job-core accepts every request, which has been used in the wild to run shell code.</li>
 *   <li>Its HTTP server runs only ShardSweep's BEAN handlers. xxl-job-core has no switch to turn GLUE
 *   off, and its server builds its own dispatcher inside a private method, so this class starts the
 *   server itself ({@link ExecutorServer}) with xxl-job-core's public request handler in front of a
 *   {@link BeanOnlyExecutorBiz}. Everything else is xxl-job-core's own code, started as
 *   {@link XxlJobExecutor#start()} would.</li>
 *   <li>Its failed callbacks (and GLUE sources) are kept under {@code xxl.job.executor.logpath}, in a
 *   folder of this instance; xxl-job-core 3.3.2 keeps them in one folder under its built-in default,
 *   shared by every executor on the host.</li>
 * </ol>
 * What this needs of xxl-job-core beyond its public API is in {@link XxlJobCoreInternals}, which
 * fails the start loudly if xxl-job-core ever changes.
 */
public class ShardSweepXxlJobExecutor extends XxlJobExecutor implements SmartInitializingSingleton, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(ShardSweepXxlJobExecutor.class);
    static final int MIN_TOKEN_LENGTH = 32;
    static final String PUBLIC_DEFAULT_TOKEN = "default_token";

    private final XxlJobProperties properties;
    private final List<Object> handlerBeans;
    private final Set<String> handlerNames = new LinkedHashSet<>();
    private ExecutorServer server;

    public ShardSweepXxlJobExecutor(XxlJobProperties properties, List<Object> handlerBeans) {
        this.properties = properties;
        this.handlerBeans = List.copyOf(handlerBeans);
        checkAccessToken(properties.admin().accessToken());
    }

    /**
     * Refuses what xxl-job-core would accept: no token, one with whitespace or non-printable characters,
     * the documented default, or a guessable one. The messages name the property, never the value.
     */
    public static void checkAccessToken(String token) {
        if (token == null || token.isBlank()) {
            throw new IllegalStateException("xxl.job.admin.accessToken is empty: xxl-job-core would then accept any /run request. "
                    + "Set the same random secret of at least " + MIN_TOKEN_LENGTH + " characters here and as xxl.job.accessToken in the admin.");
        }
        // The intake token's rule: a space, a tab or a non-ASCII character passes a length check but
        // rarely survives the admin's configuration and an HTTP header intact, so such a token starts
        // and then refuses every request as "The access token is wrong". Never echo the value.
        if (!token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalStateException("xxl.job.admin.accessToken must be printable ASCII (0x21-0x7e) without spaces or other"
                    + " whitespace: it is sent as the XXL-JOB-ACCESS-TOKEN header and must equal the admin's xxl.job.accessToken exactly."
                    + " Set a random secret of at least " + MIN_TOKEN_LENGTH + " characters, e.g. openssl rand -hex 24.");
        }
        if (PUBLIC_DEFAULT_TOKEN.equals(token)) {
            throw new IllegalStateException("xxl.job.admin.accessToken is the publicly known 'default_token'. "
                    + "Set a random secret of at least " + MIN_TOKEN_LENGTH + " characters here and in the admin.");
        }
        if (token.length() < MIN_TOKEN_LENGTH) {
            throw new IllegalStateException("xxl.job.admin.accessToken has " + token.length() + " characters; at least "
                    + MIN_TOKEN_LENGTH + " are required (e.g. openssl rand -hex 24).");
        }
    }

    @Override
    public void afterSingletonsInstantiated() {
        for (Object bean : handlerBeans) {
            ReflectionUtils.doWithMethods(bean.getClass(), method -> {
                XxlJob xxlJob = AnnotatedElementUtils.findMergedAnnotation(method, XxlJob.class);
                if (xxlJob != null) {
                    registryJobHandler(xxlJob, bean, method);
                    handlerNames.add(xxlJob.value());
                }
            });
        }
        try {
            start();
        } catch (Exception e) {
            throw new IllegalStateException("XXL-JOB executor did not start: " + e.getMessage(), e);
        }
    }

    @Override
    public void start() throws Exception {
        XxlJobProperties.Admin admin = properties.admin();
        XxlJobProperties.Executor executor = properties.executor();
        XxlJobCoreInternals.Folders folders = XxlJobCoreInternals.useLogPath(executor.logpath(), executor.port());
        XxlJobCoreInternals.initAdminClients(this, admin.addresses(), admin.accessToken(), admin.timeout());
        JobLogFileCleanThread.getInstance().start(executor.logretentiondays());
        TriggerCallbackThread.getInstance().start();
        server = new ExecutorServer(executor.port(), new BeanOnlyExecutorBiz(new ExecutorBizImpl(), handlerNames), admin.accessToken());
        String address = registeredAddress(executor);
        ExecutorRegistryThread.getInstance().start(executor.appname(), address);
        log.info("XXL-JOB executor '{}' listening on port {}, registering {} with {}; BEAN handlers only: {}; run logs in {},"
                        + " failed callbacks kept for retry in {}",
                executor.appname(), executor.port(), address, admin.addresses(), handlerNames, folders.logs(), folders.callbacks());
    }

    @Override
    public void destroy() {
        // Deregister first and stop taking triggers; then xxl-job-core stops the job threads and flushes callbacks.
        ExecutorRegistryThread.getInstance().toStop();
        if (server != null) {
            server.close();
        }
        super.destroy();
    }

    /** The address the admin calls back: the configured one, else http://ip:port/ as xxl-job-core builds it. */
    public static String registeredAddress(XxlJobProperties.Executor executor) {
        if (executor.address() != null && !executor.address().isBlank()) {
            return executor.address();
        }
        String ip = executor.ip() != null && !executor.ip().isBlank() ? executor.ip() : IPTool.getIp();
        return "http://" + IPTool.toAddressString(ip, executor.port()) + "/";
    }
}
