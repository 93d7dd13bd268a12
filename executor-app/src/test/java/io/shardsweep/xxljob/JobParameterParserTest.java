package io.shardsweep.xxljob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardsweep.config.ShardSweepProperties;
import io.shardsweep.run.RunParameters;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class JobParameterParserTest {

    private final JobParameterParser parser = new JobParameterParser(new ShardSweepProperties("/srv/storage", null,
            2, 200, 5000, Duration.ofMinutes(5), Duration.ofHours(6), Duration.ofSeconds(30), 3, Duration.ofMinutes(1),
            Duration.ofMinutes(5), 500, 1000, Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(90), true, 2, 16));

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"   ", "{}", " { } "})
    void an_empty_parameter_means_the_configured_defaults(String parameter) {
        assertThat(parser.parse(parameter)).isEqualTo(new RunParameters(200, Duration.ofMinutes(5), false).withSweepAfter(Duration.ofSeconds(90)));
    }

    @Test
    void every_known_field_overrides_its_default() {
        assertThat(parser.parse("{\"batchSize\": 50, \"timeoutSeconds\": 30, \"dryRun\": true}"))
                .isEqualTo(new RunParameters(50, Duration.ofSeconds(30), true).withSweepAfter(Duration.ofSeconds(90)));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"batchSize\": 500                  | malformed JSON parameter",
            "{\"batch\": 5}                       | unknown parameter 'batch'",
            "{\"batchSize\": \"lots\"}            | malformed JSON parameter",
            "{\"batchSize\": 1.5}                 | malformed JSON parameter",
            "{\"batchSize\": 100000000}           | batchSize must be between 1 and 5000",
            "{\"batchSize\": 0}                   | batchSize must be between 1 and 5000",
            "{\"batchSize\": 99999999999999}      | malformed JSON parameter",
            "{\"timeoutSeconds\": -1}             | timeoutSeconds must be between 1 and 21600",
            "{\"timeoutSeconds\": 999999}         | timeoutSeconds must be between 1 and 21600",
            "{\"dryRun\": \"yes\"}                | malformed JSON parameter",
            "{\"batchSize\": 5, \"batchSize\": 6} | malformed JSON parameter",
            "{} {}                                | malformed JSON parameter",
            "[1, 2]                               | must be a JSON object",
            "batchSize=5                          | must be a JSON object",
    })
    void a_bad_parameter_is_refused_with_a_message_naming_the_problem(String parameter, String expected) {
        assertThatThrownBy(() -> parser.parse(parameter))
                .isInstanceOf(InvalidJobParameterException.class)
                .hasMessageContaining(expected)
                .hasMessageContaining("Nothing was claimed");
    }

    @Test
    void an_oversized_parameter_is_refused_before_parsing() {
        assertThatThrownBy(() -> parser.parse("{\"dryRun\": true" + " ".repeat(20_000) + "}"))
                .isInstanceOf(InvalidJobParameterException.class).hasMessageContaining("at most 16384");
    }

    @Test
    void requeue_parameters_are_read_with_their_ids() {
        RunParameters parameters = parser.parse("{\"requeueIds\": [17, 42], \"requeueDead\": true}");
        assertThat(parameters.requeueIds()).containsExactly(17L, 42L);
        assertThat(parameters.requeueDead()).isTrue();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"requeueIds\": [0]}             | requeueIds must hold positive task ids, got 0",
            "{\"requeueIds\": [-3]}            | requeueIds must hold positive task ids, got -3",
            "{\"requeueIds\": [null]}          | requeueIds must hold positive task ids, got null",
            "{\"requeueIds\": 17}              | malformed JSON parameter",
            "{\"requeueIds\": [\"17\"]}        | malformed JSON parameter",
            "{\"requeueDead\": 1}              | malformed JSON parameter",
    })
    void bad_requeue_parameters_are_refused(String parameter, String expected) {
        assertThatThrownBy(() -> parser.parse(parameter)).isInstanceOf(InvalidJobParameterException.class).hasMessageContaining(expected);
    }

    @Test
    void more_than_a_thousand_requeue_ids_are_refused() {
        String ids = java.util.stream.LongStream.rangeClosed(1, 1001).mapToObj(Long::toString).collect(java.util.stream.Collectors.joining(","));
        assertThatThrownBy(() -> parser.parse("{\"requeueIds\": [" + ids + "]}")).hasMessageContaining("at most 1000 per trigger");
    }
}
