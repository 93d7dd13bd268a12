package io.shardsweep.run;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.shardsweep.claim.ClaimedBatch;
import io.shardsweep.claim.LeaseKeeper;
import io.shardsweep.claim.ShardAssignment;
import io.shardsweep.claim.TaskClaimer;
import io.shardsweep.config.ShardSweepProperties;
import io.shardsweep.finish.FinishSummary;
import io.shardsweep.finish.TaskFinisher;
import io.shardsweep.storage.PendingDeletion;
import io.shardsweep.storage.StorageBackend;
import io.shardsweep.storage.StorageClosedException;
import io.shardsweep.storage.TaskResult;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.core.retry.RetryTemplate;
import org.springframework.stereotype.Service;

/**
 * Owns one cleanup run of one shard: claim a batch, hand it to the storage backend (files on the
 * bounded pool, or objects in batch requests), finish the rows, repeat until the shard is drained, the
 * time budget is spent, or the run is interrupted. A drained run then sweeps: the same loop, claiming
 * rows of other shards that have been due for longer than {@link RunParameters#sweepAfter()}, until none
 * is left. Whatever ends it, no row it claimed is left IN_PROGRESS when it returns: unstarted rows are
 * released, in-flight ones are finished as success or failure.
 *
 * <p>Pipelined ({@code shardsweep.pipelined}, the default), the database work overlaps the deletions:
 * while the backend deletes batch k, the job thread claims batch k+1, and batch k-1 is finished on the
 * finish pool. At most one batch is claimed ahead and one finish is in flight per run; the next finish
 * waits for the previous one, so a run's batches are finished in claim order.
 */
@Service
public class CleanupRunner {

    private static final Logger log = LoggerFactory.getLogger(CleanupRunner.class);
    private static final Duration STOP_POLL = Duration.ofMillis(200);

    private final TaskClaimer claimer;
    private final TaskFinisher finisher;
    private final LeaseKeeper leases;
    private final StorageBackend storage;
    private final RetryTemplate databaseRetry;
    private final RunRegistry registry;
    private final ApplicationEventPublisher events;
    private final Clock clock;
    private final ShardSweepProperties properties;
    private final ExecutorService finishPool;
    private final Timer ownClaims;
    private final Timer overdueClaims;
    private final Timer finishes;
    private final Timer finishWaits;

    public CleanupRunner(TaskClaimer claimer, TaskFinisher finisher, LeaseKeeper leases, StorageBackend storage,
                         @Qualifier("databaseRetry") RetryTemplate databaseRetry,
                         RunRegistry registry, ApplicationEventPublisher events, Clock clock, ShardSweepProperties properties,
                         MeterRegistry meters, @Qualifier("finishPool") ExecutorService finishPool) {
        this.claimer = claimer;
        this.finisher = finisher;
        this.leases = leases;
        this.storage = storage;
        this.databaseRetry = databaseRetry;
        this.registry = registry;
        this.events = events;
        this.clock = clock;
        this.properties = properties;
        this.finishPool = finishPool;
        // Claims run on the XXL-JOB job thread of each run, finishes on the finish pool (or the job
        // thread, not pipelined): these timers time them per batch, beside the pools' executor meters.
        String claims = "Claim transactions of one batch, with their retries, on the run's job thread; from=own|overdue (sweeping)";
        this.ownClaims = Timer.builder("shardsweep.claim.duration").description(claims).tag("from", "own").register(meters);
        this.overdueClaims = Timer.builder("shardsweep.claim.duration").description(claims).tag("from", "overdue").register(meters);
        this.finishes = Timer.builder("shardsweep.finish.duration")
                .description("Finishing transactions of one batch (history move, retries, DEAD, releases), with their retries")
                .register(meters);
        this.finishWaits = Timer.builder("shardsweep.finish.wait")
                .description("Time a pipelined run's job thread waited for its previous batch's finish before handing over the next")
                .register(meters);
    }

