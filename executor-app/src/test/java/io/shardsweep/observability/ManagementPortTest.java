package io.shardsweep.observability;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardsweep.ShardSweepApplication;
import io.shardsweep.testsupport.TestDatabase;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.catalina.connector.Connector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ClassPathResource;
import org.springframework.boot.env.YamlPropertySourceLoader;

/**
 * The application with real servers and application.yml's management settings, as it runs in
 * production: actuator on its own port, bound to loopback, and nothing of it on the application port.
 * Only the port numbers are overridden (0: free ports), never the management address.
 */
class ManagementPortTest {

    private static final String TOKEN = "management-test-intake-token-0123456789";
    /** Server namespace ("" for the application's server, "management") to its web server. */
    private static final Map<String, TomcatWebServer> SERVERS = new ConcurrentHashMap<>();
    private static ConfigurableApplicationContext app;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws IOException {
        TestDatabase db = TestDatabase.get();
        db.freshSchema("management");
        Path storage = Files.createTempDirectory("shardsweep-management").toRealPath();
        ApplicationListener<WebServerInitializedEvent> servers = event -> SERVERS.put(
                event.getApplicationContext().getServerNamespace() == null ? "" : event.getApplicationContext().getServerNamespace(),
                (TomcatWebServer) event.getWebServer());
        app = new SpringApplicationBuilder(ShardSweepApplication.class)
                .web(WebApplicationType.SERVLET)
                .listeners(servers)
                .run("--spring.datasource.url=" + db.jdbcUrl("management"),
                        "--spring.datasource.username=" + db.username(),
                        "--spring.datasource.password=" + db.password(),
                        "--shardsweep.storage-root=" + storage,
                        "--shardsweep.intake.api-token=" + TOKEN,
                        "--xxl.job.executor.enabled=false",
                        "--server.port=0",
                        "--server.address=127.0.0.1",
                        "--management.server.port=0",
                        "--spring.main.banner-mode=off");
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
    }

    @Test
    void actuator_health_and_prometheus_are_not_served_on_the_application_port() throws Exception {
        int port = SERVERS.get("").getPort();

        for (String path : new String[] {"/actuator/health", "/actuator/health/readiness", "/actuator/prometheus", "/actuator"}) {
            HttpResponse<String> response = get(port, path);
            assertThat(response.statusCode()).as("GET %s on the application port", path).isEqualTo(404);
            assertThat(response.body()).as("GET %s on the application port", path).doesNotContain("\"components\"").doesNotContain("jvm_");
        }
        assertThat(get(port, "/api/tasks/1").statusCode()).as("the intake API is still on the application port").isEqualTo(401);
    }

    @Test
    void health_with_its_details_and_prometheus_are_served_on_the_management_port() throws Exception {
        int port = SERVERS.get("management").getPort();
        assertThat(port).isNotEqualTo(SERVERS.get("").getPort());

        HttpResponse<String> health = get(port, "/actuator/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\":\"UP\"").contains("\"components\"").contains("\"db\"");
        HttpResponse<String> prometheus = get(port, "/actuator/prometheus");
        assertThat(prometheus.statusCode()).isEqualTo(200);
        assertThat(prometheus.body()).contains("shardsweep_backlog_rows");
    }

    @Test
    void the_liveness_and_readiness_groups_answer_on_the_management_port() throws Exception {
        int port = SERVERS.get("management").getPort();

        assertThat(get(port, "/actuator/health/liveness").statusCode()).isEqualTo(200);
        HttpResponse<String> readiness = get(port, "/actuator/health/readiness");
        assertThat(readiness.statusCode()).isEqualTo(200);
        assertThat(readiness.body()).contains("\"db\"");
    }

    @Test
    void the_management_port_binds_loopback_by_default() {
        Connector connector = SERVERS.get("management").getTomcat().getService().findConnectors()[0];

        assertThat(connector.getProperty("address")).as("management connector address").isInstanceOf(InetAddress.class);
        assertThat(((InetAddress) connector.getProperty("address")).isLoopbackAddress()).as("bound to loopback").isTrue();
    }

    /** The test runs on free ports; the packaged defaults it stands for are these. */
    @Test
    void the_packaged_defaults_put_actuator_on_port_8082_of_loopback_apart_from_the_application_port_8081() throws IOException {
        PropertySource<?> yml = new YamlPropertySourceLoader().load("application.yml", new ClassPathResource("application.yml")).get(0);

        assertThat(yml.getProperty("server.port")).isEqualTo(8081);
        assertThat(yml.getProperty("management.server.port")).isEqualTo(8082);
        assertThat(yml.getProperty("management.server.address")).isEqualTo("127.0.0.1");
    }

    private static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
