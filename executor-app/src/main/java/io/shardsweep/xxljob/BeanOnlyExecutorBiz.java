package io.shardsweep.xxljob;

import com.xxl.job.core.context.XxlJobContext;
import com.xxl.job.core.glue.GlueTypeEnum;
import com.xxl.job.core.openapi.ExecutorBiz;
import com.xxl.job.core.openapi.model.IdleBeatRequest;
import com.xxl.job.core.openapi.model.KillRequest;
import com.xxl.job.core.openapi.model.LogRequest;
import com.xxl.job.core.openapi.model.LogResult;
import com.xxl.job.core.openapi.model.TriggerRequest;
import com.xxl.tool.response.Response;
import io.shardsweep.TextExcerpt;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executor API with one rule added in front of xxl-job-core's own implementation: a trigger
 * runs only if it is a BEAN trigger of a handler ShardSweep registered. xxl-job-core 3.3.2 would
 * compile a GLUE_GROOVY source or write and execute a GLUE_SHELL/PYTHON/NODEJS/PHP/POWERSHELL
 * script sent by anyone who holds the access token; here those never reach it.
 */
final class BeanOnlyExecutorBiz implements ExecutorBiz {

    private static final Logger log = LoggerFactory.getLogger(BeanOnlyExecutorBiz.class);

    private final ExecutorBiz delegate;
    private final Set<String> handlers;

    BeanOnlyExecutorBiz(ExecutorBiz delegate, Set<String> handlers) {
        this.delegate = delegate;
        this.handlers = Set.copyOf(handlers);
    }

    @Override
    public Response<String> run(TriggerRequest trigger) {
        if (GlueTypeEnum.match(trigger.getGlueType()) != GlueTypeEnum.BEAN) {
            // The source is attacker-controlled: log its type and job, never its content.
            log.warn("Refused a {} trigger for job {} (log {}): this executor runs only BEAN handlers",
                    TextExcerpt.quoted(trigger.getGlueType()), trigger.getJobId(), trigger.getLogId());
            return Response.of(XxlJobContext.HANDLE_CODE_FAIL, "ShardSweep executor runs only its BEAN handlers " + handlers
                    + "; glueType " + TextExcerpt.quoted(trigger.getGlueType()) + " is refused");
        }
        if (!handlers.contains(trigger.getExecutorHandler())) {
            return Response.of(XxlJobContext.HANDLE_CODE_FAIL, "job handler [" + TextExcerpt.quoted(trigger.getExecutorHandler())
                    + "] not found; this executor has " + handlers);
        }
        return delegate.run(trigger);
    }

    @Override
    public Response<String> beat() {
        return delegate.beat();
    }

    @Override
    public Response<String> idleBeat(IdleBeatRequest request) {
        return delegate.idleBeat(request);
    }

    @Override
    public Response<String> kill(KillRequest request) {
        return delegate.kill(request);
    }

    @Override
    public Response<LogResult> log(LogRequest request) {
        return delegate.log(request);
    }

}
