package io.shardsweep.intake.http;

import io.shardsweep.TextExcerpt;
import io.shardsweep.intake.BatchEnqueueRequest;
import io.shardsweep.intake.ConditionalOnIntakeEnabled;
import io.shardsweep.intake.EnqueueRequest;
import io.shardsweep.intake.RequeueRequest;
import io.shardsweep.intake.TaskIntake.BatchResult;
import io.shardsweep.intake.TaskIntake.Enqueued;
import io.shardsweep.intake.TaskIntake.RequeueSummary;
import io.shardsweep.intake.TaskIntake;
import io.shardsweep.intake.TaskNotFoundException;
import io.shardsweep.intake.TaskView;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * The intake API: producers enqueue deletions, operators read task state and requeue DEAD tasks.
 * Every request needs {@code Authorization: Bearer <shardsweep.intake.api-token>}
 * ({@link BearerTokenFilter}); errors are RFC 9457 problem details ({@link IntakeExceptionHandler}).
 * The rules live in {@link TaskIntake}; this class only maps HTTP onto it.
 */
@RestController
@ConditionalOnIntakeEnabled
// produces: a request that accepts no JSON is answered 406 before its handler runs, so nothing is
// stored or requeued for an answer the client cannot read (and would send again).
@RequestMapping(path = "/api/tasks", produces = MediaType.APPLICATION_JSON_VALUE)
public class TaskIntakeController {

    private final TaskIntake intake;

    public TaskIntakeController(TaskIntake intake) {
        this.intake = intake;
    }

    /** 201 with the new task, or 200 with the task that already has the business key (pending or DONE). */
    @PostMapping
    public ResponseEntity<TaskView> enqueue(@RequestBody EnqueueRequest request) {
        Enqueued enqueued = intake.enqueue(request);
        if (!enqueued.created()) {
            return ResponseEntity.ok(enqueued.task());
        }
        return ResponseEntity.created(ServletUriComponentsBuilder.fromCurrentRequestUri()
                        .path("/{id}").buildAndExpand(enqueued.task().id()).toUri())
                .body(enqueued.task());
    }

    /** 200 with one result per task, in order; all or nothing. */
    @PostMapping("/batch")
    public BatchResult enqueueBatch(@RequestBody BatchEnqueueRequest request) {
        return intake.enqueueAll(request.tasks());
    }

    @GetMapping("/{id}")
    public TaskView get(@PathVariable long id) {
        return intake.find(id).orElseThrow(() -> new TaskNotFoundException("no task with id " + id + ", neither pending nor finished"));
    }

    @GetMapping
    public TaskView getByBusinessKey(@RequestParam String businessKey) {
        return intake.findByBusinessKey(businessKey).orElseThrow(() -> new TaskNotFoundException(
                "no task with business key " + TextExcerpt.quoted(businessKey) + ", neither pending nor finished"));
    }

    /** 200 with the task, now PENDING; 409 if it is not DEAD. */
    @PostMapping("/{id}/requeue")
    public TaskView requeue(@PathVariable long id) {
        return intake.requeue(id);
    }

    @PostMapping("/requeue")
    public RequeueSummary requeueAll(@RequestBody RequeueRequest request) {
        return intake.requeueAll(request.ids());
    }
}
