package io.shardsweep.run;

/** Why a cleanup run ended, and whether the admin should see the run as failed. */
public enum StopReason {
    DRAINED(false, "no due rows left in this shard"),
    TIMEOUT(false, "run timeout reached; the remaining rows wait for the next run"),
    INTERRUPTED(true, "interrupted: killed from the admin, executor timeout or shutdown"),
    SHUTDOWN(true, "the instance is shutting down; unstarted rows were released for the other instances"),
    LEASE_EXPIRING(true, "the claim's lease could not be renewed and was about to run out (database unreachable?); "
            + "stopped starting deletions, so that no file is deleted for rows compensation may hand to another instance"),
    STORAGE_UNAVAILABLE(true, "the storage could not be reached (the run log says why); the rows not deleted went back to "
            + "PENDING without using an attempt, and nothing more was claimed: the next run tries again");

    private final boolean cutShort;
    private final String description;

    StopReason(boolean cutShort, String description) {
        this.cutShort = cutShort;
        this.description = description;
    }

    /** The run could not do its work: reported to the admin as a failure. */
    public boolean cutShort() {
        return cutShort;
    }

    public String description() {
        return description;
    }
}
