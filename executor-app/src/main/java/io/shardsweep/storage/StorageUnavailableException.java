package io.shardsweep.storage;

import java.io.IOException;

/**
 * The storage as a whole cannot be reached: the storage root does not open (unmounted, renamed,
 * replaced by a link, its permissions changed). It says nothing about the row being deleted, so the
 * row must not pay an attempt for it: it goes back to PENDING, and the run stops claiming (see
 * {@link TaskResult.Kind#UNAVAILABLE}). Nothing was deleted.
 */
public class StorageUnavailableException extends IOException {
    public StorageUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
