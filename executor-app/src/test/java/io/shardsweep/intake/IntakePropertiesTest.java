package io.shardsweep.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.util.unit.DataSize;

class IntakePropertiesTest {

    static final String STRONG = "0123456789abcdef0123456789abcdef";

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "   "})
    void a_missing_or_blank_token_with_the_api_enabled_is_refused_naming_shardsweep_intake_api_token(String token) {
        assertThatThrownBy(() -> enabled(token))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("shardsweep.intake.api-token must be set")
                .hasMessageContaining("shardsweep.intake.enabled=false");
    }

    @Test
    void a_token_shorter_than_32_characters_is_refused_naming_the_property_but_not_the_token() {
        String token = "short-but-still-a-secret-12345"; // 30 characters

        assertThatThrownBy(() -> enabled(token))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("shardsweep.intake.api-token is shorter than 32 characters")
                .message().doesNotContain(token);
    }

    @Test
    void a_token_with_a_space_or_a_control_character_is_refused_naming_the_property() {
        assertThatThrownBy(() -> enabled(STRONG + " x")).hasMessageContaining("shardsweep.intake.api-token must be printable ASCII without spaces");
        assertThatThrownBy(() -> enabled(STRONG + "\n")).hasMessageContaining("shardsweep.intake.api-token must be printable ASCII without spaces");
    }

    @Test
    void a_token_of_32_printable_characters_is_accepted() {
        assertThat(enabled(STRONG).apiToken()).isEqualTo(STRONG);
    }

    @Test
    void with_the_api_disabled_a_missing_or_short_token_is_fine() {
        assertThat(new IntakeProperties(false, null, 1000, DataSize.ofMegabytes(1)).enabled()).isFalse();
        assertThat(new IntakeProperties(false, "short", 1000, DataSize.ofMegabytes(1)).enabled()).isFalse();
    }

    @Test
    void to_string_never_shows_the_token() {
        assertThat(enabled(STRONG).toString()).doesNotContain(STRONG).contains("apiToken=<hidden>");
    }

    @Test
    void a_batch_size_or_body_size_out_of_range_is_refused_naming_the_property() {
        assertThatThrownBy(() -> new IntakeProperties(true, STRONG, 0, DataSize.ofMegabytes(1)))
                .hasMessageContaining("shardsweep.intake.max-batch-size must be between 1 and 100000, got 0");
        assertThatThrownBy(() -> new IntakeProperties(true, STRONG, 1000, DataSize.ofGigabytes(1)))
                .hasMessageContaining("shardsweep.intake.max-body-size must be between 1KB and 64MB");
    }

    private static IntakeProperties enabled(String token) {
        return new IntakeProperties(true, token, 1000, DataSize.ofMegabytes(1));
    }
}
