package io.shardsweep.intake;

import io.shardsweep.ShardSweepException;

/** No task with that id or business key, neither pending nor in history. Answered 404. */
public class TaskNotFoundException extends ShardSweepException {
    public TaskNotFoundException(String message) {
        super(message);
    }
}
