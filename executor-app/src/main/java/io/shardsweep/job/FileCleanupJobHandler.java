package io.shardsweep.job;

import com.xxl.job.core.context.XxlJobHelper;
import com.xxl.job.core.handler.annotation.XxlJob;
import io.shardsweep.ShardSweepException;
import io.shardsweep.claim.ShardAssignment;
import io.shardsweep.run.CleanupRunner;
import io.shardsweep.run.DryRun;
import io.shardsweep.run.JobParameterParser;
import io.shardsweep.run.RunParameters;
import io.shardsweep.run.RunSummary;
import io.shardsweep.run.StopReason;
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

    private final CleanupRunner runner;
    private final DryRun dryRun;
    private final JobParameterParser parameters;

    public FileCleanupJobHandler(CleanupRunner runner, DryRun dryRun, JobParameterParser parameters) {
        this.runner = runner;
        this.dryRun = dryRun;
        this.parameters = parameters;
    }

    @XxlJob("fileCleanupJob")
    public void fileCleanupJob() {
        try {
            ShardAssignment shard = new ShardAssignment(XxlJobHelper.getShardIndex(), XxlJobHelper.getShardTotal());
            RunParameters run = parameters.parse(XxlJobHelper.getJobParam());
            if (run.dryRun()) {
                XxlJobHelper.handleSuccess(dryRun.report(shard, run, XxlJobRunLog.INSTANCE));
                return;
            }
            RunSummary summary = runner.run(shard, run, XxlJobRunLog.INSTANCE);
            XxlJobHelper.log("summary: {}", summary);
            if (summary.stopReason() == StopReason.INTERRUPTED || summary.stopReason() == StopReason.SHUTDOWN) {
                XxlJobHelper.handleFail(summary.toString());
            } else {
                XxlJobHelper.handleSuccess(summary.toString());
            }
        } catch (ShardSweepException e) {
            JobFailures.fail(log, e.getMessage(), e);
        } catch (DataAccessException | TransactionException e) {
            JobFailures.fail(log, JobFailures.databaseMessage(e), e);
        }
    }
}
