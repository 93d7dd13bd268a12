package io.shardsweep.intake.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import io.shardsweep.intake.BatchEnqueueRequest;
import io.shardsweep.intake.EnqueueRequest;
import io.shardsweep.intake.IntakeProperties;
import io.shardsweep.intake.InvalidRequestException;
import io.shardsweep.intake.RequeueRequest;
import io.shardsweep.intake.TaskValidator;
import io.shardsweep.storage.StorageBackend;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * docs/intake-api.openapi.yaml against the real application: it is valid OpenAPI 3, it describes
 * exactly the endpoints the application maps under /api, every status it documents for an endpoint is
 * produced by a real request below (and every request below answers a documented status), errors with
 * the problem type it documents, and its limits are the code's.
 */
class IntakeApiDescriptionTest extends IntakeHttpTest {

    static final Path DESCRIPTION = Path.of("..", "docs", "intake-api.openapi.yaml");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String BODY = org.springframework.http.MediaType.APPLICATION_JSON_VALUE;

    @Autowired
    StorageBackend storage;

    @Autowired
    @Qualifier("requestMappingHandlerMapping")
    RequestMappingHandlerMapping mappings;

    // ------------------------------------------------------------------- one request per (endpoint, status)

    /** How a request is sent: as it is, or while the database fails. */
    enum Fault { NONE, TABLES_GONE, TABLES_LOCKED }

    interface Request {
        MockHttpServletRequestBuilder build(IntakeApiDescriptionTest test) throws Exception;
    }

    record Sent(Fault fault, Request request) {
    }

