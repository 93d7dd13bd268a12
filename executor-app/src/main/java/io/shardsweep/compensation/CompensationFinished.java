package io.shardsweep.compensation;

/** Published when a compensation pass ends. */
public record CompensationFinished(CompensationSummary summary) {
}
