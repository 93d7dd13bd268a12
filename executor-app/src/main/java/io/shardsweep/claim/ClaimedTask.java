package io.shardsweep.claim;

/** One claimed row as the run needs it. {@code attempts} counts earlier failed attempts. */
public record ClaimedTask(long id, String filePath, int attempts) {
}