    /** Keyed "METHOD /path/template status", as {@link #documented()} names them. */
    static Map<String, Sent> requests() {
        Map<String, Sent> r = new LinkedHashMap<>();
        // POST /api/tasks
        r.put("POST /api/tasks 201", ok(t -> authorized(post("/api/tasks")).contentType(BODY).content("{\"filePath\": \"a.mp4\"}")));
        r.put("POST /api/tasks 200", ok(t -> {
            t.mvc.perform(authorized(post("/api/tasks")).contentType(BODY).content("{\"filePath\": \"a.mp4\", \"businessKey\": \"k\"}"));
            return authorized(post("/api/tasks")).contentType(BODY).content("{\"filePath\": \"b.mp4\", \"businessKey\": \"k\"}");
        }));
        r.put("POST /api/tasks 400", ok(t -> authorized(post("/api/tasks")).contentType(BODY).content("{\"filePath\": \"/etc/passwd\"}")));
        r.put("POST /api/tasks 401", ok(t -> post("/api/tasks").contentType(BODY).content("{\"filePath\": \"a.mp4\"}")));
        r.put("POST /api/tasks 406", ok(t -> authorized(post("/api/tasks")).contentType(BODY).accept("text/plain").content("{\"filePath\": \"a.mp4\"}")));
        r.put("POST /api/tasks 413", ok(t -> authorized(post("/api/tasks")).contentType(BODY).content("{\"filePath\": \"" + "a".repeat(1_100_000) + "\"}")));
        r.put("POST /api/tasks 415", ok(t -> authorized(post("/api/tasks")).contentType("text/plain").content("a.mp4")));
        r.put("POST /api/tasks 500", gone(t -> authorized(post("/api/tasks")).contentType(BODY).content("{\"filePath\": \"a.mp4\", \"businessKey\": \"k\"}")));
        r.put("POST /api/tasks 503", locked(t -> authorized(post("/api/tasks")).contentType(BODY).content("{\"filePath\": \"a.mp4\", \"businessKey\": \"k\"}")));
        // GET /api/tasks?businessKey=
        r.put("GET /api/tasks 200", ok(t -> {
            t.mvc.perform(authorized(post("/api/tasks")).contentType(BODY).content("{\"filePath\": \"a.mp4\", \"businessKey\": \"k\"}"));
            return authorized(get("/api/tasks")).param("businessKey", "k");
        }));
        r.put("GET /api/tasks 400", ok(t -> authorized(get("/api/tasks")).param("businessKey", " k")));
        r.put("GET /api/tasks 401", ok(t -> get("/api/tasks").param("businessKey", "k")));
        r.put("GET /api/tasks 404", ok(t -> authorized(get("/api/tasks")).param("businessKey", "unknown")));
        r.put("GET /api/tasks 406", ok(t -> {
            t.jdbc.update("INSERT INTO file_deletion_task (file_path, business_key) VALUES ('a.mp4', 'k')");
            return authorized(get("/api/tasks")).param("businessKey", "k").accept("text/plain");
        }));
        r.put("GET /api/tasks 500", gone(t -> authorized(get("/api/tasks")).param("businessKey", "k")));
        r.put("GET /api/tasks 503", locked(t -> authorized(get("/api/tasks")).param("businessKey", "k")));
        // POST /api/tasks/batch
        r.put("POST /api/tasks/batch 200", ok(t -> authorized(post("/api/tasks/batch")).contentType(BODY)
                .content("{\"tasks\": [{\"filePath\": \"a.mp4\"}, {\"filePath\": \"b.mp4\"}]}")));
        r.put("POST /api/tasks/batch 400", ok(t -> authorized(post("/api/tasks/batch")).contentType(BODY).content("{\"tasks\": []}")));
        r.put("POST /api/tasks/batch 401", ok(t -> post("/api/tasks/batch").contentType(BODY).content("{\"tasks\": [{\"filePath\": \"a.mp4\"}]}")));
        r.put("POST /api/tasks/batch 406", ok(t -> authorized(post("/api/tasks/batch")).contentType(BODY).accept("text/plain")
                .content("{\"tasks\": [{\"filePath\": \"a.mp4\"}]}")));
        r.put("POST /api/tasks/batch 413", ok(t -> authorized(post("/api/tasks/batch")).contentType(BODY).content("{\"tasks\": "
                + Stream.generate(() -> "{\"filePath\": \"a.mp4\"}").limit(1001).collect(Collectors.joining(", ", "[", "]")) + "}")));
        r.put("POST /api/tasks/batch 415", ok(t -> authorized(post("/api/tasks/batch")).contentType("application/xml").content("<tasks/>")));
        r.put("POST /api/tasks/batch 500", gone(t -> authorized(post("/api/tasks/batch")).contentType(BODY).content("{\"tasks\": [{\"filePath\": \"a.mp4\"}]}")));
        r.put("POST /api/tasks/batch 503", locked(t -> authorized(post("/api/tasks/batch")).contentType(BODY).content("{\"tasks\": [{\"filePath\": \"a.mp4\"}]}")));
        // GET /api/tasks/{id}
        r.put("GET /api/tasks/{id} 200", ok(t -> authorized(get("/api/tasks/" + t.enqueue("a.mp4")))));
        r.put("GET /api/tasks/{id} 400", ok(t -> authorized(get("/api/tasks/12x"))));
        r.put("GET /api/tasks/{id} 401", ok(t -> get("/api/tasks/1")));
        r.put("GET /api/tasks/{id} 404", ok(t -> authorized(get("/api/tasks/424242"))));
        r.put("GET /api/tasks/{id} 406", ok(t -> authorized(get("/api/tasks/" + t.enqueue("a.mp4"))).accept("text/plain")));
        r.put("GET /api/tasks/{id} 500", gone(t -> authorized(get("/api/tasks/1"))));
        r.put("GET /api/tasks/{id} 503", locked(t -> authorized(get("/api/tasks/1"))));
        // POST /api/tasks/{id}/requeue
        r.put("POST /api/tasks/{id}/requeue 200", ok(t -> authorized(post("/api/tasks/" + t.deadTask("d.mp4") + "/requeue"))));
        r.put("POST /api/tasks/{id}/requeue 400", ok(t -> authorized(post("/api/tasks/one/requeue"))));
        r.put("POST /api/tasks/{id}/requeue 401", ok(t -> post("/api/tasks/1/requeue")));
        r.put("POST /api/tasks/{id}/requeue 404", ok(t -> authorized(post("/api/tasks/424242/requeue"))));
        r.put("POST /api/tasks/{id}/requeue 406", ok(t -> authorized(post("/api/tasks/" + t.deadTask("d.mp4") + "/requeue")).accept("text/plain")));
        r.put("POST /api/tasks/{id}/requeue 409", ok(t -> authorized(post("/api/tasks/" + t.enqueue("p.mp4") + "/requeue"))));
        r.put("POST /api/tasks/{id}/requeue 500", gone(t -> authorized(post("/api/tasks/1/requeue"))));
        r.put("POST /api/tasks/{id}/requeue 503", locked(t -> authorized(post("/api/tasks/1/requeue"))));
        // POST /api/tasks/requeue
        r.put("POST /api/tasks/requeue 200", ok(t -> authorized(post("/api/tasks/requeue")).contentType(BODY)
                .content("{\"ids\": [" + t.deadTask("d.mp4") + ", 424242]}")));
        r.put("POST /api/tasks/requeue 400", ok(t -> authorized(post("/api/tasks/requeue")).contentType(BODY).content("{\"ids\": [\"1\"]}")));
        r.put("POST /api/tasks/requeue 401", ok(t -> post("/api/tasks/requeue").contentType(BODY).content("{\"ids\": [1]}")));
        r.put("POST /api/tasks/requeue 406", ok(t -> authorized(post("/api/tasks/requeue")).contentType(BODY).accept("text/plain").content("{\"ids\": [1]}")));
        r.put("POST /api/tasks/requeue 413", ok(t -> authorized(post("/api/tasks/requeue")).contentType(BODY)
                .content("{\"ids\": " + LongStream.range(1, 1002).boxed().toList() + "}")));
        r.put("POST /api/tasks/requeue 415", ok(t -> authorized(post("/api/tasks/requeue")).contentType("text/csv").content("1,2")));
        r.put("POST /api/tasks/requeue 500", gone(t -> authorized(post("/api/tasks/requeue")).contentType(BODY).content("{\"ids\": [1]}")));
        r.put("POST /api/tasks/requeue 503", locked(t -> authorized(post("/api/tasks/requeue")).contentType(BODY).content("{\"ids\": [1]}")));
        return r;
    }

