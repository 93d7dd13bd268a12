package io.shardsweep.intake;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.shardsweep.IdChunks;
import io.shardsweep.TextExcerpt;
import io.shardsweep.intake.TaskValidator.NewTask;
import io.shardsweep.requeue.TaskRequeuer;
import io.shardsweep.storage.StorageBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.retry.RetryPolicy;
import org.springframework.core.retry.RetryTemplate;
import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What producers and operators can do through the intake API: enqueue tasks (idempotently by business
 * key), look them up, and requeue DEAD ones. Every request is one transaction, so a batch is stored
 * whole or not at all.
 *
 * <p>A business key names one deletion for good: enqueueing a key again returns the task that has it,
 * pending or finished, and never creates a second task, even after the first one has moved to history.
 * (Inserting by SQL, as docs/how-it-works.md shows, does create a new task for a finished key.)
 */
@Service
@ConditionalOnIntakeEnabled
public class TaskIntake {

    private static final Logger log = LoggerFactory.getLogger(TaskIntake.class);
    /** Who requeued, in the note put before a requeued task's previous error. */
    static final String REQUEUED_BY = "intake API";

    /**
     * A transaction that loses a lock conflict runs again, at most this many times, after a pause that
     * starts at {@link #RETRY_DELAY}, doubles, and is shifted by up to {@link #RETRY_JITTER} at random,
     * within {@link #RETRY_TIMEOUT} in all; then the request is answered 503. Immediate retries of
     * overlapping batches met each other again: 2 of 20 concurrent requests ran out of them.
     */
    static final int MAX_LOCK_CONFLICT_RETRIES = 6;
    static final Duration RETRY_DELAY = Duration.ofMillis(20);
    static final Duration RETRY_JITTER = Duration.ofMillis(15);
    static final Duration RETRY_MAX_DELAY = Duration.ofMillis(400);
    static final Duration RETRY_TIMEOUT = Duration.ofSeconds(3);
    /** A key that disappears between INSERT IGNORE and the read-back (deleted by hand) is tried again. */
    private static final int MAX_ENQUEUE_ATTEMPTS = 3;

    private final IntakeMapper mapper;
    private final TaskRequeuer requeuer;
    private final TransactionTemplate transaction;
    /**
     * Deadlocks, lock wait timeouts and serialization failures: PessimisticLockingFailureException and
     * its subclasses (DeadlockLoserDataAccessException, CannotAcquireLockException). Each attempt is a
     * transaction of its own; InnoDB has rolled the losing one back whole.
     */
    private final RetryTemplate lockConflictRetry = new RetryTemplate(RetryPolicy.builder()
            .includes(PessimisticLockingFailureException.class)
            .maxRetries(MAX_LOCK_CONFLICT_RETRIES)
            .delay(RETRY_DELAY)
            .jitter(RETRY_JITTER)
            .multiplier(2)
            .maxDelay(RETRY_MAX_DELAY)
            .timeout(RETRY_TIMEOUT)
            .build());
    private final IntakeProperties properties;
    /** Whose path grammar a task must follow: the same one the executor deletes by. */
    private final StorageBackend storage;

    public TaskIntake(IntakeMapper mapper, TaskRequeuer requeuer, PlatformTransactionManager transactionManager,
                      IntakeProperties properties, StorageBackend storage) {
        this.mapper = mapper;
        this.requeuer = requeuer;
        this.storage = storage;
        this.properties = properties;
        this.transaction = new TransactionTemplate(transactionManager);
        // The claim and the finisher run under READ COMMITTED; each read below must see the latest commit.
        this.transaction.setIsolationLevel(TransactionDefinition.ISOLATION_READ_COMMITTED);
    }

    /** What happened to one enqueued task: {@code created}, or {@code existing} (pending or DONE). */
    public enum Result {
        @JsonProperty("created")
        CREATED,
        @JsonProperty("existing")
        EXISTING
    }

    public record Enqueued(Result result, TaskView task) {
        public boolean created() {
            return result == Result.CREATED;
        }
    }

    /** One line of a batch answer. */
    @JsonPropertyOrder({"index", "result", "task"})
    public record BatchItem(int index, Result result, TaskView task) {
    }

    @JsonPropertyOrder({"created", "existing", "results"})
    public record BatchResult(int created, int existing, List<BatchItem> results) {
    }

