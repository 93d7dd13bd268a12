package io.shardsweep.fault;

import static io.shardsweep.fault.FaultScenario.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import com.xxl.job.core.openapi.model.CallbackRequest;
import com.xxl.job.core.openapi.model.TriggerRequest;
import io.shardsweep.testsupport.TcpProxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A main-code bug found by the fault tests, kept as a failing test until it is fixed.
 *
 * <p>{@code CleanupRunner.finishReliably} retries a batch's finish through a short database hiccup
 * ({@code databaseRetry}: TransientDataAccessException, RecoverableDataAccessException,
 * DataAccessResourceFailureException). But when the connection drops under the finishing transaction,
 * what reaches the retry is not the connection error: the transaction interceptor's rollback on the
 * dead connection fails too, and Spring throws {@code TransactionSystemException("JDBC rollback
 * failed")} with the connection error only attached as its application exception. That type is not
 * retried, so a one-off dropped connection (a load balancer's idle cut, a failover) fails the run and
 * strands the batch IN_PROGRESS until its lease expires and compensation returns it with an attempt
 * used, although the database was back at once. The run log shows it:
 * {@code could not finish batch ... of 50 rows: JDBC rollback failed}.
 *
 * <p>Here the executor reaches the database through {@link TcpProxy}; its finish is held mid-move (the
 * test's uncommitted history row, see {@link ShardSweepFaultIT}), the proxy drops every connection and
 * accepts new ones again immediately, then the held row is released. Expected: the finish is retried
 * on a fresh connection 250 ms later and the run drains the backlog with success.
 *
 * <p>Found as a bug (TransactionSystemException "JDBC rollback failed" was outside databaseRetry) and
 * fixed; run it alone with {@code -Dit.test=DatabaseBlipIT} (see ShardSweepFaultIT for the command).
 */
class DatabaseBlipIT {

    private FaultScenario scenario;

    @AfterEach
    void cleanUp() {
        if (scenario != null) {
            scenario.close();
        }
    }

    @Test
    void a_connection_dropped_once_during_a_finish_is_retried_and_the_run_succeeds() {
        scenario = new FaultScenario("db-blip");
        int total = scenario.createBacklog(2000);
        TcpProxy proxy = scenario.proxy();
        ExecutorProcess exec = scenario.launch(scenario.jdbcUrlVia(proxy),
                Map.of("spring.datasource.hikari.connection-timeout", "2000")).awaitReady();
        List<Long> shard = scenario.legitIdsOfShard(0, 1);
        long held = shard.get(shard.size() / 2);

        TriggerRequest run;
        try (FaultScenario.HistoryLock lock = scenario.holdHistoryInsert(held)) {
            run = scenario.cleanup(exec, scenario.nextJobId(), "{\"batchSize\": 50}", 0, 1);
            awaitTrue("the history move of the batch with task " + held + " to wait on the test's row", Duration.ofSeconds(30),
                    () -> scenario.count("SELECT COUNT(*) FROM file_deletion_task WHERE id = ? AND status = 'IN_PROGRESS'", held) == 1
                            && scenario.stuckStatements("INSERT INTO file_deletion_task_history") == 1,
                    scenario::describe);
            proxy.cut();
            proxy.restore(); // a blip: the database is reachable again at once
        }

        CallbackRequest callback = scenario.callback(run);
        String log = exec.runLog(run);
        assertThat(log).as("run log").doesNotContain("could not finish batch");
        assertThat(callback.getHandleCode()).as("callback: %s", callback.getHandleMsg()).isEqualTo(200);
        scenario.assertExactlyOnce(total, "blip");
    }
}
