package io.shardsweep.storage.filesystem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardsweep.storage.PathRefusedException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class StoragePathTest {

    static Stream<Arguments> refusals() {
        return Stream.of(
                Arguments.of("", "empty or blank"),
                Arguments.of("   ", "empty or blank"),
                Arguments.of("a\u0000b.txt", "control character"),
                Arguments.of("a/b\n.txt", "control character"),
                Arguments.of("a\u007f.txt", "control character"),
                Arguments.of("a\u0085.txt", "control character"),
                Arguments.of("a\ud800.txt", "unpaired surrogate"),
                Arguments.of("a".repeat(5000), "longer than 4096 bytes"),
                Arguments.of("d/".repeat(2048) + "f", "longer than 4096 bytes"),
                Arguments.of("a/" + "x".repeat(300) + "/f.txt", "component longer than 255 bytes"),
                Arguments.of("é".repeat(128), "component longer than 255 bytes"),
                Arguments.of("/etc/passwd", "absolute"),
                Arguments.of("\\\\server\\share\\f.txt", "absolute"),
                Arguments.of("\\f.txt", "absolute"),
                Arguments.of("C:/Windows/win.ini", "absolute"),
                Arguments.of("c:f.txt", "absolute"),
                Arguments.of("..", "'..' component"),
                Arguments.of("../outside/secret.txt", "'..' component"),
                Arguments.of("a/../../outside/secret.txt", "'..' component"),
                Arguments.of("a/..", "'..' component"),
                Arguments.of(".", "'.' component"),
                Arguments.of("./a.txt", "'.' component"),
                Arguments.of("a/./b.txt", "'.' component"),
                Arguments.of("a//b.txt", "empty component"),
                Arguments.of("a/b/", "ends with '/'"),
                Arguments.of("a\\b.txt", "backslash"),
                Arguments.of("a/..\\..\\b.txt", "backslash"));
    }

    @ParameterizedTest(name = "[{index}] refused because it {1}")
    @MethodSource("refusals")
    void a_malformed_path_is_refused_with_a_message_naming_the_reason(String raw, String reason) {
        assertThatThrownBy(() -> StoragePath.parse(raw))
                .isInstanceOf(PathRefusedException.class)
                .hasMessageContaining(reason);
    }

    @Test
    void null_is_refused_as_empty() {
        assertThatThrownBy(() -> StoragePath.parse(null))
                .isInstanceOf(PathRefusedException.class)
                .hasMessageContaining("empty or blank");
    }

    @Test
    void a_refusal_message_echoes_at_most_about_200_characters_of_the_path() {
        String raw = "x".repeat(10_000);

        assertThatThrownBy(() -> StoragePath.parse(raw))
                .isInstanceOf(PathRefusedException.class)
                .satisfies(e -> {
                    assertThat(e.getMessage()).doesNotContain("x".repeat(201)).contains("x".repeat(200));
                    assertThat(e.getMessage()).hasSizeLessThan(400).contains("10000 chars");
                });
    }

    @Test
    void a_refusal_message_escapes_control_characters_so_a_row_cannot_forge_log_lines() {
        assertThatThrownBy(() -> StoragePath.parse("a\nERROR forged\u0000.txt"))
                .isInstanceOf(PathRefusedException.class)
                .satisfies(e -> assertThat(e.getMessage())
                        .doesNotContain("\n")
                        .doesNotContain("\u0000")
                        .contains("a\\u000aERROR forged\\u0000.txt"));
    }

    @Test
    void a_valid_nested_path_parses_to_its_parents_and_file_name() {
        StoragePath path = StoragePath.parse("tenant-7/2024/05/report.pdf");

        assertThat(path.parents()).containsExactly("tenant-7", "2024", "05");
        assertThat(path.fileName()).isEqualTo("report.pdf");
        assertThat(path).hasToString("tenant-7/2024/05/report.pdf");
    }

    @Test
    void a_file_at_the_root_has_no_parents() {
        StoragePath path = StoragePath.parse("report.pdf");

        assertThat(path.parents()).isEmpty();
        assertThat(path.fileName()).isEqualTo("report.pdf");
    }

    @Test
    void parents_cannot_be_modified_by_callers() {
        List<String> parents = StoragePath.parse("a/b/c.txt").parents();

        assertThatThrownBy(() -> parents.set(0, "..")).isInstanceOf(UnsupportedOperationException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {".hidden", "..a", "a..", "...", "a/.config/b..c", "ü/日本語/😀.txt", "has space/x y.txt", "C", "ab:c.txt"})
    void names_that_merely_contain_dots_colons_or_unicode_are_accepted_unchanged(String raw) {
        assertThat(StoragePath.parse(raw)).hasToString(raw);
    }

    @Test
    void a_component_of_exactly_255_bytes_is_accepted_and_256_is_refused() {
        assertThat(StoragePath.parse("x".repeat(255)).fileName()).hasSize(255);

        assertThatThrownBy(() -> StoragePath.parse("x".repeat(256)))
                .isInstanceOf(PathRefusedException.class)
                .hasMessageContaining("component longer than 255 bytes");
    }

    @Test
    void a_path_of_exactly_4096_bytes_is_accepted_and_4097_is_refused() {
        String exact = ("x".repeat(200) + "/").repeat(20) + "y".repeat(4096 - 20 * 201);
        assertThat(exact).hasSize(4096);

        assertThat(StoragePath.parse(exact).parents()).hasSize(20);
        assertThatThrownBy(() -> StoragePath.parse(exact + "y"))
                .isInstanceOf(PathRefusedException.class)
                .hasMessageContaining("longer than 4096 bytes");
    }

    @Test
    void equal_paths_are_equal_and_share_a_hash_code() {
        assertThat(StoragePath.parse("a/b.txt"))
                .isEqualTo(StoragePath.parse("a/b.txt"))
                .hasSameHashCodeAs(StoragePath.parse("a/b.txt"))
                .isNotEqualTo(StoragePath.parse("a/c.txt"));
    }
}
