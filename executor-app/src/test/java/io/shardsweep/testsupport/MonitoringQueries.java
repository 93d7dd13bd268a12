package io.shardsweep.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The metric names that the shipped monitoring (monitoring/: the Grafana dashboard, the alert rules) queries. */
public final class MonitoringQueries {

    /** The prefix of the S3 backend's meters, which exist only with shardsweep.storage.type=s3. */
    public static final String S3_METERS = "shardsweep_s3_";
    private static final Path DASHBOARD = Path.of("..", "monitoring", "grafana", "shardsweep-dashboard.json");
    private static final Path RULES = Path.of("..", "monitoring", "prometheus", "shardsweep-alerts.yml");
    /** PromQL words that look like metric names: aggregation modifiers, set operators, vector matching. */
    private static final Set<String> PROMQL_WORDS = Set.of("by", "without", "and", "or", "unless", "on", "ignoring",
            "group_left", "group_right", "bool", "offset");
    private static final Pattern LABEL_LISTS = Pattern.compile("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)");

    private MonitoringQueries() {
    }

    /** Metric names in every panel query and template variable of the dashboard. */
    public static Set<String> dashboardMetrics() throws IOException {
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
    public static Set<String> ruleMetrics() throws IOException {
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

    /** Whether a Prometheus text scrape has a sample of {@code metric}. */
    public static boolean scrapeHas(String body, String metric) {
        return Pattern.compile("(?m)^" + Pattern.quote(metric) + "[{ ]").matcher(body).find();
    }
}
