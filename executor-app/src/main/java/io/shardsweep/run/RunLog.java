package io.shardsweep.run;

/**
 * Where a run reports progress for the operator: the XXL-JOB console log when the admin triggered
 * it. Called only from the thread that runs the cleanup, never from deletion workers.
 */
@FunctionalInterface
public interface RunLog {
    /** slf4j-style pattern with {} placeholders. */
    void log(String pattern, Object... arguments);

    RunLog NONE = (pattern, arguments) -> { };
}
