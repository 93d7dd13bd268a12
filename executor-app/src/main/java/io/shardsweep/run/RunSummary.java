package io.shardsweep.run;

import io.shardsweep.claim.ShardAssignment;
import java.time.Duration;
import java.util.Locale;

/**
 * What one cleanup run did. {@code failed} rows were scheduled for a retry, {@code dead} were
 * parked, {@code released} were claimed but never started and went back untouched, and
 * {@code lostClaims} were taken over before this instance could finish them. {@code swept} is the part of
 * {@code claimed} that was taken from other shards, overdue, after this run drained its own.
 */
public record RunSummary(String runId, ShardAssignment shard, int batches, int claimed, int deleted, int alreadyAbsent,
                         int failed, int dead, int released, int lostClaims, int swept, Duration took, StopReason stopReason) {

    public double filesPerSecond() {
        long millis = Math.max(1, took.toMillis());
        return (deleted + alreadyAbsent) * 1000.0 / millis;
    }

    /** Rows claimed by this run that are not accounted for in the database: must be 0. */
    public int unaccounted() {
        return claimed - deleted - alreadyAbsent - failed - dead - released - lostClaims;
    }

    /** Read by people and by log searches alike: the same digits and decimal point in every locale. */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "run %s shard %s: claimed=%d deleted=%d already_absent=%d failed=%d dead=%d released=%d "
                        + "lost_claims=%d swept=%d batches=%d took=%.1fs (%.0f files/s); stopped: %s",
                runId, shard, claimed, deleted, alreadyAbsent, failed, dead, released, lostClaims, swept, batches,
                took.toMillis() / 1000.0, filesPerSecond(), stopReason.description());
    }
}
