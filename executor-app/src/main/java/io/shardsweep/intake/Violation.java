package io.shardsweep.intake;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One thing wrong with a request, as listed in the {@code errors} of a 400 problem.
 *
 * @param index position of the task in a batch; null for a single request
 * @param field the JSON field, e.g. {@code filePath}
 * @param reason what is wrong, with at most a bounded excerpt of the value
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Violation(Integer index, String field, String reason) {

    @Override
    public String toString() {
        return (index == null ? "" : "tasks[" + index + "].") + field + ": " + reason;
    }
}
