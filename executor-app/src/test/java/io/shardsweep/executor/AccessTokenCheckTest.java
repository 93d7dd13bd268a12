package io.shardsweep.executor;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

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

    @Test
    void a_long_random_token_is_accepted() {
        assertThatCode(() -> ShardSweepXxlJobExecutor.checkAccessToken("0123456789abcdef0123456789abcdef")).doesNotThrowAnyException();
    }
}
