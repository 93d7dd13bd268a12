package io.shardsweep.xxljob;

import com.xxl.job.core.context.XxlJobHelper;
import org.slf4j.Logger;
import org.springframework.core.NestedExceptionUtils;

/** How a handler reports a run that could not work: one clear line in the console and the app log. */
final class JobFailures {

    private JobFailures() {
    }

    static void fail(Logger log, String message, Exception cause) {
        log.warn("Run failed: {}", message, cause);
        XxlJobHelper.log("FAILED: {}", message);
        XxlJobHelper.handleFail(message);
    }

    /** For a {@code DataAccessException} or a {@code TransactionException} that could not even begin. */
    static String databaseMessage(RuntimeException e) {
        Throwable root = NestedExceptionUtils.getMostSpecificCause(e);
        return "database unavailable or failing, the run stopped: " + root.getClass().getSimpleName() + ": " + root.getMessage()
                + ". Rows claimed before the failure are returned by staleTaskCompensationJob once their lease expires.";
    }
}
