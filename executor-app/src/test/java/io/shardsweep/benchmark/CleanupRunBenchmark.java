package io.shardsweep.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardsweep.claim.ShardAssignment;
import io.shardsweep.run.CleanupRunner;
import io.shardsweep.run.RunLog;
import io.shardsweep.run.RunParameters;
import io.shardsweep.run.RunSummary;
import io.shardsweep.testsupport.DatabaseTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Times ShardSweep's real code path (claim, delete, history move) over a generated backlog of
 * small files, with shards running concurrently as a broadcast drives them. Prints figures; the
 * only assertions are about correctness. Run: {@code mvn -B -pl executor-app -Pbenchmark test}.
 */
@Tag("benchmark")
class CleanupRunBenchmark extends DatabaseTest {

    @Autowired
    CleanupRunner runner;

    @ParameterizedTest(name = "{0} rows, {1} shards")
    @CsvSource({"10000, 1", "10000, 2", "10000, 4"})
    void drain_a_backlog(int rows, int shards) throws Exception {
        generate(rows);
        ExecutorService instances = Executors.newFixedThreadPool(shards);
        RunParameters parameters = new RunParameters(500, Duration.ofMinutes(30), false);
        long started = System.nanoTime();
        List<Future<RunSummary>> runs = new ArrayList<>();
        for (int index = 0; index < shards; index++) {
            ShardAssignment shard = new ShardAssignment(index, shards);
            runs.add(instances.submit(() -> runner.run(shard, parameters, RunLog.NONE)));
        }
        int deleted = 0;
        for (Future<RunSummary> run : runs) {
            deleted += run.get().deleted();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        instances.shutdown();

        System.out.printf("BENCHMARK %,d rows, %d shards, batch 500, %d delete threads per instance: %.2f s, %,.0f rows/s (%s, %d cores)%n",
                rows, shards, 4, seconds, rows / seconds,
                io.shardsweep.testsupport.TestDatabase.get().kind(), Runtime.getRuntime().availableProcessors());
        assertThat(deleted).isEqualTo(rows);
        assertThat(count("SELECT COUNT(*) FROM file_deletion_task_history")).isEqualTo(rows);
    }

    private void generate(int rows) throws IOException {
        List<Object[]> batch = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            String path = "bench/" + (i % 100) + "/f" + i;
            Path file = STORAGE_ROOT.resolve(path);
            Files.createDirectories(file.getParent());
            Files.createFile(file);
            batch.add(new Object[] {path});
        }
        jdbc.batchUpdate("INSERT INTO file_deletion_task (file_path) VALUES (?)", batch);
    }
}
