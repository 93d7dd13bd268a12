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
}
