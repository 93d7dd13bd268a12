package io.shardsweep.intake;

import io.shardsweep.TextExcerpt;
import io.shardsweep.storage.PathRefusedException;
import io.shardsweep.storage.StorageBackend;
import io.shardsweep.storage.filesystem.StoragePath;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The intake's rules for a task, checked before anything touches the database. The path rules are the
 * executor's own (the backend's {@link StorageBackend#checkPath}: {@link StoragePath#parse} for files, the
 * {@code <bucket>/<key>} grammar for S3), so a task accepted here is never refused later for its
 * syntax; the other limits are the columns' (a value that does not fit is refused, never cut).
 */
public final class TaskValidator {

    /** {@code file_path VARCHAR(1024)}: stricter than the executor's 4096 bytes. */
    public static final int MAX_FILE_PATH_CHARS = 1024;
    /** {@code business_key VARCHAR(191)}, counted in characters (code points) like MySQL does. */
    public static final int MAX_BUSINESS_KEY_CHARS = 191;
    /** The range of a MySQL {@code TIMESTAMP(3)} column. */
    public static final Instant MIN_NOT_BEFORE = Instant.parse("1970-01-01T00:00:01Z");
    public static final Instant MAX_NOT_BEFORE = Instant.parse("2038-01-19T03:14:07.999Z");

    /** A task that passed every rule: the path as sent, the key (or null), the instant cut to milliseconds. */
    public record NewTask(String filePath, String businessKey, Instant notBefore) {
    }

    private TaskValidator() {
    }

    /** @throws InvalidRequestException listing every rule the task breaks */
    public static NewTask validate(EnqueueRequest request, StorageBackend storage) {
        if (request == null) {
            throw new InvalidRequestException(new Violation(null, "body", "the body must be a JSON object with at least filePath"));
        }
        List<Violation> violations = new ArrayList<>();
        NewTask task = check(null, request, violations, storage);
        if (!violations.isEmpty()) {
            throw new InvalidRequestException(summary(violations), violations);
        }
        return task;
    }

    /**
     * All or nothing: every task is checked, and if any breaks a rule the whole batch is refused with
     * all of them. A business key may appear only once in a batch.
     *
     * @throws InvalidRequestException listing every violation, by index
     */
    static List<NewTask> validateAll(List<EnqueueRequest> requests, StorageBackend storage) {
        List<Violation> violations = new ArrayList<>();
        List<NewTask> tasks = new ArrayList<>(requests.size());
        Map<String, Integer> keys = new HashMap<>();
        for (int i = 0; i < requests.size(); i++) {
            EnqueueRequest request = requests.get(i);
            if (request == null) {
                violations.add(new Violation(i, "task", "is null; every task must be a JSON object"));
                continue;
            }
            NewTask task = check(i, request, violations, storage);
            if (task != null && task.businessKey() != null) {
                Integer first = keys.putIfAbsent(task.businessKey(), i);
                if (first != null) {
                    violations.add(new Violation(i, "businessKey", TextExcerpt.quoted(task.businessKey())
                            + " is also the key of the task at index " + first + "; a batch may name a key only once"));
                    continue;
                }
            }
            tasks.add(task);
        }
        if (!violations.isEmpty()) {
            throw new InvalidRequestException(batchSummary(violations, requests.size()), violations);
        }
        return tasks;
    }

    /**
     * Checks a business key on its own, for lookups by key.
     *
     * @throws InvalidRequestException if it breaks a rule
     */
    static String checkBusinessKey(String key) {
        String reason = businessKeyProblem(key);
        if (reason != null) {
            throw new InvalidRequestException(new Violation(null, "businessKey", reason));
        }
        return key;
    }

    private static NewTask check(Integer index, EnqueueRequest request, List<Violation> violations, StorageBackend storage) {
        int before = violations.size();
        String path = request.filePath();
        if (path == null) {
            violations.add(new Violation(index, "filePath", "is required: " + storage.pathDescription()));
        } else {
            try {
                storage.checkPath(path);
                if (path.codePointCount(0, path.length()) > MAX_FILE_PATH_CHARS) {
                    violations.add(new Violation(index, "filePath", "is longer than " + MAX_FILE_PATH_CHARS
                            + " characters, the size of the file_path column (" + path.length() + " chars)"));
                }
            } catch (PathRefusedException e) {
                violations.add(new Violation(index, "filePath", e.getMessage()));
            }
        }

        String key = request.businessKey();
        if (key != null) {
            String reason = businessKeyProblem(key);
            if (reason != null) {
                violations.add(new Violation(index, "businessKey", reason));
            }
        }

        Instant notBefore = null;
        if (request.notBefore() != null) {
            try {
                notBefore = Instant.parse(request.notBefore()).truncatedTo(ChronoUnit.MILLIS);
                if (notBefore.isBefore(MIN_NOT_BEFORE) || notBefore.isAfter(MAX_NOT_BEFORE)) {
                    violations.add(new Violation(index, "notBefore", notBefore + " is outside " + MIN_NOT_BEFORE + " .. "
                            + MAX_NOT_BEFORE + ", the range of the TIMESTAMP column (MySQL's year-2038 limit)"));
                }
            } catch (DateTimeParseException e) {
                violations.add(new Violation(index, "notBefore", TextExcerpt.quoted(request.notBefore())
                        + " is not an ISO-8601 instant such as 2026-12-01T00:00:00Z or 2026-12-01T08:00:00+08:00"));
            }
        }
        return violations.size() == before ? new NewTask(path, key, notBefore) : null;
    }

    /** Null if {@code key} is a valid business key, else why not. */
    private static String businessKeyProblem(String key) {
        if (key == null || key.isEmpty()) {
            return "is empty; leave it out for a task without a key";
        }
        if (key.codePoints().anyMatch(Character::isISOControl)) {
            return TextExcerpt.quoted(key) + " contains a control character";
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < key.length() && Character.isLowSurrogate(key.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return TextExcerpt.quoted(key) + " contains malformed UTF-16 (an unpaired surrogate)";
            }
        }
        if (key.codePointCount(0, key.length()) > MAX_BUSINESS_KEY_CHARS) {
            return TextExcerpt.quoted(key) + " is longer than " + MAX_BUSINESS_KEY_CHARS + " characters, the size of the business_key column";
        }
        // MySQL's utf8mb4_bin pads with spaces when it compares, so 'k ' and 'k' would be the same key.
        if (Character.isWhitespace(key.codePointAt(0)) || Character.isWhitespace(key.codePointBefore(key.length()))) {
            return TextExcerpt.quoted(key) + " starts or ends with whitespace; MySQL ignores trailing spaces when it compares keys";
        }
        return null;
    }

    private static String summary(List<Violation> violations) {
        return violations.size() == 1 ? violations.get(0).toString()
                : violations.size() + " fields are invalid; first: " + violations.get(0);
    }

    private static String batchSummary(List<Violation> violations, int tasks) {
        long badTasks = violations.stream().map(Violation::index).distinct().count();
        return badTasks + " of " + tasks + " tasks are invalid, so nothing was enqueued; first: " + violations.get(0);
    }
}
