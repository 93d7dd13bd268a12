package io.shardsweep.finish;

/**
 * What finishing one batch wrote: {@code deleted} and {@code alreadyAbsent} rows moved to history. {@code lostClaims} counts rows whose claim was taken over
 * (compensated, perhaps re-claimed) before this instance could finish them: they were left alone.
 */
public record FinishSummary(int deleted, int alreadyAbsent, int retryScheduled, int dead, int released, int lostClaims) {
}
