package io.shardsweep.storage.filesystem;

import java.io.IOException;

/**
 * One way of walking a {@link StoragePath} below an already resolved storage root, one name at a
 * time on open directory descriptors, and unlinking its last component. {@link ConfinedFileDeleter}
 * picks the implementation for the platform; both keep the same outcomes (see its javadoc).
 */
interface ConfinedWalk {

    /** See {@link ConfinedFileDeleter#delete(StoragePath)}. */
    DeletionOutcome delete(StoragePath path) throws IOException;

    /** How this walk opens and unlinks, for the start-up log line. */
    String mechanism();

    /** Deletions on one thread that may share open directories; by default each walks alone. */
    default Sequence sequence() {
        return this::delete;
    }

    /** See {@link FileDeleter#sequence()}, on parsed paths. */
    @FunctionalInterface
    interface Sequence extends AutoCloseable {

        DeletionOutcome delete(StoragePath path) throws IOException;

        @Override
        default void close() {
        }
    }
}