    public RunSummary run(ShardAssignment shard, RunParameters parameters, RunLog runLog) {
        String runId = UUID.randomUUID().toString().substring(0, 8);
        if (!registry.enter()) {
            runLog.log("run {} of shard {} not started: this instance is shutting down", runId, shard);
            return new RunSummary(runId, shard, 0, 0, 0, 0, 0, 0, 0, 0, 0, Duration.ZERO, StopReason.SHUTDOWN);
        }
        MDC.put("run", runId);
        MDC.put("shard", shard.toString());
        try {
            return new Run(runId, shard, parameters, runLog).execute();
        } catch (RuntimeException e) {
            events.publishEvent(RunFailed.of(runId, shard, e));
            throw e;
        } finally {
            MDC.remove("run");
            MDC.remove("shard");
            registry.exit();
        }
    }

    /** The mutable state of one run; lives on the calling thread only (its finishes return their summaries to it). */
    private final class Run {
        private final String runId;
        private final ShardAssignment shard;
        private final RunParameters parameters;
        private final RunLog runLog;
        private final Instant started = clock.instant();
        private final Instant deadline;
        private final RunTally tally;
        private final boolean pipelined = properties.pipelined();
        /** Claiming overdue rows of other shards, after this shard was drained. */
        private boolean sweeping;
        /** Why claiming ended (DRAINED, or INTERRUPTED during a claim); null while it goes on. */
        private StopReason claimEnded;
        /** Pipelined: the batch claimed while the current one was deleted; not started yet. */
        private ClaimedBatch ahead;
        /** Pipelined: the finish of the previous batch, on the finish pool. */
        private Finishing finishing;
        /** A claim ahead that failed: thrown once the batch being deleted has been finished. */
        private RuntimeException claimFailure;
        private boolean interruptedWhileFinishing;
        private Instant lastProgressAt = started;
        private int filesAtLastProgress;

        Run(String runId, ShardAssignment shard, RunParameters parameters, RunLog runLog) {
            this.runId = runId;
            this.shard = shard;
            this.parameters = parameters;
            this.runLog = runLog;
            this.deadline = started.plus(parameters.timeout());
            this.tally = new RunTally(shard);
        }

        RunSummary execute() {
            runLog.log("run {} of shard {}: batch size {}, timeout {}s, {}, instance {}, {}{}",
                    runId, shard, parameters.batchSize(), parameters.timeout().toSeconds(),
                    storage.concurrency(), claimer.owner(),
                    sweepsOthers() ? "sweep after " + parameters.sweepAfter().toSeconds() + "s" : "no sweep",
                    pipelined ? "" : ", not pipelined");
            StopReason stop;
            try {
                stop = loop();
            } catch (RuntimeException e) {
                try {
                    settle(true);
                } catch (RuntimeException alsoFailed) {
                    e.addSuppressed(alsoFailed);
                }
                throw e;
            }
            settle(false);
            if (tally.swept() > 0) {
                String shards = tally.sweptShards();
                runLog.log("swept {} overdue rows of shards {} (due for more than {}s)", tally.swept(), shards, parameters.sweepAfter().toSeconds());
                log.info("Swept {} overdue rows of shards {} (due for more than {}s)", tally.swept(), shards, parameters.sweepAfter().toSeconds());
            }
            if (stop == StopReason.INTERRUPTED || interruptedWhileFinishing) {
                Thread.currentThread().interrupt();
                stop = StopReason.INTERRUPTED;
            }
            RunSummary summary = tally.summary(runId, Duration.between(started, clock.instant()), stop);
            if (summary.unaccounted() != 0) {
                throw new IllegalStateException("bookkeeping broke: " + summary.unaccounted() + " claimed rows unaccounted in " + summary);
            }
            log.info("Cleanup finished: {}", summary);
            events.publishEvent(new RunFinished(summary));
            return summary;
        }

        /** Batch after batch until one of them, or the claim, says why the run must stop. */
        private StopReason loop() {
            while (true) {
                StopReason stop = stopRequested();
                if (stop != null) {
                    return stop;
                }
                ClaimedBatch batch = ahead != null ? ahead : claimEnded == null ? claimNext() : null;
                ahead = null;
                if (batch == null) {
                    return claimEnded;
                }
                stop = process(batch);
                if (claimFailure != null) {
                    throw claimFailure;
                }
                if (stop != null) {
                    return stop;
                }
            }
        }

