package io.shardsweep.compensation;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.IntConsumer;
import java.util.function.IntSupplier;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.core.retry.RetryTemplate;
import org.springframework.stereotype.Service;

/**
 * Owns recovery from dead executors: rows left IN_PROGRESS past their lease go back to PENDING,
 * and a crash counts as an attempt, so a row that kills its executor every time ends DEAD instead
 * of looping forever. Works page by page, each page its own short statement, retried through a
 * short database hiccup (a pool that still holds connections an outage broke, say): a page is one
 * autocommit statement, so running it again is safe.
 */
@Service
public class StaleTaskCompensator {

    private final CompensationMapper mapper;
    private final ApplicationEventPublisher events;
    private final Clock clock;
    private final CompensationSettings settings;
    private final RetryTemplate databaseRetry;

    public StaleTaskCompensator(CompensationMapper mapper, ApplicationEventPublisher events, Clock clock, CompensationSettings settings,
                                @Qualifier("databaseRetry") RetryTemplate databaseRetry) {
        this.mapper = mapper;
        this.events = events;
        this.clock = clock;
        this.settings = settings;
        this.databaseRetry = databaseRetry;
    }

    public CompensationSummary compensate(IntConsumer onPage) {
        Instant started = clock.instant();
        // One cut-off for the whole pass: rows whose lease runs out while we work wait for the next pass.
        Instant now = started;
        int page = settings.pageSize();
        int max = settings.maxAttempts();
        int[] pages = {0};
        int dead = drain(() -> mapper.parkExhausted(now, max, page), page, pages, onPage);
        int reset = drain(() -> mapper.resetStale(now, max, page), page, pages, onPage);
        CompensationSummary summary = new CompensationSummary(reset, dead, pages[0], Duration.between(started, clock.instant()));
        events.publishEvent(new CompensationFinished(summary));
        return summary;
    }

    private int drain(IntSupplier pageStatement, int pageSize, int[] pages, IntConsumer onPage) {
        int total = 0;
        int changed;
        do {
            changed = databaseRetry.invoke(pageStatement::getAsInt);
            total += changed;
            pages[0]++;
            onPage.accept(changed);
        } while (changed == pageSize && !Thread.currentThread().isInterrupted());
        return total;
    }
}
