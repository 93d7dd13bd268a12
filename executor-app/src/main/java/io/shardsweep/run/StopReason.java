package io.shardsweep.run;

/** Why a cleanup run ended. */
public enum StopReason {
    DRAINED("no due rows left in this shard"),
    TIMEOUT("run timeout reached; the remaining rows wait for the next run"),
    INTERRUPTED("interrupted: killed from the admin, executor timeout or shutdown"),
    SHUTDOWN("the instance is shutting down; unstarted rows were released for the other instances"),
    LEASE_EXPIRING("the claim's lease could not be renewed and was about to run out (database unreachable?); "
            + "stopped starting deletions, so that no file is deleted for rows compensation may hand to another instance");

    private final String description;

    StopReason(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
