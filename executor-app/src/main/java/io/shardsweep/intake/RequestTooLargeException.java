package io.shardsweep.intake;

import io.shardsweep.ShardSweepException;

/** The body or the batch is bigger than the configured maximum; nothing was stored. Answered 413. */
public class RequestTooLargeException extends ShardSweepException {
    public RequestTooLargeException(String message) {
        super(message);
    }
}
