package io.shardsweep.run;

/** Published when a cleanup run ends, whatever ended it. */
public record RunFinished(RunSummary summary) {
}
