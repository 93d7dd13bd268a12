package io.shardsweep.run;

import io.shardsweep.claim.ShardAssignment;
import io.shardsweep.finish.FinishSummary;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** The counts of one cleanup run as its batches are claimed and finished; becomes its {@link RunSummary}. */
final class RunTally {

    private final ShardAssignment shard;
    private int batches;
    private int claimed;
    private int swept;
    /** Swept rows by {@code id % total}: which shards were stranded. */
    private final Map<Integer, Integer> sweptByShard = new TreeMap<>();
    private int deleted;
    private int alreadyAbsent;
    private int failed;
    private int dead;
    private int released;
    private int lostClaims;

    RunTally(ShardAssignment shard) {
        this.shard = shard;
    }

    /** A batch of {@code ids} was claimed, from this shard or, when {@code swept}, from overdue rows of others. */
    void claimed(List<Long> ids, boolean swept) {
        batches++;
        claimed += ids.size();
        if (swept) {
            this.swept += ids.size();
            ids.forEach(id -> sweptByShard.merge((int) (id % shard.total()), 1, Integer::sum));
        }
    }

    void finished(FinishSummary finished) {
        deleted += finished.deleted();
        alreadyAbsent += finished.alreadyAbsent();
        failed += finished.retryScheduled();
        dead += finished.dead();
        released += finished.released();
        lostClaims += finished.lostClaims();
    }

    /** Rows whose deletion has an outcome: deleted, already absent, failed or dead. */
    int files() {
        return deleted + alreadyAbsent + failed + dead;
    }

    int swept() {
        return swept;
    }

    /** e.g. {@code 1/3} or {@code 1/3 (300), 2/3 (40)}. */
    String sweptShards() {
        if (sweptByShard.size() == 1) {
            return sweptByShard.keySet().iterator().next() + "/" + shard.total();
        }
        return sweptByShard.entrySet().stream().map(e -> e.getKey() + "/" + shard.total() + " (" + e.getValue() + ")")
                .collect(Collectors.joining(", "));
    }

    /** For the run log's progress lines, e.g. {@code claimed=500 deleted=498 already_absent=0 failed=2 dead=0 released=0}. */
    String progress() {
        return "claimed=" + claimed + " deleted=" + deleted + " already_absent=" + alreadyAbsent + " failed=" + failed
                + " dead=" + dead + " released=" + released;
    }

    RunSummary summary(String runId, Duration took, StopReason stop) {
        return new RunSummary(runId, shard, batches, claimed, deleted, alreadyAbsent, failed, dead, released, lostClaims,
                swept, took, stop);
    }
}
