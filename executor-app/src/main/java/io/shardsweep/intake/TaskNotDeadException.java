package io.shardsweep.intake;

import io.shardsweep.ShardSweepException;

/** Only DEAD tasks can be requeued; this one is not, and was left unchanged. Answered 409. */
public class TaskNotDeadException extends ShardSweepException {

    private final TaskState state;

    public TaskNotDeadException(long id, TaskState state) {
        super("task " + id + " is " + state + "; only DEAD tasks can be requeued, so it was left unchanged");
        this.state = state;
    }

    public TaskState state() {
        return state;
    }
}
