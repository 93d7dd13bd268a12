package io.shardsweep.startup;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.mock.env.MockEnvironment;

class DatabaseUnreachableFailureAnalyzerTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "jdbc:mysql://127.0.0.1:3307/shardsweep?useSSL=false                  | 127.0.0.1:3307",
            "jdbc:mysql://db.internal/shardsweep                                  | db.internal:3306",
            "jdbc:mysql://admin:s3cr3t-in-url@db.internal:3310/x?password=other    | db.internal:3310",
            "jdbc:mysql://h1:3306,h2:3307/shardsweep                              | h1:3306,h2:3307",
            "jdbc:mariadb://[::1]:3308/shardsweep                                 | [::1]:3308",
            "jdbc:mysql:loadbalance://h1,h2/shardsweep                            | h1:3306,h2:3306",
            "not-a-jdbc-url                                                       | spring.datasource.url"})
    void the_host_and_port_are_taken_from_the_url_and_nothing_else_of_it(String url, String expected) {
        assertThat(DatabaseUnreachableFailureAnalyzer.hostAndPort(url)).isEqualTo(expected);
    }

    @Test
    void a_refused_connection_under_jdbc_is_reported_with_host_port_and_cause_and_never_the_password() {
        MockEnvironment env = new MockEnvironment()
                .withProperty("spring.datasource.url", "jdbc:mysql://root:pw-in-url@127.0.0.1:3307/shardsweep?password=pw-param")
                .withProperty("spring.datasource.password", "pw-property");
        Exception failure = new IllegalStateException("Failed to initialize dependency 'flywayInitializer'",
                new SQLNonTransientConnectionException("Communications link failure\n\nThe last packet sent successfully ...", "08S01",
                        new ConnectException("Connection refused")));

        FailureAnalysis analysis = new DatabaseUnreachableFailureAnalyzer(env).analyze(failure);

        assertThat(analysis.getDescription())
                .isEqualTo("Cannot reach the database at 127.0.0.1:3307 (Connection refused); check spring.datasource.url");
        assertThat(analysis.getDescription() + analysis.getAction()).doesNotContain("pw-in-url").doesNotContain("pw-param")
                .doesNotContain("pw-property");
    }

    @Test
    void a_network_error_that_did_not_come_through_jdbc_is_left_to_other_analyzers() {
        MockEnvironment env = new MockEnvironment().withProperty("spring.datasource.url", "jdbc:mysql://127.0.0.1:3307/x");

        assertThat(new DatabaseUnreachableFailureAnalyzer(env).analyze(new IllegalStateException(new ConnectException("Connection refused"))))
                .isNull();
        assertThat(new DatabaseUnreachableFailureAnalyzer(env).analyze(new SQLException("Table 'x.y' doesn't exist", "42S02")))
                .isNull();
    }
}
