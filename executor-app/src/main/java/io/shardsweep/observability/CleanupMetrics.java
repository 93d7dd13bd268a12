package io.shardsweep.observability;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.shardsweep.compensation.CompensationFinished;
import io.shardsweep.config.ShardSweepProperties;
import io.shardsweep.run.RunFailed;
import io.shardsweep.run.RunFinished;
import io.shardsweep.run.RunSummary;
import io.shardsweep.run.StopReason;
import io.shardsweep.xxljob.XxlJobRegistryHealthIndicator;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * ShardSweep's Micrometer meters, fed by run and compensation events, exposed at
 * {@code /actuator/prometheus}:
 * <ul>
 *   <li>{@code shardsweep_tasks_total{outcome}}: claimed, deleted, already_absent, failed, dead, released, lost_claims;
 *   and swept, the part of claimed taken overdue from other shards</li>
 *   <li>{@code shardsweep_run_duration_seconds{stop}}: one timer sample per run</li>
 *   <li>{@code shardsweep_run_failures_total{cause}}: runs that ended by an exception: database, unexpected</li>
 *   <li>{@code shardsweep_run_files_per_second}: throughput of the last finished run</li>
 *   <li>{@code shardsweep_backlog_rows{state}}: due, scheduled, in_progress, dead (all shards), and lease_expired,
 *   the part of in_progress past its lease</li>
 *   <li>{@code shardsweep_xxl_job_registered}: 1 while the registry beat to the admin succeeds (executor enabled only)</li>
 *   <li>{@code shardsweep_stale_rows_total{result}}: reset, dead, by the compensation job</li>
 * </ul>
 * The deletion pool's executor meters are bound where the pool is made (FileSystemStorageConfiguration);
 * the claim and finish timers by CleanupRunner.
 */
