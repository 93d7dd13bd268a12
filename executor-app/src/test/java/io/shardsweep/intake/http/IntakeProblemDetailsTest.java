package io.shardsweep.intake.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;

import io.shardsweep.TextExcerpt;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every error of the intake API is an RFC 9457 problem with a ShardSweep type: those of its own
 * handlers, those Spring MVC raises (malformed JSON, a missing parameter, 404 for an unknown path, 405,
 * 406, 415), and the bearer filter's 401, written outside Spring MVC.
 */
class IntakeProblemDetailsTest extends IntakeHttpTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** How a case is sent: as it is, or while the database fails. */
    enum Fault { NONE, TABLES_GONE, TABLES_LOCKED }

    interface Request {
        MockHttpServletRequestBuilder build(IntakeProblemDetailsTest test);
    }

    record Case(String name, ProblemType type, Fault fault, String instance, Request request) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Case> cases() {
        String json = MediaType.APPLICATION_JSON_VALUE;
        return List.of(
                new Case("a refused path", ProblemType.INVALID_REQUEST, Fault.NONE, "/api/tasks",
                        t -> authorized(post("/api/tasks")).contentType(json).content("{\"filePath\": \"../etc/passwd\"}")),
                new Case("malformed JSON", ProblemType.INVALID_REQUEST, Fault.NONE, "/api/tasks",
                        t -> authorized(post("/api/tasks")).contentType(json).content("{\"filePath\": ")),
                new Case("a missing body", ProblemType.INVALID_REQUEST, Fault.NONE, "/api/tasks/batch",
                        t -> authorized(post("/api/tasks/batch")).contentType(json)),
                new Case("a missing query parameter", ProblemType.INVALID_REQUEST, Fault.NONE, "/api/tasks",
                        t -> authorized(get("/api/tasks"))),
                new Case("an id that is not a number", ProblemType.INVALID_REQUEST, Fault.NONE, "/api/tasks/abc",
                        t -> authorized(get("/api/tasks/abc"))),
                new Case("no token", ProblemType.UNAUTHORIZED, Fault.NONE, "/api/tasks/1",
                        t -> get("/api/tasks/1")),
                new Case("a wrong token", ProblemType.UNAUTHORIZED, Fault.NONE, "/api/tasks",
                        t -> post("/api/tasks").header(HttpHeaders.AUTHORIZATION, "Bearer " + "x".repeat(40))
                                .contentType(json).content("{\"filePath\": \"a.mp4\"}")),
                new Case("no token on an unknown path", ProblemType.UNAUTHORIZED, Fault.NONE, "/api/no-such-thing",
                        t -> get("/api/no-such-thing")),
                new Case("an unknown task", ProblemType.TASK_NOT_FOUND, Fault.NONE, "/api/tasks/424242",
                        t -> authorized(get("/api/tasks/424242"))),
                new Case("an unknown path under /api", ProblemType.ENDPOINT_NOT_FOUND, Fault.NONE, "/api/no-such-thing",
                        t -> authorized(get("/api/no-such-thing"))),
                new Case("/api itself", ProblemType.ENDPOINT_NOT_FOUND, Fault.NONE, "/api",
                        t -> authorized(get("/api"))),
                new Case("DELETE of a task", ProblemType.METHOD_NOT_ALLOWED, Fault.NONE, "/api/tasks/1",
                        t -> authorized(delete("/api/tasks/1"))),
                new Case("PUT of the task collection", ProblemType.METHOD_NOT_ALLOWED, Fault.NONE, "/api/tasks",
                        t -> authorized(put("/api/tasks")).contentType(json).content("{}")),
                new Case("Accept text/plain", ProblemType.NOT_ACCEPTABLE, Fault.NONE, null,
                        t -> authorized(get("/api/tasks/" + t.enqueue("a.mp4"))).accept(MediaType.TEXT_PLAIN)),
                new Case("a requeue of a pending task", ProblemType.TASK_NOT_DEAD, Fault.NONE, null,
                        t -> authorized(post("/api/tasks/" + t.enqueue("p.mp4") + "/requeue"))),
                new Case("a batch of 1001 ids", ProblemType.REQUEST_TOO_LARGE, Fault.NONE, "/api/tasks/requeue",
                        t -> authorized(post("/api/tasks/requeue")).contentType(json).content("{\"ids\": "
                                + LongStream.range(1, 1002).boxed().toList() + "}")),
                new Case("a body over 1 MB", ProblemType.REQUEST_TOO_LARGE, Fault.NONE, "/api/tasks",
                        t -> authorized(post("/api/tasks")).contentType(json).content("{\"filePath\": \"" + "a".repeat(1_100_000) + "\"}")),
                new Case("a text/plain body", ProblemType.UNSUPPORTED_MEDIA_TYPE, Fault.NONE, "/api/tasks",
                        t -> authorized(post("/api/tasks")).contentType(MediaType.TEXT_PLAIN).content("a.mp4")),
                new Case("tables that are gone", ProblemType.INTERNAL_ERROR, Fault.TABLES_GONE, "/api/tasks/7",
                        t -> authorized(get("/api/tasks/7"))),
                new Case("tables locked by another session", ProblemType.UNAVAILABLE, Fault.TABLES_LOCKED, "/api/tasks/7/requeue",
                        t -> authorized(post("/api/tasks/7/requeue"))));
    }

    static Stream<Arguments> everyCase() {
        return cases().stream().map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyCase")
    void every_error_is_a_problem_json_with_its_shardsweep_type_title_status_the_request_path_and_no_token(Case c) throws Exception {
        MockHttpServletRequestBuilder request = c.request().build(this);
        MockHttpServletResponse response = switch (c.fault()) {
            case NONE -> mvc.perform(request).andReturn().getResponse();
            case TABLES_GONE -> withTablesGone(() -> mvc.perform(request).andReturn().getResponse());
            case TABLES_LOCKED -> withTablesLocked(() -> mvc.perform(request).andReturn().getResponse());
        };

        assertThat(response.getStatus()).as("HTTP status, body %s", response.getContentAsString()).isEqualTo(c.type().status().value());
        assertThat(response.getContentType()).isEqualTo(PROBLEM_JSON);
        JsonNode body = JSON.readTree(response.getContentAsString());
        assertThat(body.path("type").asString()).as("type in %s", body).isEqualTo(c.type().type().toString()).startsWith("urn:shardsweep:problem:");
        assertThat(body.path("title").asString()).isEqualTo(c.type().title());
        assertThat(body.path("status").asInt()).isEqualTo(response.getStatus());
        assertThat(body.path("detail").asString()).isNotBlank().hasSizeLessThanOrEqualTo(600).doesNotContain(TOKEN).doesNotContain("xxxxxxxxxx");
        if (c.instance() != null) {
            assertThat(body.path("instance").asString()).isEqualTo(c.instance());
        } else {
            assertThat(body.path("instance").asString()).startsWith("/api/tasks/");
        }
    }

    @Test
    void every_problem_type_is_produced_by_one_of_the_cases() {
        Set<ProblemType> produced = EnumSet.noneOf(ProblemType.class);
        cases().forEach(c -> produced.add(c.type()));
        assertThat(produced).containsExactlyInAnyOrder(ProblemType.values());
    }

    @Test
    void the_405_keeps_springs_allow_header_and_names_the_method_and_the_allowed_ones() throws Exception {
        MockHttpServletResponse response = mvc.perform(authorized(put("/api/tasks"))).andReturn().getResponse();

        assertThat(response.getStatus()).isEqualTo(405);
        assertThat(response.getHeader(HttpHeaders.ALLOW).split(",\\s*")).containsExactlyInAnyOrder("GET", "POST");
        assertThat(JSON.readTree(response.getContentAsString()).path("detail").asString())
                .isEqualTo("method 'PUT' is not allowed at this path; allowed: GET, POST");
    }

    @Test
    void the_404_of_an_unknown_path_does_not_echo_the_path_in_its_detail_and_cuts_it_in_instance() throws Exception {
        String path = "/api/" + "z".repeat(5000);
        MockHttpServletResponse response = mvc.perform(authorized(get(path))).andReturn().getResponse();

        assertThat(response.getStatus()).isEqualTo(404);
        JsonNode body = JSON.readTree(response.getContentAsString());
        assertThat(body.path("type").asString()).isEqualTo("urn:shardsweep:problem:endpoint-not-found");
        assertThat(body.path("detail").asString()).doesNotContain("zzz");
        assertThat(body.path("instance").asString()).hasSize(TextExcerpt.MAX_ECHO_CHARS + 3).endsWith("...");
    }

    @Test
    void a_hostile_content_type_is_echoed_in_the_415_detail_only_as_a_bounded_excerpt() throws Exception {
        String hostile = "text/" + "p".repeat(5000);
        MockHttpServletResponse response = mvc.perform(authorized(post("/api/tasks")).contentType(hostile).content("x"))
                .andReturn().getResponse();

        assertThat(response.getStatus()).isEqualTo(415);
        String detail = JSON.readTree(response.getContentAsString()).path("detail").asString();
        assertThat(detail).startsWith("Content-Type 'text/ppp").contains("chars in total").hasSizeLessThan(400);
    }

    @Test
    void the_503_says_when_to_retry() throws Exception {
        MockHttpServletResponse response = withTablesLocked(() -> mvc.perform(authorized(get("/api/tasks/1"))).andReturn().getResponse());

        assertThat(response.getStatus()).isEqualTo(503);
        assertThat(response.getHeader(HttpHeaders.RETRY_AFTER)).isEqualTo("5");
    }

    @Test
    void paths_outside_api_keep_spring_boots_own_error_answer() throws Exception {
        MockHttpServletResponse response = mvc.perform(get("/no-such-page").accept(MediaType.APPLICATION_JSON)).andReturn().getResponse();

        assertThat(response.getStatus()).isEqualTo(404);
        assertThat(response.getContentAsString()).doesNotContain("urn:shardsweep:problem");
    }

    @Test
    void the_docs_and_the_openapi_description_name_every_problem_type() throws Exception {
        String docs = Files.readString(Path.of("..", "docs", "intake-api.md"));
        String description = Files.readString(IntakeApiDescriptionTest.DESCRIPTION);
        for (ProblemType type : ProblemType.values()) {
            assertThat(docs).as("docs/intake-api.md").contains("`" + type.type() + "`");
            assertThat(description).as("the OpenAPI description").contains(type.type().toString());
        }
    }
}
