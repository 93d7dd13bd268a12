package io.shardsweep.claim;

import io.shardsweep.ShardSweepException;

/**
 * The slice of pending rows one run may claim: {@code id % total == index}. An assignment is only
 * a hint for spreading work; correctness never depends on it, because every claim is guarded by the
 * row's status. Instances holding different totals at the same moment (the admin re-sorts its
 * address list as instances come and go) may overlap or leave gaps in one run, never duplicate work.
 */
public record ShardAssignment(int index, int total) {

    /** A non-sharded trigger: one instance takes everything. */
    public static final ShardAssignment ALL = new ShardAssignment(0, 1);

    public ShardAssignment {
        if (total < 1) {
            throw new InvalidShardException("shard total must be at least 1, got " + total + " (index " + index + "); nothing was claimed");
        }
        if (index < 0 || index >= total) {
            throw new InvalidShardException("shard index " + index + " is out of range for total " + total + " (expected 0.." + (total - 1) + "); nothing was claimed");
        }
    }

    @Override
    public String toString() {
        return index + "/" + total;
    }

    /** A shard index or total that cannot be right; the run claims nothing. */
    public static class InvalidShardException extends ShardSweepException {
        public InvalidShardException(String message) {
            super(message);
        }
    }
}
