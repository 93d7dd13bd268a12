package io.shardsweep.xxljob;

import io.shardsweep.ShardSweepException;

/** The trigger's executor parameter is malformed, unknown or out of range; nothing was claimed. */
public class InvalidJobParameterException extends ShardSweepException {
    public InvalidJobParameterException(String message) {
        super(message);
    }
}
