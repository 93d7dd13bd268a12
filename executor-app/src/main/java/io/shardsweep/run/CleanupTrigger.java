package io.shardsweep.run;

import io.shardsweep.claim.ShardAssignment;
import io.shardsweep.requeue.TaskRequeuer;
import org.springframework.stereotype.Service;

/**
 * What one {@code fileCleanupJob} trigger does, in order: requeue what the operator asked for,
 * then either report (dry run) or clean the shard. The XXL-JOB handler and the local demo both
 * come through here.
 */
@Service
public class CleanupTrigger {

    private final TaskRequeuer requeuer;
    private final DryRun dryRun;
    private final CleanupRunner runner;

    public CleanupTrigger(TaskRequeuer requeuer, DryRun dryRun, CleanupRunner runner) {
        this.requeuer = requeuer;
        this.dryRun = dryRun;
        this.runner = runner;
    }

    /** The result for the admin: a failure is a run that could not do its work. */
    public record Outcome(boolean success, String message, RunSummary summary) {
    }

    public Outcome execute(ShardAssignment shard, RunParameters parameters, String requestedBy, RunLog runLog) {
        String requeued = requeue(shard, parameters, requestedBy, runLog);
        if (parameters.dryRun()) {
            return new Outcome(true, requeued + dryRun.report(shard, parameters, runLog), null);
        }
        RunSummary summary = runner.run(shard, parameters, runLog);
        runLog.log("summary: {}", summary);
        return new Outcome(!summary.stopReason().cutShort(), requeued + summary, summary);
    }

    private String requeue(ShardAssignment shard, RunParameters parameters, String requestedBy, RunLog runLog) {
        StringBuilder done = new StringBuilder();
        if (!parameters.requeueIds().isEmpty()) {
            int count = parameters.dryRun()
                    ? requeuer.countRequeueableIds(shard, parameters.requeueIds())
                    : requeuer.requeueIds(shard, parameters.requeueIds(), requestedBy);
            String line = (parameters.dryRun() ? "would requeue " : "requeued ") + count + " of the "
                    + parameters.requeueIds().size() + " listed ids (those of shard " + shard + " that are DEAD or PENDING)";
            runLog.log(line);
            done.append(line).append("; ");
        }
        if (parameters.requeueDead()) {
            long count = parameters.dryRun() ? requeuer.countDead(shard) : requeuer.requeueDead(shard, requestedBy);
            String line = (parameters.dryRun() ? "would requeue " : "requeued ") + count + " DEAD rows of shard " + shard;
            runLog.log(line);
            done.append(line).append("; ");
        }
        return done.toString();
    }
}
