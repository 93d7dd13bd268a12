package io.shardsweep.startup;

import io.shardsweep.ShardSweepException;

/**
 * A setting that ShardSweep refuses to start with. The message names the property and the rule,
 * never the value (it may be a secret); {@link InvalidSettingsFailureAnalyzer} reports it.
 */
public class InvalidSettingsException extends ShardSweepException {
    public InvalidSettingsException(String message, Throwable cause) {
        super(message, cause);
    }
}