        /**
         * Whatever ended the loop, the last finish is waited for. The batch claimed ahead goes back
         * untouched; when the run is failing (the database, most likely), it is left to its lease as the
         * failed batch is, and the run fails as soon as it would have without a pipeline.
         */
        private void settle(boolean failing) {
            if (ahead != null) {
                ClaimedBatch unstarted = ahead;
                ahead = null;
                if (failing) {
                    leases.release(unstarted.token());
                    leftToItsLease(unstarted, "the run failed");
                } else {
                    finish(unstarted, collect(neverStarted(unstarted), Duration.ZERO));
                }
            }
            awaitFinishing();
        }

        /** Why the run must stop now, taking the interrupt ({@link #execute} sets it again for the caller). */
        private StopReason stopRequested() {
            StopReason stop = pendingStop();
            if (stop == StopReason.INTERRUPTED) {
                Thread.interrupted();
            }
            return stop;
        }

        /** Why the run must stop now, or null; an interrupt stays set, so that the wait for the deletions sees it too. */
        private StopReason pendingStop() {
            if (Thread.currentThread().isInterrupted() || interruptedWhileFinishing) {
                return StopReason.INTERRUPTED;
            }
            if (registry.isStopping()) {
                return StopReason.SHUTDOWN;
            }
            if (!clock.instant().isBefore(deadline)) {
                return StopReason.TIMEOUT;
            }
            return null;
        }

        /**
         * Claims the next batch: of this shard, then, once it is drained, overdue rows of others.
         * Null when there is nothing left or the claim was interrupted; {@link #claimEnded} says which.
         */
        private ClaimedBatch claimNext() {
            while (true) {
                ClaimedBatch batch;
                try {
                    // Through a deadlock (a LOCK TABLES between the claim's read and its locking read) or a
                    // lock wait timeout, as finishes are. Each attempt is a whole claim transaction of its
                    // own (the retry is outside the claimer's proxy): a failed one committed nothing. An
                    // interrupt ends the retry at its next pause.
                    batch = (sweeping ? overdueClaims : ownClaims).record(() -> databaseRetry.invoke(() -> sweeping
                            ? claimer.claimOverdue(shard, parameters.sweepAfter(), parameters.batchSize())
                            : claimer.claim(shard, parameters.batchSize())));
                } catch (RuntimeException e) {
                    if (Thread.currentThread().isInterrupted()) {
                        claimEnded = StopReason.INTERRUPTED; // a claim that threw committed nothing
                        return null;
                    }
                    throw e;
                }
                if (!batch.isEmpty()) {
                    tally.claimed(batch.ids(), sweeping);
                    leases.track(batch);
                    return batch;
                }
                if (sweeping || !sweepsOthers()) {
                    claimEnded = StopReason.DRAINED;
                    return null;
                }
                sweeping = true; // own shard first; then the stranded rows of others, in the same budget
            }
        }

        /** Deletes one claimed batch and hands its results to the finish; returns why the run must stop, or null. */
        private StopReason process(ClaimedBatch batch) {
            try {
                return deleteAndFinish(batch);
            } catch (RuntimeException e) {
                leases.release(batch.token()); // a lease kept after the run would hold its rows forever
                throw e;
            }
        }

        private StopReason deleteAndFinish(ClaimedBatch batch) {
            List<PendingDeletion> jobs;
            StopReason stop = null;
            if (leaseExpiring(batch.token())) {
                jobs = neverStarted(batch); // released
                stop = StopReason.LEASE_EXPIRING;
            } else {
                try {
                    jobs = storage.start(batch.tasks());
                } catch (StorageClosedException e) {
                    jobs = e.pending(); // the backend is shutting down with the application
                    stop = StopReason.INTERRUPTED;
                }
            }
            if (stop == null && pipelined && pendingStop() == null) {
                try {
                    ahead = claimNext(); // while the backend deletes
                } catch (RuntimeException e) {
                    claimFailure = e; // the batch under way is still awaited and finished first
                }
            }
            if (stop == null) {
                stop = awaitAll(jobs, batch.token());
            }
            List<TaskResult> results = stop == null ? collect(jobs, Duration.ZERO) : stopAndCollect(jobs);
            finish(batch, results);
            return stop != null ? stop : storageUnavailable(batch, results);
        }

