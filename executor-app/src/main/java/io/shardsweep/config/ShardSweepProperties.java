package io.shardsweep.config;

import io.shardsweep.xxljob.XxlJobProperties;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * ShardSweep's own settings, under {@code shardsweep.*}. XXL-JOB settings keep their standard
 * {@code xxl.job.*} names ({@link XxlJobProperties}) and the database keeps {@code spring.datasource.*}.
 *
 * @param storageRoot every task path is resolved inside this directory and can never leave it; a
 *     relative one against the working directory; never {@code /} or a system directory
 * @param instanceId claim owner written on rows; defaults to host, executor port and pid
 * @param deletePoolSize concurrent deletions per instance; defaults to the core count
 * @param batchSize rows claimed per statement
 * @param maxBatchSize largest batch size a trigger parameter may ask for
 * @param runTimeout overall time budget of one cleanup run, inside a one-minute cron; a trigger parameter may override it
 * @param maxRunTimeout largest run timeout a trigger parameter may ask for
 * @param inFlightGrace how long a stopping run waits for deletions already under way
 * @param maxAttempts failed attempts after which a row is parked as DEAD
 * @param retryBackoff delay before the first retry of a failed row; doubles per attempt
 * @param staleThreshold lease of a claim; a live owner renews it, a dead one lets it expire
 * @param compensationPageSize rows reset per statement by the compensation job
 * @param progressEvery a progress line goes to the run log after this many files
 * @param progressInterval ... or after this much time, whichever comes first
 * @param metricsRefresh how often the backlog gauges are recounted in the background
 * @param sweepAfter a run that drained its own shard then claims rows of other shards that have been due longer than
 *                   this (their instance is dead, frozen or was not triggered); 0 turns sweeping off
 * @param pipelined a run claims its next batch while the deletions of the current one run, and finishes each
 *                  batch on the finish pool while it goes on; false does claim, delete and finish one after another
 * @param finishPoolSize threads that finish batches (history move, retries) for the pipelined runs of an instance
 * @param deleteChunkSize files the deletion pool deletes one after another in one job, sharing the open storage root
 *                        and folders; a stopping run skips the files no thread has started, chunk or not
 */
@ConfigurationProperties("shardsweep")
public record ShardSweepProperties(
        // Text, not Path: a Path would be bound through Spring's PathEditor (see StorageRootSetting).
        String storageRoot,
        String instanceId,
        @DefaultValue("0") int deletePoolSize,
        @DefaultValue("" + DEFAULT_BATCH_SIZE) int batchSize,
        @DefaultValue("5000") int maxBatchSize,
        @DefaultValue("50s") Duration runTimeout,
        @DefaultValue("6h") Duration maxRunTimeout,
        @DefaultValue("30s") Duration inFlightGrace,
        @DefaultValue("3") int maxAttempts,
        @DefaultValue("1m") Duration retryBackoff,
        @DefaultValue("5m") Duration staleThreshold,
        @DefaultValue("500") int compensationPageSize,
        @DefaultValue("1000") int progressEvery,
        @DefaultValue("10s") Duration progressInterval,
        @DefaultValue("30s") Duration metricsRefresh,
        @DefaultValue("2m") Duration sweepAfter,
        @DefaultValue("true") boolean pipelined,
        @DefaultValue("2") int finishPoolSize,
        @DefaultValue("16") int deleteChunkSize) {

    public static final int DEFAULT_BATCH_SIZE = 1000;
    /** The shortest sweep-after: for fast crons and tests; below it a live shard's fresh rows would be swept. */
    public static final Duration MIN_SWEEP_AFTER = Duration.ofSeconds(1);

    public ShardSweepProperties {
        storageRoot = StorageRootSetting.resolve(storageRoot);
        if (deletePoolSize <= 0) {
            deletePoolSize = Runtime.getRuntime().availableProcessors();
        }
        requireRange("shardsweep.max-batch-size", maxBatchSize, 1, 100_000);
        requireRange("shardsweep.batch-size", batchSize, 1, maxBatchSize);
        requireRange("shardsweep.delete-pool-size", deletePoolSize, 1, 1024);
        requireRange("shardsweep.finish-pool-size", finishPoolSize, 1, 64);
        requireRange("shardsweep.delete-chunk-size", deleteChunkSize, 1, 1000);
        requireRange("shardsweep.max-attempts", maxAttempts, 1, 1000);
        requireRange("shardsweep.compensation-page-size", compensationPageSize, 1, 100_000);
        requireRange("shardsweep.progress-every", progressEvery, 1, Integer.MAX_VALUE);
        requirePositive("shardsweep.run-timeout", runTimeout);
        requirePositive("shardsweep.max-run-timeout", maxRunTimeout);
        requirePositive("shardsweep.in-flight-grace", inFlightGrace);
        requirePositive("shardsweep.retry-backoff", retryBackoff);
        requirePositive("shardsweep.stale-threshold", staleThreshold);
        requirePositive("shardsweep.progress-interval", progressInterval);
        requirePositive("shardsweep.metrics-refresh", metricsRefresh);
        requireOffOrAtLeast("shardsweep.sweep-after", sweepAfter, MIN_SWEEP_AFTER);
        if (runTimeout.compareTo(maxRunTimeout) > 0) {
            throw new IllegalArgumentException("shardsweep.run-timeout (" + runTimeout + ") exceeds shardsweep.max-run-timeout (" + maxRunTimeout + ")");
        }
        if (staleThreshold.compareTo(Duration.ofSeconds(4)) < 0) {
            throw new IllegalArgumentException("shardsweep.stale-threshold must be at least 4s so that leases can be renewed in time, got " + staleThreshold);
        }
    }

    /** The storage root as an absolute, normalised path; the deleter resolves it to its real path at start-up. */
    public Path storageRootPath() {
        return Path.of(storageRoot);
    }

    /** How often a live instance renews the leases of its claims: well inside the threshold. */
    public Duration leaseRenewInterval() {
        return staleThreshold.dividedBy(4);
    }

    private static void requireRange(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", got " + value);
        }
    }

    private static void requireOffOrAtLeast(String name, Duration value, Duration min) {
        if (value == null || value.isNegative() || (!value.isZero() && value.compareTo(min) < 0)) {
            throw new IllegalArgumentException(name + " must be 0 (off) or at least " + min.toSeconds() + "s, got " + value);
        }
    }

    private static void requirePositive(String name, Duration value) {
        if (value == null || value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException(name + " must be a positive duration, got " + value);
        }
    }
}
