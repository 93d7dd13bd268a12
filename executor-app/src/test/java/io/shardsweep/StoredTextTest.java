package io.shardsweep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class StoredTextTest {

    @ParameterizedTest
    @ValueSource(strings = {"", "videos/2026/11/abc.mp4", "caf\u00e9/\u4e2d\u6587.txt", "\uD83C\uDFAC/clip.mp4", "uni/\uFFFD.txt", "nonchar/\uFFFE"})
    void valid_utf8_decodes_to_exactly_its_text(String text) {
        StoredText stored = StoredText.decode(text.getBytes(StandardCharsets.UTF_8));

        assertThat(stored.isValidUtf8()).isTrue();
        assertThat(stored.text()).isEqualTo(text);
        assertThat(stored.invalidReason()).isNull();
        assertThat(stored.invalidOffset()).isEqualTo(-1);
    }

    static Stream<Arguments> invalidSequences() {
        return Stream.of(
                Arguments.of("756E692FEDB2802E747874", "bytes ED B2 80 at offset 4 of 11"),  // an encoded lone surrogate, U+DC80
                Arguments.of("756E692FEDA080EDB080", "bytes ED A0 80 at offset 4 of 10"),    // CESU-8: a surrogate pair as two sequences
                Arguments.of("756E692F802E747874", "bytes 80 at offset 4 of 9"),             // a lone continuation byte
                Arguments.of("756E692FC0AF2E747874", "bytes C0 AF at offset 4 of 10"),       // overlong '/'
                Arguments.of("756E692FE0808F", "bytes E0 80 8F at offset 4 of 7"),           // overlong 3-byte form
                Arguments.of("756E692FF0808080", "bytes F0 80 80 80 at offset 4 of 8"),      // overlong 4-byte form
                Arguments.of("756E692FF4908080", "bytes F4 90 80 80 at offset 4 of 8"),      // above U+10FFFF
                Arguments.of("756E692FE282", "bytes E2 82 at offset 4 of 6"),                // truncated at the end
                Arguments.of("FF", "bytes FF at offset 0 of 1"));
    }

    @ParameterizedTest
    @MethodSource("invalidSequences")
    void bytes_that_are_not_utf8_have_no_text_and_say_where_they_break(String hex, String where) {
        StoredText stored = StoredText.decode(HexFormat.of().parseHex(hex));

        assertThat(stored.isValidUtf8()).isFalse();
        assertThat(stored.invalidReason()).isEqualTo("not valid UTF-8 (" + where + ")");
        assertThatThrownBy(stored::text).isInstanceOf(IllegalStateException.class).hasMessageContaining(where);
        assertThat(stored.toString()).doesNotContain("\uFFFD").contains(where);
        assertThat(HexFormat.of().withUpperCase().formatHex(stored.bytes())).isEqualTo(hex);
    }

    @Test
    void the_bytes_are_kept_apart_from_the_callers_array() {
        byte[] bytes = "a.txt".getBytes(StandardCharsets.UTF_8);
        StoredText stored = StoredText.decode(bytes);
        bytes[0] = 'b';

        assertThat(stored.text()).isEqualTo("a.txt");
        stored.bytes()[0] = 'c';
        assertThat(stored.bytes()[0]).isEqualTo((byte) 'a');
    }
}
