package io.shardsweep.storage.filesystem;

import io.shardsweep.storage.PathRefusedException;
import java.io.IOException;

/** Deletes one task's file inside the storage root. Implementations must be thread-safe. */
public interface FileDeleter {

    /**
     * @throws PathRefusedException the path may never be deleted; retrying cannot help
     * @throws IOException the deletion failed and may succeed on a later attempt
     */
    DeletionOutcome delete(String relativePath) throws IOException;

    /**
     * Deletions one after the other on the calling thread, which may keep open what one of them
     * opened for the next (the native walk keeps the storage root and the last path's directories
     * open). Each deletion has the outcomes of {@link #delete}. Closed after a short chunk of rows,
     * so that nothing stays open for longer. The default keeps nothing open.
     */
    default Sequence sequence() {
        return this::delete;
    }

    /** See {@link FileDeleter#sequence()}; used by one thread at a time, and closed by it. */
    @FunctionalInterface
    interface Sequence extends AutoCloseable {

        /** As {@link FileDeleter#delete}. */
        DeletionOutcome delete(String relativePath) throws IOException;

        /** Closes whatever the sequence holds open; never throws. */
        @Override
        default void close() {
        }

        /** A sequence that deletes with {@code deletion} and, once closed, runs {@code close}. */
        static Sequence of(Sequence deletion, Runnable close) {
            return new Sequence() {
                @Override
                public DeletionOutcome delete(String relativePath) throws IOException {
                    return deletion.delete(relativePath);
                }

                @Override
                public void close() {
                    close.run();
                }
            };
        }
    }
}
