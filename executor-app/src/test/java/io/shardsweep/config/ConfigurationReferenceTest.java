package io.shardsweep.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * docs/configuration.md against the configuration metadata the build generates from the
 * {@code @ConfigurationProperties} records: every {@code shardsweep.*} and {@code xxl.job.*} setting is
 * documented, nothing is documented that does not exist, and a documented default is the real one.
 */
class ConfigurationReferenceTest {

    private static final Path REFERENCE = Path.of("..", "docs", "configuration.md");
    private static final String METADATA = "META-INF/spring-configuration-metadata.json";
    /** A table row of the reference: | `name` | default | meaning |. */
    private static final Pattern ROW = Pattern.compile("(?m)^\\| `((?:shardsweep|xxl\\.job)\\.[^`]+)` \\| ([^|]*) \\|");

    @Test
    void every_shardsweep_and_xxl_job_setting_is_in_the_reference_and_the_reference_names_no_other() throws IOException {
        Map<String, String> documented = documented();
        Map<String, String> metadata = metadata();

        assertThat(documented.keySet()).as("settings in %s", REFERENCE).containsExactlyInAnyOrderElementsOf(metadata.keySet());
    }

    @Test
    void every_documented_default_is_the_default_the_code_binds() throws IOException {
        Map<String, String> documented = documented();
        Map<String, String> expected = new TreeMap<>();
        Map<String, String> actual = new TreeMap<>();
        metadata().forEach((name, defaultValue) -> {
            if (defaultValue != null && documented.containsKey(name)) {
                expected.put(name, defaultValue);
                actual.put(name, documented.get(name));
            }
        });

        assertThat(expected).as("defaults the metadata knows").hasSizeGreaterThan(15);
        assertThat(actual).as("defaults in %s", REFERENCE).isEqualTo(expected);
    }

    /** Relaxed name (lower case, no dashes, as Boot binds it) to the default column, without backticks. */
    private static Map<String, String> documented() throws IOException {
        Map<String, String> rows = new TreeMap<>();
        Matcher m = ROW.matcher(Files.readString(REFERENCE));
        while (m.find()) {
            String previous = rows.put(relaxed(m.group(1)), m.group(2).strip().replace("`", ""));
            assertThat(previous).as("%s is documented twice", m.group(1)).isNull();
        }
        return rows;
    }

    /** Relaxed name to the default value the metadata records, or null when it has none. */
    private static Map<String, String> metadata() throws IOException {
        try (InputStream in = ConfigurationReferenceTest.class.getClassLoader().getResourceAsStream(METADATA)) {
            assertThat(in).as("%s on the classpath (spring-boot-configuration-processor)", METADATA).isNotNull();
            JsonNode root = JsonMapper.builder().build().readTree(in);
            Map<String, String> properties = new TreeMap<>();
            for (JsonNode property : root.path("properties")) {
                String name = property.path("name").asString();
                if (name.startsWith("shardsweep.") || name.startsWith("xxl.job.")) {
                    JsonNode value = property.path("defaultValue");
                    properties.put(relaxed(name), value.isMissingNode() || value.isNull() ? null : value.asString());
                }
            }
            return properties;
        }
    }

    private static String relaxed(String name) {
        return name.replace("-", "").toLowerCase(Locale.ROOT);
    }
}