    private static Sent ok(Request request) {
        return new Sent(Fault.NONE, request);
    }

    private static Sent gone(Request request) {
        return new Sent(Fault.TABLES_GONE, request);
    }

    private static Sent locked(Request request) {
        return new Sent(Fault.TABLES_LOCKED, request);
    }

    // ---------------------------------------------------------------------------- the description

    static OpenAPI description() {
        return parse().getOpenAPI();
    }

    private static SwaggerParseResult parse() {
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        options.setResolveFully(true);
        try {
            return new OpenAPIV3Parser().readContents(Files.readString(DESCRIPTION), null, options);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** "METHOD /path status" with the documented problem type (null for a success), for every documented response. */
    static Stream<Arguments> documented() {
        List<Arguments> out = new ArrayList<>();
        description().getPaths().forEach((path, item) -> item.readOperationsMap().forEach((method, operation) ->
                operation.getResponses().forEach((status, response) ->
                        out.add(Arguments.of(method + " " + path + " " + status, problemType(response))))));
        return out.stream();
    }

    /** The one value of the {@code type} enum of the response's problem schema; null for a JSON (success) answer. */
    private static String problemType(ApiResponse response) {
        MediaType problem = response.getContent().get("application/problem+json");
        if (problem == null) {
            return null;
        }
        Schema<?> schema = problem.getSchema();
        List<Schema> parts = schema.getAllOf() == null ? List.of(schema) : schema.getAllOf();
        for (Schema<?> part : parts) {
            if (part.getProperties() != null && part.getProperties().get("type") instanceof Schema<?> type && type.getEnum() != null) {
                assertThat(type.getEnum()).as("one problem type per response").hasSize(1);
                return String.valueOf(type.getEnum().get(0));
            }
        }
        throw new AssertionError("the problem schema of '" + response.getDescription() + "' names no type");
    }

    private static Set<String> documentedEndpoints() {
        Set<String> endpoints = new TreeSet<>();
        description().getPaths().forEach((path, item) -> item.readOperationsMap().keySet()
                .forEach(method -> endpoints.add(method + " " + path)));
        return endpoints;
    }

    // ---------------------------------------------------------------------------------- the tests

    @Test
    void the_description_is_valid_openapi_3_with_no_parser_message_and_a_bearer_scheme_for_every_operation() {
        SwaggerParseResult result = parse();

        assertThat(result.getMessages()).isEmpty();
        OpenAPI api = result.getOpenAPI();
        assertThat(api.getOpenapi()).startsWith("3.");
        assertThat(api.getComponents().getSecuritySchemes().get("bearerAuth"))
                .satisfies(s -> assertThat(s.getType().toString()).isEqualTo("http"))
                .satisfies(s -> assertThat(s.getScheme()).isEqualTo("bearer"));
        assertThat(api.getSecurity()).singleElement().satisfies(s -> assertThat(s).containsOnlyKeys("bearerAuth"));
        api.getPaths().values().forEach(item -> item.readOperations()
                .forEach(op -> assertThat(op.getSecurity()).as(op.getOperationId() + " overrides no security").isNull()));
        // The parser accepts any word as a schema's type; OpenAPI 3.0 allows these six.
        api.getComponents().getSchemas().forEach((name, schema) -> checkTypes(name, schema));
    }

    private static void checkTypes(String where, Schema<?> schema) {
        if (schema == null) {
            return;
        }
        if (schema.getType() != null) {
            assertThat(schema.getType()).as("type of " + where).isIn("object", "array", "string", "integer", "number", "boolean");
        }
        if (schema.getProperties() != null) {
            schema.getProperties().forEach((name, property) -> checkTypes(where + "." + name, property));
        }
        checkTypes(where + "[]", schema.getItems());
        if (schema.getAllOf() != null) {
            schema.getAllOf().forEach(part -> checkTypes(where + " (allOf)", part));
        }
    }

    @Test
    void every_endpoint_the_application_maps_under_api_is_described_and_every_described_endpoint_is_mapped() {
        Set<String> mapped = new TreeSet<>();
        for (RequestMappingInfo info : mappings.getHandlerMethods().keySet()) {
            for (String pattern : info.getPatternValues()) {
                if (pattern.startsWith("/api")) {
                    Set<RequestMethod> methods = info.getMethodsCondition().getMethods();
                    assertThat(methods).as(pattern + " is mapped for named methods only").isNotEmpty();
                    methods.forEach(m -> mapped.add(m.name() + " " + pattern));
                }
            }
        }

        assertThat(mapped).as("the application's endpoints under /api").isNotEmpty().isEqualTo(documentedEndpoints());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("documented")
    void every_documented_status_of_every_endpoint_is_produced_by_a_real_request(String response, String problemType) throws Exception {
        Sent sent = requests().get(response);
        assertThat(sent).as("a request in requests() for the documented response " + response).isNotNull();
        int status = Integer.parseInt(response.substring(response.lastIndexOf(' ') + 1));

        MockHttpServletRequestBuilder request = sent.request().build(this);
        MockHttpServletResponse answer = switch (sent.fault()) {
            case NONE -> mvc.perform(request).andReturn().getResponse();
            case TABLES_GONE -> withTablesGone(() -> mvc.perform(request).andReturn().getResponse());
            case TABLES_LOCKED -> withTablesLocked(() -> mvc.perform(request).andReturn().getResponse());
        };

        assertThat(answer.getStatus()).as("status of %s, body %s", response, answer.getContentAsString()).isEqualTo(status);
        if (problemType == null) {
            assertThat(answer.getContentType()).isEqualTo("application/json");
        } else {
            assertThat(answer.getContentType()).isEqualTo(PROBLEM_JSON);
            JsonNode body = JSON.readTree(answer.getContentAsString());
            assertThat(body.path("type").asString()).as("problem type of %s in %s", response, body).isEqualTo(problemType);
            assertThat(body.path("status").asInt()).isEqualTo(status);
        }
    }

    @Test
    void every_request_of_the_table_is_for_a_documented_response_so_none_answers_an_undocumented_status() {
        Set<String> documented = documented().map(a -> (String) a.get()[0]).collect(Collectors.toCollection(TreeSet::new));

        assertThat(new TreeSet<>(requests().keySet())).isEqualTo(documented);
    }

    @Test
    void the_limits_in_the_description_are_the_ones_the_code_enforces() {
        Map<String, Schema> schemas = description().getComponents().getSchemas();
        IntakeProperties defaults = new IntakeProperties(false, null, 1000, org.springframework.util.unit.DataSize.ofMegabytes(1));
        Schema<?> batch = (Schema<?>) schemas.get("BatchEnqueueRequest").getProperties().get("tasks");
        Schema<?> ids = (Schema<?>) schemas.get("RequeueRequest").getProperties().get("ids");
        Schema<?> path = schemas.get("FilePath");
        Schema<?> key = schemas.get("BusinessKey");
        Schema<?> notBefore = schemas.get("NotBefore");

        assertThat(batch.getMaxItems()).isEqualTo(defaults.maxBatchSize()).isEqualTo(1000);
        assertThat(ids.getMaxItems()).isEqualTo(defaults.maxBatchSize());
        assertThat(batch.getMinItems()).isEqualTo(1);
        assertThat(ids.getMinItems()).isEqualTo(1);
        assertThat(path.getMaxLength()).isEqualTo(TaskValidator.MAX_FILE_PATH_CHARS);
        assertThat(key.getMaxLength()).isEqualTo(TaskValidator.MAX_BUSINESS_KEY_CHARS);
        assertThat(notBefore.getExtensions()).containsEntry("x-earliest", TaskValidator.MIN_NOT_BEFORE.toString())
                .containsEntry("x-latest", TaskValidator.MAX_NOT_BEFORE.toString());
        // Resolved fully, an allOf is merged into one schema.
        Schema<?> errors = (Schema<?>) schemas.get("InvalidRequestProblem").getProperties().get("errors");
        assertThat(errors.getMaxItems()).isEqualTo(IntakeExceptionHandler.MAX_LISTED_VIOLATIONS);
        for (String request : List.of("EnqueueRequest", "BatchEnqueueRequest", "RequeueRequest")) {
            assertThat(schemas.get(request).getAdditionalProperties()).as(request + " refuses unknown fields").isEqualTo(false);
        }
    }

    /** The description's path pattern agrees with the executor's path rules on the hostile paths the API test refuses. */
    @Test
    void the_path_pattern_refuses_the_paths_the_validator_refuses_and_accepts_the_ones_it_accepts() {
        java.util.regex.Pattern pattern = java.util.regex.Pattern.compile(description().getComponents().getSchemas().get("FilePath").getPattern());
        List<String> refused = List.of("/etc/passwd", "../a.mp4", "a/../b.mp4", "./a.mp4", "a/./b", "a//b.mp4", "a/", "C:/x.mp4",
                "a\\b.mp4", "a\u0000b", "a\nb", "   ", "..", ".");
        List<String> accepted = List.of("a.mp4", "videos/2026/11/abc.mp4", "a..b/c.mp4", ".hidden/x", "名前/ファイル.mp4", "a b/c d.mp4");

        for (String path : refused) {
            assertThat(pattern.matcher(path).matches()).as("pattern refuses %s", path).isFalse();
            assertThat(refusedByValidator(path)).as("validator refuses %s", path).isTrue();
        }
        for (String path : accepted) {
            assertThat(pattern.matcher(path).matches()).as("pattern accepts %s", path).isTrue();
            assertThat(refusedByValidator(path)).as("validator accepts %s", path).isFalse();
        }
    }

    /** The application's own check, with its storage backend: the filesystem one, the default. */
    private boolean refusedByValidator(String path) {
        try {
            TaskValidator.validate(new EnqueueRequest(path, null, null), storage);
            return false;
        } catch (InvalidRequestException e) {
            return true;
        }
    }
}
