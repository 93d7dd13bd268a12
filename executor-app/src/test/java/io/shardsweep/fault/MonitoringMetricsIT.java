package io.shardsweep.fault;

import static io.shardsweep.fault.FaultScenario.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import io.shardsweep.testsupport.RandomTokens;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

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

    private static final Path DASHBOARD = Path.of("..", "monitoring", "grafana", "shardsweep-dashboard.json");
    private static final Path RULES = Path.of("..", "monitoring", "prometheus", "shardsweep-alerts.yml");
    /** Series that Prometheus writes itself for every target; never part of a scrape. */
    private static final Set<String> PROMETHEUS_OWN = Set.of("up");
    /** PromQL words that look like metric names: aggregation modifiers, set operators, vector matching. */
    private static final Set<String> PROMQL_WORDS = Set.of("by", "without", "and", "or", "unless", "on", "ignoring",
            "group_left", "group_right", "bool", "offset");
    private static final Pattern LABEL_LISTS = Pattern.compile("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)");
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
        Set<String> used = new TreeSet<>(dashboardMetrics());
        used.addAll(ruleMetrics());
        used.removeAll(PROMETHEUS_OWN);
        assertThat(used).as("metric names found in %s and %s", DASHBOARD, RULES).hasSizeGreaterThan(10);

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
            if (!Pattern.compile("(?m)^" + Pattern.quote(metric) + "[{ ]").matcher(body).find()) {
                missing.add(metric);
            }
        }
        assertThat(missing).as("metrics queried by monitoring/ but absent from the scrape").isEmpty();
        scenario.assertExactlyOnce(total, "monitored_metrics=" + used.size());
    }

    /** Metric names in every panel query and template variable of the dashboard. */
    private static Set<String> dashboardMetrics() throws IOException {
        JsonNode dashboard = JsonMapper.builder().build().readTree(Files.readString(DASHBOARD));
        Set<String> names = new TreeSet<>();
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                names.addAll(metricNames(target.path("expr").asString()));
            }
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            Matcher m = LABEL_VALUES.matcher(variable.path("definition").asString(""));
            if (m.find()) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    @SuppressWarnings("unchecked")
    private static Set<String> ruleMetrics() throws IOException {
        Map<String, Object> file = new Yaml().load(Files.readString(RULES));
        Set<String> names = new TreeSet<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) file.get("groups")) {
            for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
                names.addAll(metricNames(String.valueOf(rule.get("expr"))));
            }
        }
        return names;
    }

    /**
     * The metric names of a PromQL expression: what is left once strings, label matchers, range
     * selectors and label lists are taken out, minus function calls and PromQL's own words.
     */
    static Set<String> metricNames(String expr) {
        String s = expr.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", " ")
                .replaceAll("\\{[^}]*\\}", " ")
                .replaceAll("\\[[^\\]]*\\]", " ");
        s = LABEL_LISTS.matcher(s).replaceAll(" ");
        Set<String> names = new TreeSet<>();
        Matcher m = IDENTIFIER.matcher(s);
        while (m.find()) {
            String rest = s.substring(m.end()).stripLeading();
            boolean call = rest.startsWith("(");
            boolean variable = m.start() > 0 && s.charAt(m.start() - 1) == '$';
            if (!call && !variable && !PROMQL_WORDS.contains(m.group())) {
                names.add(m.group());
            }
        }
        return names;
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