@Component
public class CleanupMetrics implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(CleanupMetrics.class);
    /** Each row counts in exactly one of these. */
    static final List<String> BACKLOG_STATES = List.of("due", "scheduled", "in_progress", "dead");
    /** The part of in_progress whose lease has run out: the owner died or lost the database. */
    static final String LEASE_EXPIRED = "lease_expired";
    static final List<String> OUTCOMES = List.of("claimed", "deleted", "already_absent", "failed", "dead", "released",
            "lost_claims", "swept");
    static final List<String> FAILURE_CAUSES = List.of(RunFailed.DATABASE, RunFailed.UNEXPECTED);
    static final List<String> STALE_RESULTS = List.of("reset", "dead");

    private final MeterRegistry registry;
    private final BacklogMapper backlog;
    private final Clock clock;
    private final Map<String, AtomicLong> backlogRows = new ConcurrentHashMap<>();
    /** One value, set in one step: a scrape never sees it between a reset and an add. */
    private final AtomicReference<Double> lastFilesPerSecond = new AtomicReference<>(0.0);
    private final XxlJobRegistryHealthIndicator registryHealth;
    private final AtomicInteger registered = new AtomicInteger();
    private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "shardsweep-backlog-metrics");
        thread.setDaemon(true);
        return thread;
    });

    public CleanupMetrics(MeterRegistry registry, BacklogMapper backlog, Clock clock, ShardSweepProperties properties,
                          ObjectProvider<XxlJobRegistryHealthIndicator> registryHealth) {
        this.registry = registry;
        this.backlog = backlog;
        this.clock = clock;
        this.registryHealth = registryHealth.getIfAvailable();
        for (String state : Stream.concat(BACKLOG_STATES.stream(), Stream.of(LEASE_EXPIRED)).toList()) {
            AtomicLong rows = backlogRows.computeIfAbsent(state, s -> new AtomicLong());
            Gauge.builder("shardsweep.backlog.rows", rows, AtomicLong::get)
                    .description("Rows in file_deletion_task by state, refreshed in the background; lease_expired is part of in_progress")
                    .baseUnit("rows").tag("state", state).register(registry);
        }
        Gauge.builder("shardsweep.run.files.per.second", lastFilesPerSecond, AtomicReference::get)
                .description("Files finished per second by the last cleanup run of this instance").register(registry);
        if (this.registryHealth != null) {
            Gauge.builder("shardsweep.xxl.job.registered", registered, AtomicInteger::get)
                    .description("1 while this instance's registry beat to the XXL-JOB admin succeeds, refreshed in the background")
                    .register(registry);
        }
        // Every series exists from the start, at 0: increase() and rate() over a counter need a sample
        // before its first event, and a dashboard or alert then sees "none yet" rather than "no data".
        OUTCOMES.forEach(outcome -> count(outcome, 0));
        FAILURE_CAUSES.forEach(cause -> failures(cause).increment(0));
        STALE_RESULTS.forEach(result -> staleRows(result).increment(0));
        for (StopReason stop : StopReason.values()) {
            runDuration(stop);
        }
        long period = properties.metricsRefresh().toMillis();
        refresher.scheduleWithFixedDelay(this::refreshBacklogAndLogErrors, 0, period, TimeUnit.MILLISECONDS);
    }

    @EventListener
    public void onRunFinished(RunFinished event) {
        RunSummary s = event.summary();
        count("claimed", s.claimed());
        count("deleted", s.deleted());
        count("already_absent", s.alreadyAbsent());
        count("failed", s.failed());
        count("dead", s.dead());
        count("released", s.released());
        count("lost_claims", s.lostClaims());
        count("swept", s.swept());
        runDuration(s.stopReason()).record(s.took());
        lastFilesPerSecond.set(s.filesPerSecond());
    }

    @EventListener
    public void onRunFailed(RunFailed event) {
        failures(event.cause()).increment();
    }

    @EventListener
    public void onCompensationFinished(CompensationFinished event) {
        staleRows("reset").increment(event.summary().reset());
        staleRows("dead").increment(event.summary().dead());
    }

    /** Reads the backlog now; the background refresh calls this. */
    public void refreshBacklog() {
        Map<String, Long> counts = new java.util.HashMap<>();
        for (BacklogMapper.Count count : backlog.countByState(clock.instant())) {
            counts.put(count.state(), count.rowCount());
        }
        for (String state : BACKLOG_STATES) {
            backlogRows.get(state).set(counts.getOrDefault(state, 0L));
        }
        backlogRows.get(LEASE_EXPIRED).set(backlog.countLeaseExpired(clock.instant()));
    }

    /** Asks the registry health indicator, which re-sends the registry beat at most every 30 s. */
    public void refreshRegistration() {
        if (registryHealth != null) {
            registered.set(Status.UP.equals(registryHealth.health().getStatus()) ? 1 : 0);
        }
    }

    private void refreshBacklogAndLogErrors() {
        try {
            refreshBacklog();
        } catch (RuntimeException e) {
            log.debug("Backlog metrics not refreshed: {}", e.toString());
        }
        try {
            refreshRegistration();
        } catch (RuntimeException e) {
            registered.set(0);
            log.debug("Registration metric not refreshed: {}", e.toString());
        }
    }

    private Timer runDuration(StopReason stop) {
        return Timer.builder("shardsweep.run.duration").description("Duration of cleanup runs")
                .tag("stop", stop.name().toLowerCase(Locale.ROOT)).register(registry);
    }

    private Counter failures(String cause) {
        return Counter.builder("shardsweep.run.failures").description("Cleanup runs that ended by an exception instead of a summary")
                .tag("cause", cause).register(registry);
    }

    private Counter staleRows(String result) {
        return Counter.builder("shardsweep.stale.rows").description("IN_PROGRESS rows of dead executors returned by compensation")
                .tag("result", result).register(registry);
    }

    private void count(String outcome, int amount) {
        Counter.builder("shardsweep.tasks").description("Task rows handled by cleanup runs of this instance")
                .tag("outcome", outcome).register(registry).increment(amount);
    }

    @Override
    public void destroy() {
        refresher.shutdownNow();
    }
}
