package io.shardsweep.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardsweep.claim.ShardAssignment;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class RunSummaryTest {

    @Test
    void the_summary_sent_to_the_admin_has_plain_digits_and_a_decimal_point_whatever_the_default_locale() {
        Locale before = Locale.getDefault();
        try {
            for (Locale locale : List.of(Locale.GERMANY, Locale.forLanguageTag("fa-IR"), Locale.forLanguageTag("ar-EG"))) {
                Locale.setDefault(locale);
                RunSummary summary = new RunSummary("abc12345", new ShardAssignment(0, 2), 8, 1600, 1600, 0, 0, 0, 0, 0, 0,
                        Duration.ofSeconds(8), StopReason.DRAINED);

                assertThat(summary.toString()).as("summary under %s", locale)
                        .contains("claimed=1600 deleted=1600 already_absent=0")
                        .contains("batches=8 took=8.0s (200 files/s)");
            }
        } finally {
            Locale.setDefault(before);
        }
    }
}
