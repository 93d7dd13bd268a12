package io.shardsweep.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.xxl.job.core.constant.Const;
import com.xxl.job.core.openapi.AdminBiz;
import com.xxl.job.core.openapi.model.CallbackRequest;
import com.xxl.job.core.openapi.model.RegistryRequest;
import com.xxl.tool.http.HttpTool;
import com.xxl.tool.response.Response;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FakeXxlJobAdminTest {

    private static final String TOKEN = "test-token-1";

    private FakeXxlJobAdmin admin;

    @BeforeEach
    void start() {
        admin = FakeXxlJobAdmin.start(TOKEN);
    }

    @AfterEach
    void stop() {
        admin.close();
    }

    /** The client exactly as XxlJobExecutor#initAdminBizList builds it. */
    private AdminBiz client(String token) {
        return HttpTool.createClient()
                .url(admin.address() + "/api")
                .timeout(3000)
                .header(Const.XXL_JOB_ACCESS_TOKEN, token)
                .proxy(AdminBiz.class);
    }

    @Test
    void registry_and_callback_with_the_right_token_are_accepted_and_recorded() {
        AdminBiz biz = client(TOKEN);

        Response<String> registered = biz.registry(new RegistryRequest("EXECUTOR", "shardsweep", "http://127.0.0.1:9999/"));
        Response<String> calledBack = biz.callback(List.of(
                new CallbackRequest(41L, 1_700_000_000_000L, 200, "deleted 3"),
                new CallbackRequest(42L, 1_700_000_000_001L, 500, "boom")));
        Response<String> removed = biz.registryRemove(new RegistryRequest("EXECUTOR", "shardsweep", "http://127.0.0.1:9999/"));

        assertThat(registered.isSuccess()).isTrue();
        assertThat(calledBack.isSuccess()).isTrue();
        assertThat(removed.isSuccess()).isTrue();
        assertThat(admin.address()).startsWith("http://127.0.0.1:").endsWith("/xxl-job-admin");

        admin.awaitRegistration("shardsweep", Duration.ofSeconds(1));
        assertThat(admin.registrations()).singleElement().satisfies(r -> {
            assertThat(r.getRegistryGroup()).isEqualTo("EXECUTOR");
            assertThat(r.getRegistryValue()).isEqualTo("http://127.0.0.1:9999/");
        });
        assertThat(admin.removals()).singleElement()
                .extracting(RegistryRequest::getRegistryKey).isEqualTo("shardsweep");

        CallbackRequest failed = admin.awaitCallback(42L, Duration.ofSeconds(1));
        assertThat(failed.getHandleCode()).isEqualTo(500);
        assertThat(failed.getHandleMsg()).isEqualTo("boom");
        assertThat(failed.getLogDateTim()).isEqualTo(1_700_000_000_001L);
        assertThat(admin.callbacks()).extracting(CallbackRequest::getLogId).containsExactly(41L, 42L);
        assertThat(admin.rejectedRequests()).isZero();
    }

    @Test
    void a_wrong_or_missing_token_is_rejected_and_nothing_is_recorded() {
        Response<String> wrong = client("not-the-token")
                .registry(new RegistryRequest("EXECUTOR", "shardsweep", "http://127.0.0.1:9999/"));
        Response<String> missing = client(null)
                .callback(List.of(new CallbackRequest(7L, 1L, 200, "ok")));

        assertThat(wrong.isSuccess()).isFalse();
        assertThat(wrong.getCode()).isEqualTo(500);
        assertThat(wrong.getMsg()).isEqualTo("The access token is wrong.");
        assertThat(missing.isSuccess()).isFalse();
        assertThat(missing.getMsg()).isEqualTo("The access token is wrong.");
        assertThat(admin.rejectedRequests()).isEqualTo(2);
        assertThat(admin.registrations()).isEmpty();
        assertThat(admin.callbacks()).isEmpty();
    }

    @Test
    void waiting_for_a_callback_that_never_comes_fails_with_what_was_received() {
        client(TOKEN).callback(List.of(new CallbackRequest(1L, 1L, 200, "ok")));

        assertThatThrownBy(() -> admin.awaitCallback(2L, Duration.ofMillis(200)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("no callback for logId 2")
                .hasMessageContaining("logId=1");
        assertThatThrownBy(() -> admin.awaitRegistration("nobody", Duration.ofMillis(100)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("nobody");
    }

    @Test
    void an_incomplete_registration_is_refused_like_the_admin_does() {
        Response<String> response = client(TOKEN).registry(new RegistryRequest("EXECUTOR", "shardsweep", " "));

        assertThat(response.getMsg()).isEqualTo("Illegal Argument.");
        assertThat(admin.registrations()).isEmpty();
        assertThat(admin.rejectedRequests()).isZero();
    }
}