        /**
         * STORAGE_UNAVAILABLE when a row of the batch could not be deleted because the storage as a
         * whole could not be reached (its root did not open): the rows after it would fail the same way,
         * each paying an attempt for it, until a whole backlog were parked DEAD. Null otherwise.
         */
        private StopReason storageUnavailable(ClaimedBatch batch, List<TaskResult> results) {
            List<TaskResult> unavailable = results.stream().filter(r -> r.kind() == TaskResult.Kind.UNAVAILABLE).toList();
            if (unavailable.isEmpty()) {
                return null;
            }
            String why = unavailable.get(0).error();
            runLog.log("{} rows of batch {} not deleted, the storage could not be reached: {}. They went back to PENDING without "
                    + "using an attempt; the run claims nothing more", unavailable.size(), batch.token(), why);
            log.warn("{} rows not deleted, the storage could not be reached: {}; released without using an attempt, the run stops",
                    unavailable.size(), why);
            return StopReason.STORAGE_UNAVAILABLE;
        }

        private List<PendingDeletion> neverStarted(ClaimedBatch batch) {
            List<PendingDeletion> jobs = batch.tasks().stream().map(PendingDeletion::new).toList();
            jobs.forEach(PendingDeletion::skipIfNotStarted);
            return jobs;
        }

        /** Only a sharded run has other shards to sweep. */
        private boolean sweepsOthers() {
            return parameters.sweeps() && shard.total() > 1;
        }

        /** Waits for the batch, looking up regularly for the deadline, for shutdown and for the claim's lease. */
        private StopReason awaitAll(List<PendingDeletion> jobs, String token) {
            for (PendingDeletion job : jobs) {
                while (!job.isDone()) {
                    Duration left = Duration.between(clock.instant(), deadline);
                    if (left.isNegative() || left.isZero()) {
                        return StopReason.TIMEOUT;
                    }
                    if (registry.isStopping()) {
                        return StopReason.SHUTDOWN;
                    }
                    if (leaseExpiring(token)) {
                        return StopReason.LEASE_EXPIRING;
                    }
                    try {
                        job.await(left.compareTo(STOP_POLL) < 0 ? left : STOP_POLL);
                    } catch (TimeoutException e) {
                        // look again
                    } catch (InterruptedException e) {
                        return StopReason.INTERRUPTED;
                    }
                }
            }
            return null;
        }

        /**
         * Self-fencing: true once the claim's lease is in its last quarter. Leases are renewed every
         * quarter, so three renewals in a row have failed (the database is unreachable, say) or the
         * rows were taken over. Past the lease, compensation on another instance may hand the rows to
         * someone else; the last quarter is the margin for the deletions in flight and clock skew.
         */
        private boolean leaseExpiring(String token) {
            return leases.leaseUntil(token)
                    .map(until -> !clock.instant().isBefore(until.minus(properties.leaseRenewInterval())))
                    .orElse(false);
        }

        /** Nothing new starts; what is under way gets the in-flight grace to end. */
        private List<TaskResult> stopAndCollect(List<PendingDeletion> jobs) {
            jobs.forEach(PendingDeletion::skipIfNotStarted);
            Duration grace = properties.inFlightGrace();
            Instant graceEnd = clock.instant().plus(grace);
            boolean interruptedAgain = false;
            for (PendingDeletion job : jobs) {
                if (job.isDone() || interruptedAgain) {
                    continue;
                }
                try {
                    job.await(Duration.between(clock.instant(), graceEnd));
                } catch (TimeoutException e) {
                    break; // the rest are judged as they stand now
                } catch (InterruptedException e) {
                    interruptedAgain = true; // a second kill: stop waiting, still finish the rows
                }
            }
            if (interruptedAgain) {
                Thread.currentThread().interrupt();
            }
            return collect(jobs, grace);
        }

