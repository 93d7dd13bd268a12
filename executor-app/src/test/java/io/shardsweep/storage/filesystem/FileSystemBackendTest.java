package io.shardsweep.storage.filesystem;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardsweep.FixedThreadPool;
import io.shardsweep.StoredText;
import io.shardsweep.claim.ClaimedTask;
import io.shardsweep.storage.PendingDeletion;
import io.shardsweep.storage.TaskResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How the filesystem backend hands a batch to the deletion pool: sorted by path, in chunks, each
 * chunk through one sequence of the deleter. The deleter here only records what it is asked; the
 * real deleter's sequences are {@link DeletionSequenceTest}'s.
 */
class FileSystemBackendTest {

    private ExecutorService pool;

    @AfterEach
    void stopPool() {
        pool.shutdownNow();
    }

    @Test
    void a_batch_is_deleted_in_path_order_in_chunks_of_at_most_the_chunk_size_each_through_one_sequence() throws Exception {
        pool = FixedThreadPool.started("test-delete", 2);
        RecordingDeleter deleter = new RecordingDeleter();
        List<ClaimedTask> batch = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            batch.add(task(i, "videos/" + (i % 50) + "/f-" + i));
        }
        Collections.shuffle(batch);

        List<PendingDeletion> pending = new FileSystemBackend(deleter, pool, 16).start(batch);

        assertThat(results(pending)).extracting(TaskResult::kind).containsOnly(TaskResult.Kind.DELETED);
        assertThat(pending).extracting(PendingDeletion::task).as("the results in the claim's order").isEqualTo(batch);
        assertThat(deleter.sequences).hasSize(63).allSatisfy(paths -> assertThat(paths).hasSizeBetween(15, 16).isSorted());
        List<String> all = deleter.sequences.stream().flatMap(List::stream).sorted().toList();
        assertThat(all).as("every row once").hasSize(1000).doesNotHaveDuplicates();
        assertThat(deleter.closed).as("every sequence closed").hasValue(63);
    }

    @Test
    void a_batch_smaller_than_the_pool_times_the_chunk_size_still_gives_every_thread_rows() throws Exception {
        pool = FixedThreadPool.started("test-delete", 4);
        RecordingDeleter deleter = new RecordingDeleter();
        CountDownLatch allFourStarted = new CountDownLatch(4);
        deleter.onDelete = allFourStarted::countDown;
        deleter.hold = new CountDownLatch(1);
        List<ClaimedTask> batch = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            batch.add(task(i, "f" + i));
        }

        List<PendingDeletion> pending = new FileSystemBackend(deleter, pool, 16).start(batch);

        assertThat(allFourStarted.await(30, TimeUnit.SECONDS)).as("4 rows under way at once").isTrue();
        deleter.hold.countDown();
        assertThat(results(pending)).extracting(TaskResult::kind).containsOnly(TaskResult.Kind.DELETED);
        assertThat(deleter.sequences).extracting(List::size).containsExactlyInAnyOrder(2, 3, 2, 3);
    }

    @Test
    void a_stopping_run_skips_the_rows_of_a_chunk_that_no_thread_has_reached() throws Exception {
        pool = FixedThreadPool.started("test-delete", 1);
        RecordingDeleter deleter = new RecordingDeleter();
        CountDownLatch firstStarted = new CountDownLatch(1);
        deleter.onDelete = firstStarted::countDown;
        deleter.hold = new CountDownLatch(1);
        List<ClaimedTask> batch = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            batch.add(task(i, "f" + (char) ('a' + i)));
        }

        List<PendingDeletion> pending = new FileSystemBackend(deleter, pool, 16).start(batch);
        assertThat(firstStarted.await(30, TimeUnit.SECONDS)).isTrue();
        pending.forEach(PendingDeletion::skipIfNotStarted);
        deleter.hold.countDown();

        List<TaskResult> results = results(pending);
        assertThat(results.get(0).kind()).as("the row under way").isEqualTo(TaskResult.Kind.DELETED);
        assertThat(results.subList(1, 16)).extracting(TaskResult::kind).containsOnly(TaskResult.Kind.UNSTARTED);
        assertThat(deleter.sequences).singleElement().isEqualTo(List.of("fa"));
    }

    private static List<TaskResult> results(List<PendingDeletion> pending) throws Exception {
        List<TaskResult> results = new ArrayList<>();
        for (PendingDeletion row : pending) {
            row.await(Duration.ofSeconds(30));
            results.add(row.resultOrAbandoned(Duration.ZERO));
        }
        return results;
    }

    private static ClaimedTask task(long id, String path) {
        return new ClaimedTask(id, StoredText.decode(path.getBytes(StandardCharsets.UTF_8)), 0);
    }

    /** Records the paths each sequence was asked to delete; can hold each deletion until released. */
    private static final class RecordingDeleter implements FileDeleter {
        final ConcurrentLinkedQueue<List<String>> sequences = new ConcurrentLinkedQueue<>();
        final AtomicInteger closed = new AtomicInteger();
        volatile Runnable onDelete = () -> { };
        volatile CountDownLatch hold = new CountDownLatch(0);

        @Override
        public DeletionOutcome delete(String relativePath) {
            throw new AssertionError("the backend deletes through sequences");
        }

        @Override
        public Sequence sequence() {
            List<String> paths = Collections.synchronizedList(new ArrayList<>());
            sequences.add(paths);
            return new Sequence() {
                @Override
                public DeletionOutcome delete(String relativePath) throws java.io.IOException {
                    paths.add(relativePath);
                    onDelete.run();
                    try {
                        if (!hold.await(30, TimeUnit.SECONDS)) {
                            throw new java.io.IOException("never released");
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new java.io.IOException(e);
                    }
                    return DeletionOutcome.DELETED;
                }

                @Override
                public void close() {
                    closed.incrementAndGet();
                }
            };
        }
    }
}
