package io.shardsweep.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardsweep.storage.PathRefusedException;
import java.util.Set;
import org.junit.jupiter.api.Test;

class S3LocationTest {

    private static final Set<String> BUCKETS = Set.of("video", "mediafiles");

    @Test
    void a_bucket_and_a_key_are_split_at_the_first_slash() {
        S3Location location = S3Location.parse("video/2026/12/1f3a.mp4", BUCKETS);

        assertThat(location.bucket()).isEqualTo("video");
        assertThat(location.key()).isEqualTo("2026/12/1f3a.mp4");
    }

    @Test
    void a_key_may_hold_backslashes_spaces_and_non_ascii_letters() {
        assertThat(S3Location.parse("mediafiles/a\\b c/é☃.jpg", BUCKETS).key()).isEqualTo("a\\b c/é☃.jpg");
    }

    @Test
    void a_key_of_exactly_1024_bytes_is_accepted() {
        assertThat(S3Location.parse("video/" + "k".repeat(1024), BUCKETS).key()).hasSize(1024);
    }

    @Test
    void a_bucket_that_is_not_in_the_list_is_refused() {
        assertRefused("other/a.mp4", "names bucket 'other', which is not in shardsweep.s3.buckets");
    }

    @Test
    void a_bucket_is_matched_exactly_not_by_case_or_prefix() {
        assertRefused("Video/a.mp4", "not in shardsweep.s3.buckets");
        assertRefused("vid/a.mp4", "not in shardsweep.s3.buckets");
    }

    @Test
    void a_path_without_a_key_is_refused() {
        assertRefused("video", "has no key");
    }

    @Test
    void an_empty_key_is_refused() {
        assertRefused("video/", "has an empty key");
    }

    @Test
    void an_empty_path_is_refused() {
        assertRefused("", "is empty");
    }

    @Test
    void an_absolute_path_is_refused() {
        assertRefused("/video/a.mp4", "is absolute");
    }

    @Test
    void an_empty_component_is_refused() {
        assertRefused("video/a//b.mp4", "has an empty component");
        assertRefused("video/a/", "has an empty component");
        assertRefused("video//a", "has an empty component");
    }

    @Test
    void a_dot_component_is_refused() {
        assertRefused("video/a/./b.mp4", "has a '.' component");
        assertRefused("video/.", "has a '.' component");
    }

    @Test
    void a_dot_dot_component_is_refused() {
        assertRefused("video/../mediafiles/a.mp4", "has a '..' component");
        assertRefused("video/a/..", "has a '..' component");
    }

    @Test
    void a_control_character_is_refused_and_not_echoed_raw() {
        assertThatThrownBy(() -> S3Location.parse("video/a\nforged log line", BUCKETS))
                .isInstanceOf(PathRefusedException.class)
                .hasMessageContaining("control character")
                .hasMessageContaining("\\u000a")
                .hasMessageNotContaining("\n");
        assertRefused("video/a\u0000b", "control character");
        assertRefused("video/a\u007fb", "control character");
    }

    @Test
    void an_unpaired_surrogate_is_refused() {
        assertRefused("video/a\uD800b", "unpaired surrogate");
    }

    @Test
    void a_key_longer_than_1024_bytes_is_refused() {
        assertRefused("video/" + "k".repeat(1025), "longer than 1024 bytes");
        // 342 three-byte characters: 342 chars, but 1026 bytes
        assertRefused("video/" + "☃".repeat(342), "longer than 1024 bytes");
    }

    private static void assertRefused(String path, String reason) {
        assertThatThrownBy(() -> S3Location.parse(path, BUCKETS))
                .isInstanceOf(PathRefusedException.class)
                .hasMessageStartingWith("Refused S3 location ")
                .hasMessageContaining(reason);
    }
}
