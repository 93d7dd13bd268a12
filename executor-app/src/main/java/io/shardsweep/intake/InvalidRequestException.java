package io.shardsweep.intake;

import io.shardsweep.ShardSweepException;
import java.util.List;

/** The request breaks a rule; nothing was stored. Answered 400 with every {@link Violation}. */
public class InvalidRequestException extends ShardSweepException {

    private final transient List<Violation> violations;

    public InvalidRequestException(String message, List<Violation> violations) {
        super(message);
        this.violations = List.copyOf(violations);
    }

    public InvalidRequestException(Violation violation) {
        this(violation.toString(), List.of(violation));
    }

    public List<Violation> violations() {
        return violations;
    }
}
