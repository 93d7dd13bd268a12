package io.shardsweep.compensation;

import java.time.Duration;

/** What one compensation pass did. */
public record CompensationSummary(int reset, int dead, int pages, Duration took) {

    @Override
    public String toString() {
        return "reset=" + reset + " dead=" + dead + " pages=" + pages + " took=" + took.toMillis() + "ms";
    }
}
