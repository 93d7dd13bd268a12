package io.shardsweep.intake;

import java.util.List;

/** Body of {@code POST /api/tasks/requeue}: 1 to {@code shardsweep.intake.max-batch-size} task ids. */
public record RequeueRequest(List<Long> ids) {
}
