package io.shardsweep.claim;

import java.time.Instant;
import java.util.List;

/**
 * The rows one claim took, in id order, all stamped with the same fresh token and the lease end
 * {@code leaseUntil} that the claim wrote.
 */
public record ClaimedBatch(String token, String owner, Instant claimedAt, Instant leaseUntil, List<ClaimedTask> tasks) {

    public boolean isEmpty() {
        return tasks.isEmpty();
    }

    public int size() {
        return tasks.size();
    }

    public List<Long> ids() {
        return tasks.stream().map(ClaimedTask::id).toList();
    }
}
