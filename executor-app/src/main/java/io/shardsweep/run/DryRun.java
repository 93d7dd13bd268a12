package io.shardsweep.run;

import io.shardsweep.claim.ClaimedTask;
import io.shardsweep.claim.ShardAssignment;
import io.shardsweep.claim.TaskClaimer;
import io.shardsweep.storage.PathRefusedException;
import io.shardsweep.storage.StorageBackend;
import io.shardsweep.storage.UnreadablePath;
import org.springframework.stereotype.Service;

/** Reports what a cleanup run of a shard would claim and delete, and changes nothing. */
@Service
public class DryRun {

    static final int SAMPLE = 20;

    private final TaskClaimer claimer;
    private final StorageBackend storage;

    public DryRun(TaskClaimer claimer, StorageBackend storage) {
        this.claimer = claimer;
        this.storage = storage;
    }

    public String report(ShardAssignment shard, RunParameters parameters, RunLog runLog) {
        TaskClaimer.Preview preview = claimer.preview(shard, Math.min(SAMPLE, parameters.batchSize()), parameters.sweepAfter());
        String sweep = sweepLine(shard, parameters, preview);
        runLog.log("dry run of shard {}: {} due rows would be claimed, {} per batch{}; nothing is changed", shard,
                preview.dueCount(), parameters.batchSize(), sweep);
        int refused = 0;
        for (ClaimedTask task : preview.sample()) {
            String refusal = refusal(task);
            if (refusal != null) {
                refused++;
            }
            runLog.log("  id={} attempts={}: {}", task.id(), task.attempts(),
                    refusal == null ? "would delete " + task.filePath().text() : "would refuse (row goes DEAD): " + refusal);
        }
        return "dry run of shard " + shard + ": " + preview.dueCount() + " due rows" + sweep + "; " + refused + " of the first "
                + preview.sample().size() + " would be refused; nothing changed";
    }

    /** Why a run would refuse the row's path, as the backend's path rules say; null if it would not. */
    private String refusal(ClaimedTask task) {
        if (!task.filePath().isValidUtf8()) {
            return UnreadablePath.refusal(task);
        }
        try {
            storage.checkPath(task.filePath().text());
            return null;
        } catch (PathRefusedException e) {
            return e.getMessage();
        }
    }

    /** The sweep that would follow, if this run sweeps at all. */
    private static String sweepLine(ShardAssignment shard, RunParameters parameters, TaskClaimer.Preview preview) {
        if (!parameters.sweeps() || shard.total() == 1) {
            return "";
        }
        return ", then " + preview.overdueElsewhere() + " rows of other shards, due for more than "
                + parameters.sweepAfter().toSeconds() + "s, would be swept";
    }
}
