package io.shardsweep.run;

import io.shardsweep.claim.ShardAssignment;
import org.springframework.dao.DataAccessException;
import org.springframework.transaction.TransactionException;

/**
 * Published when a cleanup run ends by an exception instead of a summary (the database went away,
 * or a bug). {@link RunFinished} is not published for such a run.
 *
 * @param cause {@code database} for a data-access or transaction failure, {@code unexpected} otherwise
 */
public record RunFailed(String runId, ShardAssignment shard, String cause) {

    public static final String DATABASE = "database";
    public static final String UNEXPECTED = "unexpected";

    static RunFailed of(String runId, ShardAssignment shard, RuntimeException e) {
        boolean database = e instanceof DataAccessException || e instanceof TransactionException;
        return new RunFailed(runId, shard, database ? DATABASE : UNEXPECTED);
    }
}
