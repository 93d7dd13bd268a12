package io.shardsweep.testsupport;

import com.xxl.job.core.constant.Const;
import com.xxl.job.core.glue.GlueTypeEnum;
import com.xxl.job.core.openapi.ExecutorBiz;
import com.xxl.job.core.openapi.model.KillRequest;
import com.xxl.job.core.openapi.model.TriggerRequest;
import com.xxl.tool.http.HttpTool;
import com.xxl.tool.response.Response;

/**
 * Drives an executor's embedded server exactly as xxl-job-admin 3.3.2 does
 * ({@code XxlJobAdminBootstrap#getExecutorBiz}): xxl-tool's HTTP client proxy of {@link ExecutorBiz},
 * POSTing JSON to {@code {executorAddress}/run|kill|beat} with the {@code XXL-JOB-ACCESS-TOKEN} header.
 */
public final class AdminTriggerClient {

    private final ExecutorBiz executorBiz;

    /**
     * @param executorAddress e.g. {@code http://127.0.0.1:9999/} (a trailing slash is fine)
     * @param accessToken     the token the executor was configured with
     */
    public AdminTriggerClient(String executorAddress, String accessToken) {
        this.executorBiz = HttpTool.createClient()
                .url(executorAddress)
                .timeout(3000)
                .header(Const.XXL_JOB_ACCESS_TOKEN, accessToken)
                .proxy(ExecutorBiz.class);
    }

    public Response<String> run(TriggerRequest trigger) {
        return executorBiz.run(trigger);
    }

    public Response<String> kill(int jobId) {
        return executorBiz.kill(new KillRequest(jobId));
    }

    public Response<String> beat() {
        return executorBiz.beat();
    }

    /** A trigger as the admin's JobTrigger builds it for a BEAN job on shard {@code shardIndex} of {@code shardTotal}. */
    public static TriggerRequest beanTrigger(int jobId, String handler, String param, long logId,
                                             int shardIndex, int shardTotal,
                                             int executorTimeoutSeconds, String blockStrategy) {
        long now = System.currentTimeMillis();
        TriggerRequest t = new TriggerRequest();
        t.setJobId(jobId);
        t.setExecutorHandler(handler);
        t.setExecutorParams(param);
        t.setExecutorBlockStrategy(blockStrategy);
        t.setExecutorTimeout(executorTimeoutSeconds);
        t.setLogId(logId);
        t.setLogDateTime(now);
        t.setGlueType(GlueTypeEnum.BEAN.name());
        t.setGlueSource(null);
        t.setGlueUpdatetime(now);
        t.setBroadcastIndex(shardIndex);
        t.setBroadcastTotal(shardTotal);
        return t;
    }
}
