package io.shardsweep.xxljob;

import com.xxl.job.core.context.XxlJobHelper;
import com.xxl.job.core.handler.annotation.XxlJob;
import io.shardsweep.compensation.CompensationSummary;
import io.shardsweep.compensation.StaleTaskCompensator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionException;

/**
 * XXL-JOB handler {@code staleTaskCompensationJob}: returns rows whose executor died mid-run.
 * One instance per run is enough (route FIRST or ROUND); running it on several is harmless.
 */
@Component
public class StaleTaskCompensationJobHandler {

    private static final Logger log = LoggerFactory.getLogger(StaleTaskCompensationJobHandler.class);

    private final StaleTaskCompensator compensator;

    public StaleTaskCompensationJobHandler(StaleTaskCompensator compensator) {
        this.compensator = compensator;
    }

    @XxlJob("staleTaskCompensationJob")
    public void staleTaskCompensationJob() {
        String parameter = XxlJobHelper.getJobParam();
        if (parameter != null && !parameter.isBlank()) {
            JobFailures.fail(log, "staleTaskCompensationJob takes no executor parameter; clear it in the job settings. Nothing was changed.", null);
            return;
        }
        try {
            CompensationSummary summary = compensator.compensate(changed -> XxlJobHelper.log("page: {} stale rows", changed));
            XxlJobHelper.log("compensation: {}", summary);
            log.info("Compensation finished: {}", summary);
            XxlJobHelper.handleSuccess(summary.toString());
        } catch (DataAccessException | TransactionException e) {
            JobFailures.fail(log, JobFailures.databaseMessage(e), e);
        }
    }
}
