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
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
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
 *   <li>{@code shardsweep_backlog_rows{state}}: due, scheduled, in_progress, dead (all shards)</li>
 *   <li>{@code shardsweep_stale_rows_total{result}}: reset, dead, by the compensation job</li>
 * </ul>
 */
@Component
public class CleanupMetrics implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(CleanupMetrics.class);
    static final List<String> BACKLOG_STATES = List.of("due", "scheduled", "in_progress", "dead");

    private final MeterRegistry registry;
    private final BacklogMapper backlog;
    private final Clock clock;
    private final Map<String, AtomicLong> backlogRows = new ConcurrentHashMap<>();
    private final DoubleAdder lastFilesPerSecond = new DoubleAdder();
    private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "shardsweep-backlog-metrics");
        thread.setDaemon(true);
        return thread;
    });

    public CleanupMetrics(MeterRegistry registry, BacklogMapper backlog, Clock clock, ShardSweepProperties properties) {
        this.registry = registry;
        this.backlog = backlog;
        this.clock = clock;
        for (String state : BACKLOG_STATES) {
            AtomicLong rows = backlogRows.computeIfAbsent(state, s -> new AtomicLong());
            Gauge.builder("shardsweep.backlog.rows", rows, AtomicLong::get)
                    .description("Rows in file_deletion_task by state, refreshed in the background")
                    .baseUnit("rows").tag("state", state).register(registry);
        }
        Gauge.builder("shardsweep.run.files.per.second", lastFilesPerSecond, DoubleAdder::sum)
                .description("Files finished per second by the last cleanup run of this instance").register(registry);
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
        Timer.builder("shardsweep.run.duration").description("Duration of cleanup runs")
                .tag("stop", s.stopReason().name().toLowerCase(Locale.ROOT)).register(registry).record(s.took());
        lastFilesPerSecond.reset();
        lastFilesPerSecond.add(s.filesPerSecond());
    }

    @EventListener
    public void onRunFailed(RunFailed event) {
        Counter.builder("shardsweep.run.failures").description("Cleanup runs that ended by an exception instead of a summary")
                .tag("cause", event.cause()).register(registry).increment();
    }

    @EventListener
    public void onCompensationFinished(CompensationFinished event) {
        Counter.builder("shardsweep.stale.rows").description("IN_PROGRESS rows of dead executors returned by compensation")
                .tag("result", "reset").register(registry).increment(event.summary().reset());
        Counter.builder("shardsweep.stale.rows").description("IN_PROGRESS rows of dead executors returned by compensation")
                .tag("result", "dead").register(registry).increment(event.summary().dead());
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
    }

    private void refreshBacklogAndLogErrors() {
        try {
            refreshBacklog();
        } catch (RuntimeException e) {
            log.debug("Backlog metrics not refreshed: {}", e.toString());
        }
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
