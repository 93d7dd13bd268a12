package io.shardsweep.storage;

import io.shardsweep.claim.ClaimedTask;

/** The one refusal every backend gives a row whose file_path bytes are not UTF-8. */
public final class UnreadablePath {

    private UnreadablePath() {
    }

    /**
     * Such bytes name no string, so there is nothing a backend could be given that is the row's own
     * path (decoding them leniently named another file or key); an operator has to fix or remove the row.
     */
    public static String refusal(ClaimedTask task) {
        return "refused: file_path is " + task.filePath().invalidReason() + "; a path is deleted only as stored, never as a repaired name";
    }
}
