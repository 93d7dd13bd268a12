package io.shardsweep.xxljob;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class AccessTokenCheckTest {

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"   "})
    void a_blank_token_refuses_the_start(String token) {
        assertThatThrownBy(() -> ShardSweepXxlJobExecutor.checkAccessToken(token))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("xxl.job.admin.accessToken is empty");
    }

    @Test
    void the_public_default_token_refuses_the_start() {
        assertThatThrownBy(() -> ShardSweepXxlJobExecutor.checkAccessToken("default_token"))
                .hasMessageContaining("publicly known 'default_token'");
    }

    @Test
    void a_short_token_refuses_the_start_and_the_message_never_shows_it() {
        String token = "s3cret-but-short-0123456789abcd"; // 31 characters
        assertThatThrownBy(() -> ShardSweepXxlJobExecutor.checkAccessToken(token))
                .hasMessageContaining("has 31 characters; at least 32")
                .message().doesNotContain(token);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "abc                             ",              // abc and 29 spaces: long enough, and useless
            "0123456789abcdef 0123456789abcdef",            // an inner space
            "0123456789abcdef0123456789abcdef\t",           // a trailing tab
            "0123456789abcdef0123456789abcdef\n",           // a trailing newline, as from a file read with cat
            "0123456789abcdef0123456789abcdéf",             // not ASCII
            "0123456789abcdef\u00000123456789abcdef"})      // a control character
    void a_token_with_whitespace_or_unprintable_characters_refuses_the_start_and_the_message_never_shows_it(String token) {
        assertThatThrownBy(() -> ShardSweepXxlJobExecutor.checkAccessToken(token))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("xxl.job.admin.accessToken must be printable ASCII (0x21-0x7e) without spaces")
                .message().doesNotContain(token.strip()).doesNotContain("0123456789abcdef");
    }

    @Test
    void a_long_random_token_is_accepted() {
        assertThatCode(() -> ShardSweepXxlJobExecutor.checkAccessToken("0123456789abcdef0123456789abcdef")).doesNotThrowAnyException();
    }
}