    /**
     * @param requeuedIds DEAD tasks now PENDING
     * @param notDeadIds tasks left alone because they are PENDING, IN_PROGRESS or DONE
     * @param unknownIds ids that are in neither table
     */
    @JsonPropertyOrder({"requeued", "skipped", "requeuedIds", "notDeadIds", "unknownIds"})
    public record RequeueSummary(int requeued, int skipped, List<Long> requeuedIds, List<Long> notDeadIds, List<Long> unknownIds) {
    }

    /**
     * @throws InvalidRequestException if the task breaks a rule; nothing is stored
     */
    public Enqueued enqueue(EnqueueRequest request) {
        NewTask task = TaskValidator.validate(request, storage);
        Enqueued enqueued = inTransaction(() -> {
            Stored stored = store(task);
            return stored.existing != null ? new Enqueued(Result.EXISTING, stored.existing)
                    : new Enqueued(Result.CREATED, mapper.findById(stored.createdId));
        });
        log.debug("intake: task {} {}", enqueued.task().id(), enqueued.result());
        return enqueued;
    }

    /**
     * Validates every task first and stores none if any is invalid; then stores them all in one
     * transaction.
     *
     * @throws RequestTooLargeException if there are more than {@code shardsweep.intake.max-batch-size}
     * @throws InvalidRequestException listing every invalid task by index; nothing is stored
     */
    public BatchResult enqueueAll(List<EnqueueRequest> requests) {
        if (requests == null || requests.isEmpty()) {
            throw new InvalidRequestException(new Violation(null, "tasks", "is missing or empty; send {\"tasks\": [{\"filePath\": ...}, ...]}"));
        }
        if (requests.size() > properties.maxBatchSize()) {
            throw new RequestTooLargeException("the batch has " + requests.size() + " tasks, more than shardsweep.intake.max-batch-size ("
                    + properties.maxBatchSize() + "); split it, nothing was enqueued");
        }
        List<NewTask> tasks = TaskValidator.validateAll(requests, storage);
        BatchResult result = inTransaction(() -> {
            List<Stored> stored = new ArrayList<>(tasks.size());
            List<Long> createdIds = new ArrayList<>();
            for (NewTask task : tasks) {
                Stored s = store(task);
                stored.add(s);
                if (s.existing == null) {
                    createdIds.add(s.createdId);
                }
            }
            // Read the new rows back in a few statements instead of one per task.
            Map<Long, TaskView> created = new HashMap<>();
            for (List<Long> chunk : IdChunks.of(createdIds)) {
                mapper.findPendingByIds(chunk).forEach(view -> created.put(view.id(), view));
            }
            List<BatchItem> items = new ArrayList<>(stored.size());
            for (int i = 0; i < stored.size(); i++) {
                Stored s = stored.get(i);
                items.add(s.existing != null ? new BatchItem(i, Result.EXISTING, s.existing)
                        : new BatchItem(i, Result.CREATED, created.get(s.createdId)));
            }
            return new BatchResult(createdIds.size(), stored.size() - createdIds.size(), items);
        });
        log.debug("intake: batch of {}: {} created, {} existing", tasks.size(), result.created(), result.existing());
        return result;
    }

    public Optional<TaskView> find(long id) {
        return Optional.ofNullable(mapper.findById(id));
    }

    /** @throws InvalidRequestException if {@code businessKey} could never have been stored */
    public Optional<TaskView> findByBusinessKey(String businessKey) {
        return Optional.ofNullable(mapper.findByBusinessKey(TaskValidator.checkBusinessKey(businessKey)));
    }

    /**
     * Makes a DEAD task PENDING again, due now, with a fresh attempt budget.
     *
     * @throws TaskNotFoundException if there is no such task
     * @throws TaskNotDeadException if the task is PENDING, IN_PROGRESS or DONE; it is left unchanged
     */
    public TaskView requeue(long id) {
        TaskView view = inTransaction(() -> {
            int changed = requeuer.requeueDeadIds(List.of(id), REQUEUED_BY);
            TaskView now = mapper.findById(id);
            if (now == null) {
                throw new TaskNotFoundException("no task with id " + id + ", neither pending nor finished");
            }
            if (changed == 0) {
                throw new TaskNotDeadException(id, now.state());
            }
            return now;
        });
        log.info("intake: requeued DEAD task {} ({})", id, TextExcerpt.quoted(view.filePath()));
        return view;
    }

