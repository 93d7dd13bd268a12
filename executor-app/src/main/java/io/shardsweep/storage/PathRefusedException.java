package io.shardsweep.storage;

import io.shardsweep.ShardSweepException;

/**
 * A task's path may never be deleted: it is absolute, climbs out with {@code ..}, passes through a
 * symbolic link, is not a regular file, or is malformed. Retrying cannot help, so the row is parked
 * as DEAD with this message.
 */
public class PathRefusedException extends ShardSweepException {
    public PathRefusedException(String message) {
        super(message);
    }
}
