package io.shardsweep.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardsweep.claim.ClaimedBatch;
import io.shardsweep.claim.ShardAssignment;
import io.shardsweep.claim.TaskClaimer;
import io.shardsweep.finish.FinishSummary;
import io.shardsweep.finish.TaskFinisher;
import io.shardsweep.storage.TaskResult;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * One claim of the context's {@code TaskClaimer}, measured. The claim runs inside an outer READ
 * COMMITTED transaction, so that the session's {@code Handler_read_*} counters read before and after
 * it are those of its own connection: their difference is the rows (index entries) its statements
 * read. Its time is taken without the commit and with it.
 */
final class ClaimProbe {

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final TaskClaimer claimer;
    private final TaskFinisher finisher;
    /** What two back-to-back reads of the counters add by themselves. */
    private final long overhead;

    ClaimProbe(JdbcTemplate jdbc, PlatformTransactionManager transactions, TaskClaimer claimer, TaskFinisher finisher) {
        this.jdbc = jdbc;
        this.tx = new TransactionTemplate(transactions);
        this.tx.setIsolationLevel(TransactionDefinition.ISOLATION_READ_COMMITTED);
        this.claimer = claimer;
        this.finisher = finisher;
        Long measured = tx.execute(s -> -handlerReads() + handlerReads());
        this.overhead = measured == null ? 0 : measured;
    }

    /** @param nanos the claim without its commit; {@code nanosWithCommit} with it */
    record Claim(ClaimedBatch batch, long nanos, long nanosWithCommit, long rowsRead) {
    }

    Claim claim(ShardAssignment shard, int limit) {
        long started = System.nanoTime();
        Claim inside = tx.execute(s -> {
            long h0 = handlerReads();
            long t0 = System.nanoTime();
            ClaimedBatch batch = claimer.claim(shard, limit);
            long t1 = System.nanoTime();
            long h1 = handlerReads();
            return new Claim(batch, t1 - t0, 0, h1 - h0 - overhead);
        });
        return new Claim(inside.batch(), inside.nanos(), System.nanoTime() - started, inside.rowsRead());
    }

    /** Finishes the batch with the context's {@code TaskFinisher}, every row DELETED (rows only, no files). */
    FinishSummary finishAsDeleted(ClaimedBatch batch) {
        List<TaskResult> results = batch.tasks().stream().map(t -> TaskResult.of(t, TaskResult.Kind.DELETED)).toList();
        FinishSummary summary = finisher.finish(batch, results);
        assertThat(summary.deleted()).as("rows of batch %s moved to history", batch.token()).isEqualTo(batch.size());
        return summary;
    }

    private long handlerReads() {
        long[] sum = {0};
        jdbc.query("SHOW SESSION STATUS WHERE Variable_name IN ('Handler_read_first', 'Handler_read_key', 'Handler_read_last', "
                + "'Handler_read_next', 'Handler_read_prev', 'Handler_read_rnd', 'Handler_read_rnd_next')", rs -> {
            sum[0] += rs.getLong(2);
        });
        return sum[0];
    }
}