    /**
     * Requeues the DEAD tasks among {@code ids} and skips the others.
     *
     * @throws RequestTooLargeException if there are more than {@code shardsweep.intake.max-batch-size} ids
     */
    public RequeueSummary requeueAll(List<Long> ids) {
        if (ids == null || ids.isEmpty()) {
            throw new InvalidRequestException(new Violation(null, "ids", "is missing or empty; send {\"ids\": [1, 2, 3]}"));
        }
        if (ids.size() > properties.maxBatchSize()) {
            throw new RequestTooLargeException("the request names " + ids.size() + " ids, more than shardsweep.intake.max-batch-size ("
                    + properties.maxBatchSize() + "); split it, nothing was requeued");
        }
        if (ids.contains(null)) {
            throw new InvalidRequestException(new Violation(ids.indexOf(null), "ids", "is null; every id must be a number"));
        }
        List<Long> distinct = List.copyOf(new LinkedHashSet<>(ids));
        RequeueSummary summary = inTransaction(() -> {
            List<Long> requeued = new ArrayList<>();
            for (List<Long> chunk : IdChunks.of(distinct)) {
                List<Long> dead = mapper.lockDead(chunk);
                if (!dead.isEmpty()) {
                    int changed = requeuer.requeueDeadIds(dead, REQUEUED_BY);
                    if (changed != dead.size()) {
                        throw new IllegalStateException("requeued " + changed + " of " + dead.size() + " locked DEAD rows; rolled back");
                    }
                    requeued.addAll(dead);
                }
            }
            Set<Long> requeuedSet = Set.copyOf(requeued);
            Set<Long> known = new HashSet<>();
            for (List<Long> chunk : IdChunks.of(distinct.stream().filter(id -> !requeuedSet.contains(id)).toList())) {
                known.addAll(mapper.findKnownIds(chunk));
            }
            List<Long> notDead = new ArrayList<>();
            List<Long> unknown = new ArrayList<>();
            for (Long id : distinct) {
                if (!requeuedSet.contains(id)) {
                    (known.contains(id) ? notDead : unknown).add(id);
                }
            }
            return new RequeueSummary(requeued.size(), notDead.size() + unknown.size(), requeued.stream().sorted().toList(), notDead, unknown);
        });
        if (summary.requeued() > 0) {
            log.info("intake: requeued {} DEAD tasks, skipped {}", summary.requeued(), summary.skipped());
        }
        return summary;
    }

    /** Either the id of a new row, or the task that already has the business key. */
    private record Stored(Long createdId, TaskView existing) {
    }

    /** Stores one validated task in the caller's transaction. */
    private Stored store(NewTask task) {
        for (int attempt = 1; attempt <= MAX_ENQUEUE_ATTEMPTS; attempt++) {
            NewTaskRow row = new NewTaskRow(task.filePath(), task.businessKey(), task.notBefore());
            if (mapper.insertIgnore(row) == 1) {
                if (task.businessKey() != null) {
                    // The key was free in the pending table, but it may have finished already: the
                    // finisher deletes a pending row only in the transaction that copies it to history,
                    // and the insert waited for any such move of this key, so a finished key shows here.
                    TaskView done = mapper.findDoneByBusinessKey(task.businessKey());
                    if (done != null) {
                        mapper.deleteInserted(row.getId());
                        return new Stored(null, done);
                    }
                }
                return new Stored(row.getId(), null);
            }
            if (task.businessKey() == null) {
                throw new IllegalStateException("INSERT IGNORE of a task without a business key stored nothing");
            }
            TaskView existing = mapper.findByBusinessKey(task.businessKey());
            if (existing != null) {
                return new Stored(null, existing);
            }
            // The pending row was deleted between the insert and the read without reaching history.
        }
        throw new IllegalStateException("the task with business key " + TextExcerpt.quoted(task.businessKey())
                + " kept disappearing while it was enqueued; retry");
    }

    /** Runs {@code work} in one transaction, again after a short random pause if it loses a lock conflict. */
    private <T> T inTransaction(Supplier<T> work) {
        AtomicInteger attempts = new AtomicInteger();
        return lockConflictRetry.invoke(() -> {
            try {
                return transaction.execute(status -> work.get());
            } catch (PessimisticLockingFailureException e) {
                log.info("intake: transaction attempt {} lost a lock conflict, rolled back; {}", attempts.incrementAndGet(),
                        e.getMostSpecificCause().getMessage());
                throw e;
            }
        });
    }

}