        private List<TaskResult> collect(List<PendingDeletion> jobs, Duration grace) {
            return jobs.stream().map(job -> job.resultOrAbandoned(grace)).toList();
        }

        /**
         * Writes a batch's results back. Pipelined, after the previous batch's finish has ended, on the
         * finish pool; else, or if the pool refuses it (the application is closing), on this thread.
         */
        private void finish(ClaimedBatch batch, List<TaskResult> results) {
            try {
                awaitFinishing();
            } catch (RuntimeException e) {
                leftToItsLease(batch, "the batch before it could not be finished");
                throw e; // its lease is released by the caller
            }
            if (pipelined) {
                Map<String, String> context = MDC.getCopyOfContextMap();
                try {
                    finishing = new Finishing(batch, finishPool.submit(() -> {
                        if (context != null) {
                            MDC.setContextMap(context);
                        }
                        try {
                            return finishReliably(batch, results);
                        } finally {
                            MDC.clear();
                        }
                    }));
                    return;
                } catch (RejectedExecutionException e) {
                    // finished below, on this thread
                }
            }
            FinishSummary summary;
            try {
                summary = finishReliably(batch, results);
            } catch (RuntimeException e) {
                throw couldNotFinish(batch, e);
            }
            finished(summary);
        }

        /**
         * Waits for the finish in flight, however often the run is interrupted meanwhile (its rows must
         * be written back), and tallies it; a finish that failed fails the run.
         */
        private void awaitFinishing() {
            if (finishing == null) {
                return;
            }
            Finishing pending = finishing;
            finishing = null;
            Timer.Sample waited = Timer.start();
            FinishSummary summary;
            while (true) {
                try {
                    summary = pending.future().get();
                    break;
                } catch (InterruptedException e) {
                    interruptedWhileFinishing = true; // the run ends once this finish is written
                } catch (ExecutionException e) {
                    throw couldNotFinish(pending.batch(), e.getCause() instanceof RuntimeException failure
                            ? failure : new IllegalStateException("finish failed", e.getCause()));
                }
            }
            waited.stop(finishWaits);
            finished(summary);
        }

        private void finished(FinishSummary summary) {
            tally.finished(summary);
            reportProgress();
        }

        private RuntimeException couldNotFinish(ClaimedBatch batch, RuntimeException e) {
            leftToItsLease(batch, e.getMessage());
            return e;
        }

        private void leftToItsLease(ClaimedBatch batch, String why) {
            runLog.log("could not finish batch {} of {} rows: {}. They stay IN_PROGRESS until their lease expires "
                    + "(shardsweep.stale-threshold = {}); staleTaskCompensationJob then returns them.",
                    batch.token(), batch.size(), why, properties.staleThreshold());
        }

        /**
         * Finishing must happen even when the run was interrupted (a pending interrupt would make
         * the connection pool refuse us), and survive a short database hiccup. If it still fails,
         * the rows stay IN_PROGRESS until their lease expires and the compensation job returns them.
         * The lease is no longer kept either way.
         */
        private FinishSummary finishReliably(ClaimedBatch batch, List<TaskResult> results) {
            boolean[] interrupted = {false};
            try {
                return finishes.record(() -> databaseRetry.invoke(() -> {
                    interrupted[0] |= Thread.interrupted();
                    return finisher.finish(batch, results);
                }));
            } finally {
                leases.release(batch.token());
                if (interrupted[0]) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        private void reportProgress() {
            int files = tally.files();
            Instant now = clock.instant();
            if (files - filesAtLastProgress >= properties.progressEvery()
                    || Duration.between(lastProgressAt, now).compareTo(properties.progressInterval()) >= 0) {
                runLog.log("progress: {} in {}s", tally.progress(), Duration.between(started, now).toSeconds());
                filesAtLastProgress = files;
                lastProgressAt = now;
            }
        }
    }

    /** A batch's finish on the finish pool. */
    private record Finishing(ClaimedBatch batch, Future<FinishSummary> future) {
    }
}
