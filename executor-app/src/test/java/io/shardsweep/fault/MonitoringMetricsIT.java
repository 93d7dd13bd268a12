package io.shardsweep.fault;

import static io.shardsweep.fault.FaultScenario.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import io.shardsweep.testsupport.MonitoringQueries;
import io.shardsweep.testsupport.RandomTokens;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The monitoring that ships ({@code monitoring/}) reads only meters that exist: every metric name in
 * the Grafana dashboard's queries and in the Prometheus alert rules must be in a real scrape of
 * {@code /actuator/prometheus} on the management port of the packaged executor, after the work an
 * operator's executor does (a cleanup run, a compensation run, an intake API call, its registry beat).
 * A renamed meter, or a query with a typo, fails here instead of showing "No data" in production.
 *
 * <p>Run alone: {@code mvn -B -pl executor-app verify -Dtest=NoSuchTest -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=MonitoringMetricsIT}.
 */
class MonitoringMetricsIT {

    /** Series that Prometheus writes itself for every target; never part of a scrape. */
    private static final Set<String> PROMETHEUS_OWN = Set.of("up");
    /** Meters of the S3 backend, absent from this filesystem executor: S3CleanupRunTest checks those. */
    private static final String S3_METERS = MonitoringQueries.S3_METERS;
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private FaultScenario scenario;

    @AfterEach
    void cleanUp() {
        if (scenario != null) {
            scenario.close();
        }
    }

    @Test
    void every_metric_the_dashboard_and_the_alert_rules_query_is_in_a_real_scrape_of_an_executor() throws Exception {
        Set<String> used = new TreeSet<>(MonitoringQueries.dashboardMetrics());
        used.addAll(MonitoringQueries.ruleMetrics());
        used.removeAll(PROMETHEUS_OWN);
        used.removeIf(name -> name.startsWith(S3_METERS));
        assertThat(used).as("metric names found in monitoring/").hasSizeGreaterThan(10);

        scenario = new FaultScenario("monitoring");
        int total = scenario.createBacklog(100);
        String apiToken = RandomTokens.of(40);
        ExecutorProcess executor = scenario.launch(scenario.directJdbcUrl(), Map.of(
                "shardsweep.intake.enabled", "true",
                "shardsweep.intake.api-token", apiToken,
                "shardsweep.metrics-refresh", "1s"));
        executor.awaitReady();
        scenario.succeeded(scenario.cleanup(executor, scenario.nextJobId(), "{\"batchSize\": 50}", 0, 1));
        scenario.compensate(executor);
        HttpResponse<String> intake = http.send(HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + executor.serverPort() + "/api/tasks/1"))
                .header("Authorization", "Bearer " + apiToken).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(intake.statusCode()).as("intake API answer").isIn(200, 404);
        awaitTrue("the registry gauge reads 1", WAIT, () -> sample(scrape(executor), "shardsweep_xxl_job_registered") == 1.0,
                () -> scenario.describe());

        String body = scrape(executor);
        Set<String> missing = new TreeSet<>();
        for (String metric : used) {
            if (!MonitoringQueries.scrapeHas(body, metric)) {
                missing.add(metric);
            }
        }
        assertThat(missing).as("metrics queried by monitoring/ but absent from the scrape").isEmpty();
        scenario.assertExactlyOnce(total, "monitored_metrics=" + used.size());
    }

    private String scrape(ExecutorProcess executor) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + executor.managementPort() + "/actuator/prometheus")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as("scrape status").isEqualTo(200);
            return "\n" + response.body();
        } catch (IOException e) {
            throw new IllegalStateException("scrape of " + executor + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The value of the first sample of {@code metric}, or NaN when there is none. */
    private static double sample(String body, String metric) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(metric) + "(?:\\{[^}]*\\})? (\\S+)$").matcher(body);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }
}
