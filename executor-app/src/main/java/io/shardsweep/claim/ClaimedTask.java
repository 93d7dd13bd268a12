package io.shardsweep.claim;

import io.shardsweep.StoredText;

/**
 * One claimed row as the run needs it. {@code attempts} counts earlier failed attempts.
 * {@code filePath} holds the column's bytes as stored: a path whose bytes are not valid UTF-8 has no
 * text, and is refused rather than read as some other name.
 */
public record ClaimedTask(long id, StoredText filePath, int attempts) {
}
