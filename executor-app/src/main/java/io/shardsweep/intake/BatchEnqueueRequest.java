package io.shardsweep.intake;

import java.util.List;

/** Body of {@code POST /api/tasks/batch}: 1 to {@code shardsweep.intake.max-batch-size} tasks. */
public record BatchEnqueueRequest(List<EnqueueRequest> tasks) {
}
