package io.shardsweep.xxljob;

import com.xxl.job.core.context.XxlJobHelper;
import com.xxl.job.core.handler.annotation.XxlJob;
import io.shardsweep.ShardSweepException;
import io.shardsweep.claim.ShardAssignment;
import io.shardsweep.run.CleanupTrigger;
import io.shardsweep.run.RunParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionException;

/**
 * XXL-JOB handler {@code fileCleanupJob}, meant for a SHARDING_BROADCAST job: each instance cleans
 * the pending rows of the shard the admin gives it. Reads the shard and parameter, runs, reports.
 */
@Component
public class FileCleanupJobHandler {

    private static final Logger log = LoggerFactory.getLogger(FileCleanupJobHandler.class);

    private final CleanupTrigger trigger;
    private final JobParameterParser parameters;

    public FileCleanupJobHandler(CleanupTrigger trigger, JobParameterParser parameters) {
        this.trigger = trigger;
        this.parameters = parameters;
    }

    @XxlJob("fileCleanupJob")
    public void fileCleanupJob() {
        try {
            ShardAssignment shard = new ShardAssignment(XxlJobHelper.getShardIndex(), XxlJobHelper.getShardTotal());
            RunParameters run = parameters.parse(XxlJobHelper.getJobParam());
            CleanupTrigger.Outcome outcome = trigger.execute(shard, run, "xxl-job log " + XxlJobHelper.getLogId(), XxlJobRunLog.INSTANCE);
            if (outcome.success()) {
                XxlJobHelper.handleSuccess(outcome.message());
            } else {
                XxlJobHelper.handleFail(outcome.message());
            }
        } catch (ShardSweepException e) {
            JobFailures.fail(log, e.getMessage(), e);
        } catch (DataAccessException | TransactionException e) {
            JobFailures.fail(log, JobFailures.databaseMessage(e), e);
        } catch (RuntimeException e) {
            JobFailures.fail(log, "unexpected error, the run stopped: " + e, e);
        }
    }
}
