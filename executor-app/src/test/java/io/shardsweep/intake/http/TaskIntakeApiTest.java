package io.shardsweep.intake.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;

import io.shardsweep.claim.ClaimedBatch;
import io.shardsweep.claim.ShardAssignment;
import io.shardsweep.claim.TaskClaimer;
import io.shardsweep.finish.TaskFinisher;
import io.shardsweep.intake.EnqueueRequest;
import io.shardsweep.intake.TaskIntake;
import io.shardsweep.storage.TaskResult;
import io.shardsweep.testsupport.DatabaseTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.ResultActions;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.result.MockMvcResultMatchers;
import org.springframework.test.web.servlet.result.StatusResultMatchers;
import tools.jackson.databind.json.JsonMapper;

/**
 * The intake API over HTTP (MockMvc on the shared application context, with the application's real
 * servlet filters) against the real database.
 */
class TaskIntakeApiTest extends IntakeHttpTest {

    @Autowired
    JsonMapper json;

    @Autowired
    TaskIntake intake;

    @Autowired
    TaskClaimer claimer;

    @Autowired
    TaskFinisher finisher;

    // ------------------------------------------------------------------------------------- enqueue

    @Test
    void a_new_task_is_answered_201_with_its_view_and_location_and_stored_as_one_pending_row() throws Exception {
        MvcResult result = send(post("/api/tasks"), Map.of("filePath", "videos/2026/11/abc.mp4", "businessKey", "video:abc",
                "notBefore", "2026-12-01T08:00:00+08:00"))
                .andExpect(httpStatus().isCreated())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_JSON))
                .andExpect(jsonPath("$.state").value("PENDING"))
                .andExpect(jsonPath("$.filePath").value("videos/2026/11/abc.mp4"))
                .andExpect(jsonPath("$.businessKey").value("video:abc"))
                .andExpect(jsonPath("$.attempts").value(0))
                .andExpect(jsonPath("$.notBefore").value("2026-12-01T00:00:00Z"))
                .andExpect(jsonPath("$.createdAt").isString())
                .andExpect(jsonPath("$.outcome").value(nullValue()))
                .andReturn();

        long id = idOf(result);
        assertThat(result.getResponse().getHeader(HttpHeaders.LOCATION)).endsWith("/api/tasks/" + id);
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task")).isEqualTo(1);
        assertThat(row(id)).containsEntry("status", "PENDING").containsEntry("file_path", "videos/2026/11/abc.mp4")
                .containsEntry("business_key", "video:abc").containsEntry("attempts", 0);
        assertThat(jdbc.queryForObject("SELECT CAST(not_before AS CHAR) FROM file_deletion_task WHERE id = ?", String.class, id))
                .as("stored in UTC").isEqualTo("2026-12-01 00:00:00.000");
    }

    @Test
    void a_task_without_business_key_or_not_before_is_created_due_now() throws Exception {
        long id = idOf(send(post("/api/tasks"), Map.of("filePath", "a.mp4")).andExpect(httpStatus().isCreated())
                .andExpect(jsonPath("$.businessKey").value(nullValue()))
                .andExpect(jsonPath("$.notBefore").value(nullValue())).andReturn());

        assertThat(row(id)).containsEntry("status", "PENDING").containsEntry("not_before", null).containsEntry("business_key", null);
    }

    @Test
    void the_same_business_key_again_is_answered_200_with_the_first_task_and_stores_no_second_row() throws Exception {
        long first = idOf(send(post("/api/tasks"), Map.of("filePath", "a.mp4", "businessKey", "video:a"))
                .andExpect(httpStatus().isCreated()).andReturn());

        send(post("/api/tasks"), Map.of("filePath", "other.mp4", "businessKey", "video:a"))
                .andExpect(httpStatus().isOk())
                .andExpect(header().doesNotExist(HttpHeaders.LOCATION))
                .andExpect(jsonPath("$.id").value(first))
                .andExpect(jsonPath("$.filePath").value("a.mp4"))
                .andExpect(jsonPath("$.state").value("PENDING"));

        assertThat(count("SELECT COUNT(*) FROM file_deletion_task")).isEqualTo(1);
    }

    @Test
    void a_business_key_that_already_finished_is_answered_200_with_its_history_and_stores_no_new_task() throws Exception {
        jdbc.update("INSERT INTO file_deletion_task_history (id, file_path, business_key, outcome, attempts, created_at, finished_at, finished_by)"
                + " VALUES (77, 'a.mp4', 'video:done', 'ALREADY_ABSENT', 1, '2026-11-01 00:00:00', '2026-11-02 03:04:05.678', 'host-a:9999#1')");

        send(post("/api/tasks"), Map.of("filePath", "a.mp4", "businessKey", "video:done"))
                .andExpect(httpStatus().isOk())
                .andExpect(jsonPath("$.id").value(77))
                .andExpect(jsonPath("$.state").value("DONE"))
                .andExpect(jsonPath("$.outcome").value("ALREADY_ABSENT"))
                .andExpect(jsonPath("$.finishedAt").value("2026-11-02T03:04:05.678Z"))
                .andExpect(jsonPath("$.finishedBy").value("host-a:9999#1"));

        assertThat(count("SELECT COUNT(*) FROM file_deletion_task")).isZero();
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task_history")).isEqualTo(1);
    }

    @Test
    void concurrent_enqueues_of_one_business_key_create_exactly_one_task_and_all_see_its_id() throws Exception {
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<TaskIntake.Enqueued>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                String path = "race-" + i + ".mp4";
                Callable<TaskIntake.Enqueued> enqueue = () -> {
                    start.await();
                    return intake.enqueue(new EnqueueRequest(path, "video:race", null));
                };
                futures.add(pool.submit(enqueue));
            }
            start.countDown();
            List<TaskIntake.Enqueued> results = new ArrayList<>();
            for (Future<TaskIntake.Enqueued> future : futures) {
                results.add(future.get(30, TimeUnit.SECONDS));
            }

            assertThat(results).filteredOn(TaskIntake.Enqueued::created).hasSize(1);
            assertThat(results).extracting(e -> e.task().id()).containsOnly(results.get(0).task().id());
            assertThat(count("SELECT COUNT(*) FROM file_deletion_task WHERE business_key = 'video:race'")).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    // --------------------------------------------------------------------------------------- batch

    /**
     * Overlapping batches, half of them naming the keys in the opposite order, lock the keys' index
     * entries in opposite orders and deadlock in InnoDB. Every request still succeeds: a transaction
     * that loses a deadlock runs again after a short random pause.
     */
    @Test
    void twenty_concurrent_overlapping_batches_all_succeed_and_each_business_key_ends_as_exactly_one_task() throws Exception {
        int requests = 20;
        List<String> keys = IntStream.range(0, 40).mapToObj(i -> String.format("video:overlap-%02d", i)).toList();
        ExecutorService pool = Executors.newFixedThreadPool(requests);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<MvcResult>> futures = new ArrayList<>();
            for (int r = 0; r < requests; r++) {
                List<String> mine = new ArrayList<>(keys.subList(r % 2 * 10, r % 2 * 10 + 30)); // 30 of 40, overlapping by 20
                if (r % 2 == 1) {
                    java.util.Collections.reverse(mine);
                }
                String body = json.writeValueAsString(Map.of("tasks", mine.stream()
                        .map(key -> Map.of("filePath", "videos/" + key.substring(6) + ".mp4", "businessKey", key)).toList()));
                futures.add(pool.submit(() -> {
                    start.await();
                    return mvc.perform(authorized(post("/api/tasks/batch")).contentType(MediaType.APPLICATION_JSON).content(body)).andReturn();
                }));
            }
            start.countDown();
            Map<String, Long> idByKey = new java.util.HashMap<>();
            for (Future<MvcResult> future : futures) {
                MvcResult result = future.get(60, TimeUnit.SECONDS);
                assertThat(result.getResponse().getStatus()).as(result.getResponse().getContentAsString()).isEqualTo(200);
                for (var item : json.readTree(result.getResponse().getContentAsString()).get("results")) {
                    String key = item.get("task").get("businessKey").asString();
                    long id = item.get("task").get("id").asLong();
                    assertThat(idByKey.computeIfAbsent(key, k -> id)).as("every answer names the same task for " + key).isEqualTo(id);
                }
            }
            assertThat(idByKey).hasSize(40);
            assertThat(jdbc.queryForList("SELECT business_key FROM file_deletion_task GROUP BY business_key HAVING COUNT(*) = 1", String.class))
                    .containsExactlyInAnyOrderElementsOf(keys);
            assertThat(count("SELECT COUNT(*) FROM file_deletion_task")).isEqualTo(40);
        } finally {
            pool.shutdownNow();
        }
    }


    @Test
    void a_batch_of_three_valid_tasks_is_answered_200_and_creates_all_three_in_order() throws Exception {
        send(post("/api/tasks/batch"), Map.of("tasks", List.of(
                Map.of("filePath", "a.mp4", "businessKey", "k-a"),
                Map.of("filePath", "b/b.mp4"),
                Map.of("filePath", "c.mp4", "notBefore", "2030-01-01T00:00:00Z"))))
                .andExpect(httpStatus().isOk())
                .andExpect(jsonPath("$.created").value(3))
                .andExpect(jsonPath("$.existing").value(0))
                .andExpect(jsonPath("$.results.length()").value(3))
                .andExpect(jsonPath("$.results[0].index").value(0))
                .andExpect(jsonPath("$.results[0].result").value("created"))
                .andExpect(jsonPath("$.results[0].task.filePath").value("a.mp4"))
                .andExpect(jsonPath("$.results[1].task.filePath").value("b/b.mp4"))
                .andExpect(jsonPath("$.results[2].task.notBefore").value("2030-01-01T00:00:00Z"))
                .andExpect(jsonPath("$.results[2].task.state").value("PENDING"));

        assertThat(jdbc.queryForList("SELECT file_path FROM file_deletion_task WHERE status = 'PENDING' ORDER BY id", String.class))
                .containsExactly("a.mp4", "b/b.mp4", "c.mp4");
    }

    @Test
    void a_batch_reports_a_task_whose_key_exists_as_existing_with_that_task() throws Exception {
        long existing = idOf(send(post("/api/tasks"), Map.of("filePath", "a.mp4", "businessKey", "k-a")).andReturn());

        send(post("/api/tasks/batch"), Map.of("tasks", List.of(
                Map.of("filePath", "a.mp4", "businessKey", "k-a"),
                Map.of("filePath", "b.mp4", "businessKey", "k-b"))))
                .andExpect(httpStatus().isOk())
                .andExpect(jsonPath("$.created").value(1))
                .andExpect(jsonPath("$.existing").value(1))
                .andExpect(jsonPath("$.results[0].result").value("existing"))
                .andExpect(jsonPath("$.results[0].task.id").value(existing))
                .andExpect(jsonPath("$.results[1].result").value("created"));

        assertThat(count("SELECT COUNT(*) FROM file_deletion_task")).isEqualTo(2);
    }

    @Test
    void a_batch_with_one_refused_path_is_refused_whole_with_its_index_and_reason_and_stores_nothing() throws Exception {
        send(post("/api/tasks/batch"), Map.of("tasks", List.of(
                Map.of("filePath", "a.mp4"),
                Map.of("filePath", "../etc/passwd"),
                Map.of("filePath", "c.mp4"))))
                .andExpect(httpStatus().isBadRequest())
                .andExpect(content().contentType(PROBLEM_JSON))
                .andExpect(jsonPath("$.status").value(400))
                .andExpect(jsonPath("$.detail").value(startsWith("1 of 3 tasks are invalid, so nothing was enqueued")))
                .andExpect(jsonPath("$.detail").value(containsString("tasks[1].filePath")))
                .andExpect(jsonPath("$.errors.length()").value(1))
                .andExpect(jsonPath("$.errors[0].index").value(1))
                .andExpect(jsonPath("$.errors[0].field").value("filePath"))
                .andExpect(jsonPath("$.errors[0].reason").value(containsString("'..' component")));

        assertThat(count("SELECT COUNT(*) FROM file_deletion_task")).isZero();
    }

    @Test
    void a_batch_that_names_one_business_key_twice_is_refused_and_stores_nothing() throws Exception {
        send(post("/api/tasks/batch"), Map.of("tasks", List.of(
                Map.of("filePath", "a.mp4", "businessKey", "dup"),
                Map.of("filePath", "b.mp4", "businessKey", "dup"))))
                .andExpect(httpStatus().isBadRequest())
                .andExpect(jsonPath("$.errors[0].index").value(1))
                .andExpect(jsonPath("$.errors[0].reason").value(containsString("also the key of the task at index 0")));

        assertThat(count("SELECT COUNT(*) FROM file_deletion_task")).isZero();
    }

    @Test
    void a_batch_over_the_maximum_size_is_refused_with_413_and_stores_nothing() throws Exception {
        List<Map<String, String>> tasks = IntStream.range(0, 1001).mapToObj(i -> Map.of("filePath", "f" + i + ".mp4")).toList();

        send(post("/api/tasks/batch"), Map.of("tasks", tasks))
                .andExpect(httpStatus().isContentTooLarge())
                .andExpect(content().contentType(PROBLEM_JSON))
                .andExpect(jsonPath("$.detail").value(containsString("1001 tasks, more than shardsweep.intake.max-batch-size (1000)")));

        assertThat(count("SELECT COUNT(*) FROM file_deletion_task")).isZero();
    }

    @Test
    void a_request_that_accepts_no_json_is_refused_with_406_before_anything_is_stored_or_requeued() throws Exception {
        long dead = enqueue("d.mp4");
        jdbc.update("UPDATE file_deletion_task SET status = 'DEAD', attempts = 3 WHERE id = ?", dead);
        mvc.perform(authorized(post("/api/tasks")).contentType(MediaType.APPLICATION_JSON).accept(MediaType.TEXT_PLAIN)
                        .content("{\"filePath\": \"a.mp4\"}"))
                .andExpect(httpStatus().isNotAcceptable());
        mvc.perform(authorized(post("/api/tasks/batch")).contentType(MediaType.APPLICATION_JSON).accept(MediaType.TEXT_PLAIN)
                        .content("{\"tasks\": [{\"filePath\": \"b.mp4\"}]}"))
                .andExpect(httpStatus().isNotAcceptable());
        mvc.perform(authorized(post("/api/tasks/" + dead + "/requeue")).accept(MediaType.TEXT_PLAIN))
                .andExpect(httpStatus().isNotAcceptable());

        // A client that is answered 406 sends again: had the first request been stored, it would be stored twice.
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task")).isEqualTo(1);
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'DEAD'")).isEqualTo(1);
    }

    @Test
    void an_empty_batch_is_refused_with_400() throws Exception {
        send(post("/api/tasks/batch"), Map.of("tasks", List.of()))
                .andExpect(httpStatus().isBadRequest())
                .andExpect(jsonPath("$.detail").value(containsString("tasks: is missing or empty")));
    }

    // ---------------------------------------------------------------------------------- validation

    static Stream<Arguments> hostilePaths() {
        return Stream.of(
                Arguments.of("../etc/passwd", "has a '..' component"),
                Arguments.of("videos/../../etc/passwd", "has a '..' component"),
                Arguments.of("/etc/passwd", "is absolute"),
                Arguments.of("C:/Windows/win.ini", "is absolute"),
                Arguments.of("videos/a\u0000.mp4", "contains a NUL byte or another control character"),
                Arguments.of("videos\\a.mp4", "contains a backslash"),
                Arguments.of("x".repeat(5000), "is longer than 4096 bytes"),
                Arguments.of("abcd/".repeat(205) + "x.mp4", "is longer than 1024 characters, the size of the file_path column"),
                Arguments.of("videos//a.mp4", "has an empty component"),
                Arguments.of("videos/", "ends with '/'"),
                Arguments.of(" ", "is empty or blank"));
    }

    @ParameterizedTest
    @MethodSource("hostilePaths")
    void a_hostile_path_is_refused_with_400_naming_the_rule_and_nothing_is_stored(String path, String reason) throws Exception {
        MvcResult result = send(post("/api/tasks"), Map.of("filePath", path))
                .andExpect(httpStatus().isBadRequest())
                .andExpect(content().contentType(PROBLEM_JSON))
                .andExpect(jsonPath("$.detail").value(containsString(reason)))
                .andExpect(jsonPath("$.errors[0].field").value("filePath"))
                .andReturn();

        assertThat(result.getResponse().getContentAsString()).as("a bounded echo of the input").hasSizeLessThan(1500)
                .doesNotContain("\u0000");
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task")).isZero();
    }

    /**
     * JSON can escape a lone surrogate; Connector/J would write it as '?' and the task would name
     * another file. The path rules refuse it first.
     */
    @Test
    void a_file_path_with_an_escaped_lone_surrogate_is_refused_with_400_and_nothing_is_stored() throws Exception {
        sendRaw(post("/api/tasks"), "{\"filePath\": \"uni/\\uDC80.txt\"}")
                .andExpect(httpStatus().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("filePath"))
                .andExpect(jsonPath("$.errors[0].reason").value(containsString("unpaired surrogate")));
        sendRaw(post("/api/tasks/batch"), "{\"tasks\": [{\"filePath\": \"a.mp4\"}, {\"filePath\": \"uni/\\uD83C.txt\"}]}")
                .andExpect(httpStatus().isBadRequest())
                .andExpect(jsonPath("$.errors[0].index").value(1))
                .andExpect(jsonPath("$.errors[0].reason").value(containsString("unpaired surrogate")));

        assertThat(count("SELECT COUNT(*) FROM file_deletion_task")).isZero();
    }

    /** The raw bytes ED B2 80 (an encoded surrogate, which MariaDB would store) inside a JSON string. */
    @Test
    void a_file_path_sent_as_bytes_that_are_not_utf8_is_refused_with_400_and_nothing_is_stored() throws Exception {
        byte[] body = java.util.HexFormat.of().parseHex("7B2266696C6550617468223A2022756E692FEDB2802E747874227D"); // {"filePath": "uni/ED B2 80.txt"}
        mvc.perform(authorized(post("/api/tasks")).contentType(MediaType.APPLICATION_JSON).content(body))
                .andExpect(httpStatus().isBadRequest())
                .andExpect(content().contentType(PROBLEM_JSON));

        assertThat(count("SELECT COUNT(*) FROM file_deletion_task")).isZero();
    }

    @Test
    void a_business_key_with_an_escaped_lone_surrogate_is_refused_with_400_and_nothing_is_stored() throws Exception {
        sendRaw(post("/api/tasks"), "{\"filePath\": \"a.mp4\", \"businessKey\": \"video:\\uDC80\"}")
                .andExpect(httpStatus().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("businessKey"))
                .andExpect(jsonPath("$.errors[0].reason").value(containsString("unpaired surrogate")));

        assertThat(count("SELECT COUNT(*) FROM file_deletion_task")).isZero();
    }

    @Test
    void a_missing_file_path_is_refused_with_400() throws Exception {
        send(post("/api/tasks"), Map.of("businessKey", "k"))
                .andExpect(httpStatus().isBadRequest())
                .andExpect(jsonPath("$.detail").value("filePath: is required: a path relative to the storage root"));
    }

    static Stream<Arguments> badBusinessKeys() {
        return Stream.of(
                Arguments.of("k".repeat(192), "is longer than 191 characters"),
                Arguments.of("video:\nforged log line", "contains a control character"),
                Arguments.of("video:a ", "starts or ends with whitespace"),
                Arguments.of("", "is empty"));
    }

    @ParameterizedTest
    @MethodSource("badBusinessKeys")
    void a_bad_business_key_is_refused_with_400_naming_the_rule_and_nothing_is_stored(String key, String reason) throws Exception {
        send(post("/api/tasks"), Map.of("filePath", "a.mp4", "businessKey", key))
                .andExpect(httpStatus().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("businessKey"))
                .andExpect(jsonPath("$.errors[0].reason").value(containsString(reason)));

        assertThat(count("SELECT COUNT(*) FROM file_deletion_task")).isZero();
    }

    @Test
    void a_business_key_of_191_characters_outside_the_basic_plane_is_accepted() throws Exception {
        String key = "\uD83C\uDFAC".repeat(191); // 191 characters, 382 UTF-16 units, 764 bytes
        send(post("/api/tasks"), Map.of("filePath", "a.mp4", "businessKey", key))
                .andExpect(httpStatus().isCreated())
                .andExpect(jsonPath("$.businessKey").value(key));
    }

    @Test
    void a_not_before_in_2040_is_refused_with_400_naming_the_2038_limit_and_nothing_is_stored() throws Exception {
        send(post("/api/tasks"), Map.of("filePath", "a.mp4", "notBefore", "2040-01-01T00:00:00Z"))
                .andExpect(httpStatus().isBadRequest())
                .andExpect(content().contentType(PROBLEM_JSON))
                .andExpect(jsonPath("$.errors[0].field").value("notBefore"))
                .andExpect(jsonPath("$.detail").value(containsString("2038-01-19T03:14:07.999Z, the range of the TIMESTAMP column")));

        assertThat(count("SELECT COUNT(*) FROM file_deletion_task")).isZero();
    }

    @Test
    void a_not_before_that_is_not_an_iso_instant_is_refused_with_400_saying_what_is_expected() throws Exception {
        send(post("/api/tasks"), Map.of("filePath", "a.mp4", "notBefore", "tomorrow"))
                .andExpect(httpStatus().isBadRequest())
                .andExpect(jsonPath("$.detail").value(containsString("'tomorrow' is not an ISO-8601 instant such as 2026-12-01T00:00:00Z")));

        assertThat(count("SELECT COUNT(*) FROM file_deletion_task")).isZero();
    }

    @Test
    void an_unknown_field_is_refused_with_400_naming_it_and_the_allowed_ones() throws Exception {
        sendRaw(post("/api/tasks"), "{\"filePath\": \"a.mp4\", \"filepath\": \"b.mp4\"}")
                .andExpect(httpStatus().isBadRequest())
                .andExpect(content().contentType(PROBLEM_JSON))
                .andExpect(jsonPath("$.detail").value(startsWith("unknown field 'filepath'")))
                .andExpect(jsonPath("$.detail").value(containsString("allowed: businessKey, filePath, notBefore")));

        assertThat(count("SELECT COUNT(*) FROM file_deletion_task")).isZero();
    }

    @Test
    void an_unknown_field_inside_a_batch_is_refused_with_400_naming_the_task() throws Exception {
        sendRaw(post("/api/tasks/batch"), "{\"tasks\": [{\"filePath\": \"a.mp4\"}, {\"filePath\": \"b.mp4\", \"priority\": 1}]}")
                .andExpect(httpStatus().isBadRequest())
                .andExpect(jsonPath("$.detail").value(startsWith("unknown field 'priority' in 'tasks[1]'")));

        assertThat(count("SELECT COUNT(*) FROM file_deletion_task")).isZero();
    }

    @Test
    void malformed_json_is_refused_with_400_saying_where() throws Exception {
        sendRaw(post("/api/tasks"), "{\"filePath\": \"a.mp4\",,}")
                .andExpect(httpStatus().isBadRequest())
                .andExpect(content().contentType(PROBLEM_JSON))
                .andExpect(jsonPath("$.detail").value(startsWith("malformed JSON at line 1, column")));

        assertThat(count("SELECT COUNT(*) FROM file_deletion_task")).isZero();
    }

    @Test
    void anything_after_the_json_object_is_refused_with_400() throws Exception {
        sendRaw(post("/api/tasks"), "{\"filePath\": \"a.mp4\"} {\"filePath\": \"b.mp4\"}")
                .andExpect(httpStatus().isBadRequest());

        assertThat(count("SELECT COUNT(*) FROM file_deletion_task")).isZero();
    }

    @Test
    void a_repeated_field_is_refused_with_400_rather_than_one_of_them_winning() throws Exception {
        sendRaw(post("/api/tasks"), "{\"filePath\": \"a.mp4\", \"filePath\": \"../etc/passwd\"}")
                .andExpect(httpStatus().isBadRequest())
                .andExpect(jsonPath("$.detail").value(containsString("filePath")));

        assertThat(count("SELECT COUNT(*) FROM file_deletion_task")).isZero();
    }

    @Test
    void a_number_where_a_string_belongs_is_refused_with_400_naming_the_field() throws Exception {
        sendRaw(post("/api/tasks"), "{\"filePath\": 42}")
                .andExpect(httpStatus().isBadRequest())
                .andExpect(jsonPath("$.detail").value(startsWith("field 'filePath' must be a string")));
    }

    @Test
    void a_missing_body_is_refused_with_400() throws Exception {
        mvc.perform(authorized(post("/api/tasks")).contentType(MediaType.APPLICATION_JSON))
                .andExpect(httpStatus().isBadRequest())
                .andExpect(jsonPath("$.detail").value("the request body is missing; send a JSON object"));
    }

    @Test
    void a_body_over_the_size_cap_is_refused_with_413_and_nothing_is_stored() throws Exception {
        String body = "{\"filePath\": \"a.mp4\", \"businessKey\": \"" + "k".repeat(1024 * 1024) + "\"}";

        sendRaw(post("/api/tasks"), body)
                .andExpect(httpStatus().isContentTooLarge())
                .andExpect(content().contentType(PROBLEM_JSON))
                .andExpect(jsonPath("$.detail").value(containsString("more than shardsweep.intake.max-body-size (1048576 bytes)")));

        assertThat(count("SELECT COUNT(*) FROM file_deletion_task")).isZero();
    }

    // ------------------------------------------------------------------------------ authentication

    @Test
    void a_request_without_a_token_is_refused_with_401_and_a_bearer_challenge_and_stores_nothing() throws Exception {
        mvc.perform(post("/api/tasks").contentType(MediaType.APPLICATION_JSON).content("{\"filePath\": \"a.mp4\"}"))
                .andExpect(httpStatus().isUnauthorized())
                .andExpect(header().string(HttpHeaders.WWW_AUTHENTICATE, startsWith("Bearer")))
                .andExpect(content().contentType(PROBLEM_JSON))
                .andExpect(jsonPath("$.status").value(401))
                .andExpect(jsonPath("$.detail").value(startsWith("no Authorization header")));

        assertThat(count("SELECT COUNT(*) FROM file_deletion_task")).isZero();
    }

    @Test
    void a_wrong_token_is_refused_with_401_and_an_invalid_token_challenge_and_stores_nothing() throws Exception {
        mvc.perform(post("/api/tasks").header(HttpHeaders.AUTHORIZATION, "Bearer not-the-token-0123456789abcdef0123456")
                        .contentType(MediaType.APPLICATION_JSON).content("{\"filePath\": \"a.mp4\"}"))
                .andExpect(httpStatus().isUnauthorized())
                .andExpect(header().string(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"shardsweep-intake\", error=\"invalid_token\""))
                .andExpect(content().contentType(PROBLEM_JSON))
                .andExpect(jsonPath("$.detail").value(startsWith("the bearer token is not valid")));

        assertThat(count("SELECT COUNT(*) FROM file_deletion_task")).isZero();
    }

    @Test
    void a_lowercase_bearer_scheme_with_a_wrong_token_is_refused_with_401_and_stores_nothing() throws Exception {
        mvc.perform(post("/api/tasks").header(HttpHeaders.AUTHORIZATION, "bearer not-the-token-0123456789abcdef0123456")
                        .contentType(MediaType.APPLICATION_JSON).content("{\"filePath\": \"a.mp4\"}"))
                .andExpect(httpStatus().isUnauthorized())
                .andExpect(header().string(HttpHeaders.WWW_AUTHENTICATE, startsWith("Bearer")));

        assertThat(count("SELECT COUNT(*) FROM file_deletion_task")).isZero();
    }

    @Test
    void the_bearer_scheme_is_case_insensitive_so_lowercase_bearer_with_the_right_token_is_accepted() throws Exception {
        mvc.perform(post("/api/tasks").header(HttpHeaders.AUTHORIZATION, "bearer " + TOKEN)
                        .contentType(MediaType.APPLICATION_JSON).content("{\"filePath\": \"a.mp4\"}"))
                .andExpect(httpStatus().isCreated());
    }

    @Test
    void a_near_miss_token_or_another_scheme_is_refused_with_401() throws Exception {
        for (String near : List.of(TOKEN.substring(0, TOKEN.length() - 1), TOKEN + "4", TOKEN.toUpperCase(), "Basic " + TOKEN)) {
            String value = near.startsWith("Basic ") ? near : "Bearer " + near;
            mvc.perform(get("/api/tasks/1").header(HttpHeaders.AUTHORIZATION, value))
                    .andExpect(httpStatus().isUnauthorized());
        }
    }

    @Test
    void an_unknown_path_under_api_is_refused_with_401_before_it_is_looked_up() throws Exception {
        mvc.perform(get("/api/no-such-thing")).andExpect(httpStatus().isUnauthorized());
        mvc.perform(delete("/api/tasks/1"))
                .andExpect(httpStatus().isUnauthorized());
    }

    @Test
    void authentication_comes_before_the_body_is_read_so_an_oversized_body_without_a_token_gets_401() throws Exception {
        mvc.perform(post("/api/tasks").contentType(MediaType.APPLICATION_JSON).content("{\"x\": \"" + "k".repeat(2 * 1024 * 1024) + "\"}"))
                .andExpect(httpStatus().isUnauthorized());
    }

    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void the_token_never_appears_in_the_logs_even_at_trace_level(CapturedOutput output) throws Exception {
        String wrongToken = "wrong-token-that-must-not-be-logged-0123456789";
        LoggingSystem logging = LoggingSystem.get(getClass().getClassLoader());
        List<String> loggers = List.of("org.springframework.web", "org.springframework.test.web", "io.shardsweep.intake", "org.apache.catalina");
        loggers.forEach(name -> logging.setLogLevel(name, LogLevel.TRACE));
        try {
            mvc.perform(post("/api/tasks").header(HttpHeaders.AUTHORIZATION, "Bearer " + wrongToken)
                            .contentType(MediaType.APPLICATION_JSON).content("{\"filePath\": \"a.mp4\"}"))
                    .andExpect(httpStatus().isUnauthorized());
            send(post("/api/tasks"), Map.of("filePath", "b.mp4")).andExpect(httpStatus().isCreated());
            send(post("/api/tasks"), Map.of("filePath", "../c.mp4")).andExpect(httpStatus().isBadRequest());
        } finally {
            loggers.forEach(name -> logging.setLogLevel(name, null));
        }

        assertThat(output.getAll()).as("the capture works: the refusal was logged").contains("intake API: refused POST '/api/tasks'");
        assertThat(output.getAll()).doesNotContain(TOKEN).doesNotContain(wrongToken);
    }

    // ----------------------------------------------------------------------------------------- get

    @Test
    void get_of_a_pending_task_reports_pending_with_its_fields() throws Exception {
        long id = enqueue("videos/a.mp4");
        jdbc.update("UPDATE file_deletion_task SET business_key = 'k', not_before = '2030-01-02 03:04:05.006' WHERE id = ?", id);

        authorizedGet("/api/tasks/" + id)
                .andExpect(httpStatus().isOk())
                .andExpect(jsonPath("$.id").value(id))
                .andExpect(jsonPath("$.state").value("PENDING"))
                .andExpect(jsonPath("$.filePath").value("videos/a.mp4"))
                .andExpect(jsonPath("$.businessKey").value("k"))
                .andExpect(jsonPath("$.attempts").value(0))
                .andExpect(jsonPath("$.notBefore").value("2030-01-02T03:04:05.006Z"))
                .andExpect(jsonPath("$.lastError").value(nullValue()))
                .andExpect(jsonPath("$.finishedAt").value(nullValue()))
                .andExpect(jsonPath("$.createdAt").isString());
    }

    @Test
    void get_of_a_task_whose_path_bytes_are_not_utf8_shows_no_path_and_says_why() throws Exception {
        jdbc.update("INSERT INTO file_deletion_task (file_path) VALUES (CONVERT(X'756E692FEDB2802E747874' USING utf8mb4))");
        long id = jdbc.queryForObject("SELECT MAX(id) FROM file_deletion_task", Long.class);
        long valid = enqueue("uni/ok.txt");

        MvcResult result = authorizedGet("/api/tasks/" + id)
                .andExpect(httpStatus().isOk())
                .andExpect(jsonPath("$.state").value("PENDING"))
                .andExpect(jsonPath("$.filePath").value(nullValue()))
                .andExpect(jsonPath("$.filePathProblem").value("file_path is not valid UTF-8 (bytes ED B2 80 at offset 4 of 11)"))
                .andReturn();

        assertThat(result.getResponse().getContentAsString()).doesNotContain("\uFFFD").doesNotContain("\\ufffd");
        authorizedGet("/api/tasks/" + valid).andExpect(jsonPath("$.filePath").value("uni/ok.txt"))
                .andExpect(jsonPath("$.filePathProblem").doesNotExist());
    }

    @Test
    void get_of_a_claimed_task_reports_in_progress() throws Exception {
        long id = enqueue("a.mp4");
        claimer.claim(ShardAssignment.ALL, 10);

        authorizedGet("/api/tasks/" + id).andExpect(httpStatus().isOk()).andExpect(jsonPath("$.state").value("IN_PROGRESS"));
    }

    @Test
    void get_of_a_dead_task_reports_dead_with_its_attempts_and_last_error() throws Exception {
        long id = enqueue("a.mp4");
        jdbc.update("UPDATE file_deletion_task SET status = 'DEAD', attempts = 3, last_error = 'disk on fire' WHERE id = ?", id);

        authorizedGet("/api/tasks/" + id)
                .andExpect(httpStatus().isOk())
                .andExpect(jsonPath("$.state").value("DEAD"))
                .andExpect(jsonPath("$.attempts").value(3))
                .andExpect(jsonPath("$.lastError").value("disk on fire"));
    }

    @Test
    void get_of_a_finished_task_reports_done_from_history_with_outcome_and_finisher() throws Exception {
        long id = idOf(send(post("/api/tasks"), Map.of("filePath", "a.mp4", "businessKey", "video:a")).andReturn());
        ClaimedBatch batch = claimer.claim(ShardAssignment.ALL, 10);
        finisher.finish(batch, List.of(TaskResult.of(batch.tasks().get(0), TaskResult.Kind.DELETED)));

        authorizedGet("/api/tasks/" + id)
                .andExpect(httpStatus().isOk())
                .andExpect(jsonPath("$.id").value(id))
                .andExpect(jsonPath("$.state").value("DONE"))
                .andExpect(jsonPath("$.filePath").value("a.mp4"))
                .andExpect(jsonPath("$.outcome").value("DELETED"))
                .andExpect(jsonPath("$.finishedBy").value(claimer.owner()))
                .andExpect(jsonPath("$.finishedAt").isString())
                .andExpect(jsonPath("$.notBefore").value(nullValue()));
        authorizedGet("/api/tasks?businessKey=video:a").andExpect(httpStatus().isOk()).andExpect(jsonPath("$.state").value("DONE"));
    }

    @Test
    void get_of_an_unknown_id_is_answered_404() throws Exception {
        authorizedGet("/api/tasks/123456789")
                .andExpect(httpStatus().isNotFound())
                .andExpect(content().contentType(PROBLEM_JSON))
                .andExpect(jsonPath("$.detail").value("no task with id 123456789, neither pending nor finished"));
    }

    @Test
    void get_with_an_id_that_is_not_a_number_is_answered_400_with_a_bounded_echo() throws Exception {
        MvcResult result = authorizedGet("/api/tasks/" + "x".repeat(1000))
                .andExpect(httpStatus().isBadRequest())
                .andExpect(content().contentType(PROBLEM_JSON))
                .andExpect(jsonPath("$.detail").value(startsWith("'id' must be a whole number (a task id)")))
                .andReturn();

        assertThat(result.getResponse().getContentAsString()).doesNotContain("x".repeat(201));
    }

    @Test
    void get_by_business_key_prefers_the_pending_task_over_a_finished_one() throws Exception {
        jdbc.update("INSERT INTO file_deletion_task_history (id, file_path, business_key, outcome, attempts, created_at, finished_at, finished_by)"
                + " VALUES (5, 'old.mp4', 'video:k', 'DELETED', 0, '2026-01-01 00:00:00', '2026-01-02 00:00:00', 'x')");
        long pending = enqueue("new.mp4");
        jdbc.update("UPDATE file_deletion_task SET business_key = 'video:k' WHERE id = ?", pending);

        authorizedGet("/api/tasks?businessKey=video:k")
                .andExpect(httpStatus().isOk())
                .andExpect(jsonPath("$.id").value(pending))
                .andExpect(jsonPath("$.state").value("PENDING"));
    }

    @Test
    void get_by_an_unknown_business_key_is_answered_404_and_without_one_400() throws Exception {
        authorizedGet("/api/tasks?businessKey=nope").andExpect(httpStatus().isNotFound())
                .andExpect(jsonPath("$.detail").value("no task with business key 'nope', neither pending nor finished"));
        authorizedGet("/api/tasks").andExpect(httpStatus().isBadRequest()).andExpect(content().contentType(PROBLEM_JSON));
    }

    // ------------------------------------------------------------------------------------- requeue

    @Test
    void requeueing_a_dead_task_makes_it_pending_due_now_with_no_attempts_and_no_claim() throws Exception {
        long id = enqueue("a.mp4");
        jdbc.update("UPDATE file_deletion_task SET status = 'DEAD', attempts = 3, last_error = 'permission denied',"
                + " not_before = '2030-01-01 00:00:00', claim_owner = 'host-a', claim_token = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa',"
                + " lease_until = '2030-01-01 00:00:00' WHERE id = ?", id);

        send(post("/api/tasks/" + id + "/requeue"), null)
                .andExpect(httpStatus().isOk())
                .andExpect(jsonPath("$.state").value("PENDING"))
                .andExpect(jsonPath("$.attempts").value(0))
                .andExpect(jsonPath("$.notBefore").value(nullValue()))
                .andExpect(jsonPath("$.lastError").value("requeued by intake API; before: permission denied"));

        assertThat(row(id)).containsEntry("status", "PENDING").containsEntry("attempts", 0).containsEntry("not_before", null)
                .containsEntry("claim_token", null).containsEntry("lease_until", null);
        assertThat(claimer.claim(ShardAssignment.ALL, 10).tasks()).as("claimed again by the executor").hasSize(1);
    }

    @Test
    void requeueing_a_pending_task_is_answered_409_and_leaves_it_unchanged() throws Exception {
        long id = enqueue("a.mp4");
        jdbc.update("UPDATE file_deletion_task SET attempts = 1, last_error = 'timeout' WHERE id = ?", id);

        send(post("/api/tasks/" + id + "/requeue"), null)
                .andExpect(httpStatus().isConflict())
                .andExpect(content().contentType(PROBLEM_JSON))
                .andExpect(jsonPath("$.state").value("PENDING"))
                .andExpect(jsonPath("$.detail").value(containsString("only DEAD tasks can be requeued")));

        assertThat(row(id)).containsEntry("status", "PENDING").containsEntry("attempts", 1).containsEntry("last_error", "timeout");
    }

    @Test
    void requeueing_an_in_progress_or_finished_task_is_answered_409() throws Exception {
        long claimed = enqueue("a.mp4");
        claimer.claim(ShardAssignment.ALL, 10);
        jdbc.update("INSERT INTO file_deletion_task_history (id, file_path, business_key, outcome, attempts, created_at, finished_at, finished_by)"
                + " VALUES (900, 'b.mp4', NULL, 'DELETED', 0, '2026-01-01 00:00:00', '2026-01-02 00:00:00', 'x')");

        send(post("/api/tasks/" + claimed + "/requeue"), null).andExpect(httpStatus().isConflict()).andExpect(jsonPath("$.state").value("IN_PROGRESS"));
        send(post("/api/tasks/900/requeue"), null).andExpect(httpStatus().isConflict()).andExpect(jsonPath("$.state").value("DONE"));
        assertThat(status(claimed)).isEqualTo("IN_PROGRESS");
    }

    @Test
    void requeueing_an_unknown_task_is_answered_404() throws Exception {
        send(post("/api/tasks/424242/requeue"), null).andExpect(httpStatus().isNotFound()).andExpect(content().contentType(PROBLEM_JSON));
    }

    @Test
    void bulk_requeue_requeues_the_dead_tasks_and_counts_the_skipped_ones_by_reason() throws Exception {
        long dead1 = enqueue("d1.mp4");
        long dead2 = enqueue("d2.mp4");
        long pending = enqueue("p.mp4");
        jdbc.update("UPDATE file_deletion_task SET status = 'DEAD', attempts = 3 WHERE id IN (?, ?)", dead1, dead2);
        jdbc.update("INSERT INTO file_deletion_task_history (id, file_path, business_key, outcome, attempts, created_at, finished_at, finished_by)"
                + " VALUES (900, 'b.mp4', NULL, 'DELETED', 0, '2026-01-01 00:00:00', '2026-01-02 00:00:00', 'x')");

        send(post("/api/tasks/requeue"), Map.of("ids", List.of(dead2, pending, 900, 999_999, dead1, dead2)))
                .andExpect(httpStatus().isOk())
                .andExpect(jsonPath("$.requeued").value(2))
                .andExpect(jsonPath("$.skipped").value(3))
                .andExpect(jsonPath("$.requeuedIds").value(contains((int) dead1, (int) dead2)))
                .andExpect(jsonPath("$.notDeadIds").value(contains((int) pending, 900)))
                .andExpect(jsonPath("$.unknownIds").value(contains(999_999)));

        assertThat(count("SELECT COUNT(*) FROM file_deletion_task WHERE status = 'PENDING' AND attempts = 0")).isEqualTo(3);
    }

    @Test
    void bulk_requeue_of_more_ids_than_the_maximum_is_refused_with_413_and_requeues_nothing() throws Exception {
        long dead = enqueue("d.mp4");
        jdbc.update("UPDATE file_deletion_task SET status = 'DEAD' WHERE id = ?", dead);
        List<Long> ids = LongStream.range(dead, dead + 1001).boxed().toList();

        send(post("/api/tasks/requeue"), Map.of("ids", ids)).andExpect(httpStatus().isContentTooLarge());
        assertThat(status(dead)).isEqualTo("DEAD");
    }

    // ------------------------------------------------------------------------------------- helpers

    /** DatabaseTest's status(id) hides MockMvcResultMatchers.status(). */
    private static StatusResultMatchers httpStatus() {
        return MockMvcResultMatchers.status();
    }

    private ResultActions authorizedGet(String uri) throws Exception {
        return mvc.perform(authorized(get(uri)));
    }

    /** Sends {@code body} as JSON (null: no body) with the right token. */
    private ResultActions send(MockHttpServletRequestBuilder request, Object body) throws Exception {
        return body == null ? mvc.perform(authorized(request)) : sendRaw(request, json.writeValueAsString(body));
    }

    private ResultActions sendRaw(MockHttpServletRequestBuilder request, String body) throws Exception {
        return mvc.perform(authorized(request).contentType(MediaType.APPLICATION_JSON).content(body));
    }

    private long idOf(MvcResult result) throws Exception {
        return json.readTree(result.getResponse().getContentAsString()).get("id").asLong();
    }
}
