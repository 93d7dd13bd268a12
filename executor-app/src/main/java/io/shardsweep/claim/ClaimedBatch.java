package io.shardsweep.claim;

import java.time.Instant;
import java.util.List;

/** The rows one claim statement took, all stamped with the same fresh token. */
public record ClaimedBatch(String token, String owner, Instant claimedAt, List<ClaimedTask> tasks) {

    public boolean isEmpty() {
        return tasks.isEmpty();
    }

    public int size() {
        return tasks.size();
    }
}
