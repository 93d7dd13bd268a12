package io.shardsweep.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import org.apache.http.HttpHost;
import org.apache.http.NoHttpResponseException;
import org.apache.http.conn.ConnectTimeoutException;
import org.apache.http.conn.HttpHostConnectException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;

/** Which failed DeleteObjects calls never reached the endpoint: those cost their rows no attempt. */
class S3ConnectFailureTest {

    private static SdkClientException sdk(Throwable cause) {
        return SdkClientException.create("Unable to execute HTTP request: " + cause.getMessage(), cause);
    }

    @Test
    void a_refused_connection_an_unknown_host_no_route_and_a_connect_timeout_never_reached_the_endpoint() {
        HttpHostConnectException refused = new HttpHostConnectException(new ConnectException("Connection refused"),
                new HttpHost("127.0.0.1", 9));
        assertThat(S3Backend.connectFailure(sdk(refused))).isSameAs(refused);
        assertThat(S3Backend.connectFailure(sdk(new UnknownHostException("s3.nowhere.invalid")))).isInstanceOf(UnknownHostException.class);
        assertThat(S3Backend.connectFailure(sdk(new NoRouteToHostException("No route to host")))).isInstanceOf(NoRouteToHostException.class);
        assertThat(S3Backend.connectFailure(sdk(new ConnectTimeoutException("Connect to 10.0.0.1:9000 timed out"))))
                .isInstanceOf(ConnectTimeoutException.class);
    }

    @Test
    void a_reset_a_read_timeout_or_no_answer_once_connected_may_follow_from_the_request_and_is_not_a_connect_failure() {
        assertThat(S3Backend.connectFailure(sdk(new SocketException("Connection reset")))).isNull();
        assertThat(S3Backend.connectFailure(sdk(new SocketTimeoutException("Read timed out")))).isNull();
        assertThat(S3Backend.connectFailure(sdk(new NoHttpResponseException("127.0.0.1:9000 failed to respond")))).isNull();
        assertThat(S3Backend.connectFailure(SdkClientException.create("no cause"))).isNull();
    }
}
