package io.shardsweep;

/**
 * Root of ShardSweep's small unchecked exception family. Each subclass names one kind of
 * refusal that an operator can act on; the message says what was wrong and what was left unchanged.
 */
public class ShardSweepException extends RuntimeException {
    public ShardSweepException(String message) {
        super(message);
    }

    public ShardSweepException(String message, Throwable cause) {
        super(message, cause);
    }
}
