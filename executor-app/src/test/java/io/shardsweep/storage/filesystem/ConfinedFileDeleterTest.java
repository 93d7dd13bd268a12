package io.shardsweep.storage.filesystem;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.shardsweep.storage.PathRefusedException;
import io.shardsweep.storage.StorageUnavailableException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class ConfinedFileDeleterTest {

    private static final String SECRET = "top secret, must survive";

    @TempDir
    Path tmp;

    Path root;
    Path outside;
    Path secret;
    ConfinedFileDeleter deleter;
    /** What the tests delete through: the deleter itself, or one of its sequences. */
    FileDeleter deletions;

    @BeforeEach
    void setUp() throws IOException {
        root = Files.createDirectory(tmp.resolve("root"));
        outside = Files.createDirectory(tmp.resolve("outside"));
        secret = Files.writeString(outside.resolve("secret.txt"), SECRET);
        deleter = newDeleter(root);
        deletions = deletionsThrough(deleter);
    }

    /** Each deletion on its own; {@link DeletionSequenceTest} runs every test here through kept sequences. */
    FileDeleter deletionsThrough(ConfinedFileDeleter deleter) throws IOException {
        return deleter;
    }

    /** The deleter under test; {@link SecureDirectoryStreamWalkTest} runs every test here on the portable walk. */
    ConfinedFileDeleter newDeleter(Path storageRoot) {
        return new ConfinedFileDeleter(storageRoot);
    }

    void assertSecretUntouched() throws IOException {
        assertThat(secret).isRegularFile().hasContent(SECRET);
        try (var entries = Files.list(outside)) {
            assertThat(entries).containsExactly(secret);
        }
    }

    Path file(String relative) throws IOException {
        Path file = root.resolve(relative);
        Files.createDirectories(file.getParent());
        return Files.writeString(file, "data");
    }

    static Path fifo(Path at) throws Exception {
        Process mkfifo = new ProcessBuilder("mkfifo", at.toString()).redirectErrorStream(true).start();
        assertThat(mkfifo.waitFor()).as("mkfifo %s", at).isZero();
        return at;
    }

    /**
     * Opening a FIFO read-write never blocks on Linux and counts as a writer, so it wakes a thread
     * stuck opening the FIFO for reading, and does no harm when no thread is.
     */
    static void releaseReadersOf(Path fifo) throws IOException {
        new RandomAccessFile(fifo.toFile(), "rw").close();
    }

    /**
     * Runs {@code call} on another thread and returns or rethrows what it did. If it is still blocked
     * after 30 s (a call that does not block takes microseconds; this is a safety net, not a speed
     * check), it frees the thread and fails, so that a regression fails the test instead of hanging it.
     */
    static <T> T notBlockedBy(Path fifo, Callable<T> call) throws Exception {
        ExecutorService single = Executors.newSingleThreadExecutor();
        try {
            Future<T> result = single.submit(call);
            try {
                return result.get(30, TimeUnit.SECONDS);
            } catch (TimeoutException blocked) {
                releaseReadersOf(fifo);
                throw new AssertionError("still blocked after 30 s: the FIFO " + fifo + " was opened", blocked);
            } catch (ExecutionException failed) {
                throw failed.getCause() instanceof Exception e ? e : failed;
            }
        } finally {
            single.shutdownNow();
        }
    }

    @Test
    void a_nested_regular_file_is_deleted_and_its_directories_are_kept() throws IOException {
        Path file = file("a/b/c.txt");

        assertThat(deletions.delete("a/b/c.txt")).isEqualTo(DeletionOutcome.DELETED);

        assertThat(file).doesNotExist();
        assertThat(root.resolve("a/b")).isDirectory();
    }

    @Test
    void a_file_directly_under_the_root_is_deleted() throws IOException {
        Path file = file("c.txt");

        assertThat(deletions.delete("c.txt")).isEqualTo(DeletionOutcome.DELETED);

        assertThat(file).doesNotExist();
    }

    @Test
    void a_missing_file_is_already_absent() throws IOException {
        Files.createDirectories(root.resolve("a"));

        assertThat(deletions.delete("a/missing.txt")).isEqualTo(DeletionOutcome.ALREADY_ABSENT);
    }

    @Test
    void a_missing_parent_directory_is_already_absent() throws IOException {
        assertThat(deletions.delete("no/such/dir/file.txt")).isEqualTo(DeletionOutcome.ALREADY_ABSENT);
    }

    @Test
    void deleting_twice_is_deleted_then_already_absent() throws IOException {
        file("a/c.txt");

        assertThat(deletions.delete("a/c.txt")).isEqualTo(DeletionOutcome.DELETED);
        assertThat(deletions.delete("a/c.txt")).isEqualTo(DeletionOutcome.ALREADY_ABSENT);
    }

    @Test
    void a_regular_file_where_a_directory_is_expected_fails_the_row_for_a_retry_and_is_never_reported_absent() throws IOException {
        Path notADirectory = file("a");

        assertThatThrownBy(() -> deletions.delete("a/c.txt"))
                .isExactlyInstanceOf(IOException.class)
                .hasMessageContaining("'a' is a regular file where a directory should be")
                .hasMessageContaining("not reported absent");

        assertThat(notADirectory).isRegularFile().hasContent("data");
    }

    @Test
    void a_regular_file_where_a_deeper_directory_is_expected_fails_the_row_and_names_its_prefix() throws IOException {
        file("a/b");

        assertThatThrownBy(() -> deletions.delete("a/b/c/d.txt"))
                .isExactlyInstanceOf(IOException.class)
                .hasMessageContaining("'a/b' is a regular file where a directory should be");
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a safety net, not a speed check
    void a_fifo_where_a_directory_is_expected_fails_the_row_without_blocking_and_is_never_reported_absent() throws Exception {
        Path fifo = fifo(root.resolve("a"));

        assertThatThrownBy(() -> notBlockedBy(fifo, () -> deletions.delete("a/c.txt")))
                .isExactlyInstanceOf(IOException.class)
                .hasMessageContaining("where a directory should be")
                .hasMessageContaining("FIFO");

        assertThat(Files.exists(fifo, NOFOLLOW_LINKS)).isTrue();
    }

    @Test
    void a_unix_socket_where_a_directory_is_expected_fails_the_row_and_is_left_alone() throws IOException {
        Path socket = root.resolve("a");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
        }

        assertThatThrownBy(() -> deletions.delete("a/c.txt"))
                .isExactlyInstanceOf(IOException.class)
                .hasMessageContaining("'a' is a")
                .hasMessageContaining("where a directory should be");

        assertThat(Files.exists(socket, NOFOLLOW_LINKS)).isTrue();
    }

    @Test
    void a_storage_root_removed_after_start_up_is_the_storage_unavailable_and_never_the_file_absent() throws IOException {
        Files.delete(root);

        assertThatThrownBy(() -> deletions.delete("a/c.txt"))
                .isInstanceOf(StorageUnavailableException.class)
                .hasMessageContaining(root.toString())
                .hasMessageContaining("nothing was deleted");
    }

    @Test
    void a_missing_parent_under_a_root_that_opens_is_the_file_absent_not_the_storage_unavailable() throws IOException {
        assertThat(deletions.delete("no-such-folder/c.txt")).isEqualTo(DeletionOutcome.ALREADY_ABSENT);
    }

    @Test
    void a_storage_root_replaced_by_a_symlink_after_start_up_is_the_storage_unavailable_and_nothing_behind_it_is_deleted()
            throws IOException {
        Files.move(root, tmp.resolve("root-moved"));
        Files.createSymbolicLink(root, outside);

        assertThatThrownBy(() -> deletions.delete("secret.txt")).isInstanceOf(StorageUnavailableException.class);

        assertSecretUntouched();
    }

    @Test
    void a_file_with_non_ascii_names_is_deleted() throws IOException {
        String name = "vidéos/übung/名前.mp4";
        // The test creates the file through the JDK, which needs a file-name charset that can say it.
        assumeThat(Charset.forName(System.getProperty("sun.jnu.encoding")).newEncoder().canEncode(name))
                .as("sun.jnu.encoding can encode %s (run with LANG=C.UTF-8)", name).isTrue();
        Path file = file(name);

        assertThat(deletions.delete("vidéos/übung/名前.mp4")).isEqualTo(DeletionOutcome.DELETED);

        assertThat(file).doesNotExist();
    }

    @Test
    void a_fifo_as_the_final_component_is_unlinked_without_being_opened() throws Exception {
        Path fifo = fifo(root.resolve("pipe"));

        assertThat(notBlockedBy(fifo, () -> deletions.delete("pipe"))).isEqualTo(DeletionOutcome.DELETED);

        assertThat(Files.exists(fifo, NOFOLLOW_LINKS)).isFalse();
    }

    @Test
    void traversal_path_is_refused_and_the_file_outside_the_root_is_untouched() throws IOException {
        assertThatThrownBy(() -> deletions.delete("../outside/secret.txt"))
                .isInstanceOf(PathRefusedException.class)
                .hasMessageContaining("'..'");

        assertSecretUntouched();
    }

    @Test
    void absolute_path_to_the_secret_is_refused_and_the_secret_is_untouched() throws IOException {
        assertThatThrownBy(() -> deletions.delete(secret.toString()))
                .isInstanceOf(PathRefusedException.class)
                .hasMessageContaining("absolute");

        assertSecretUntouched();
    }

    @Test
    void a_symlinked_directory_inside_the_root_is_refused_and_the_secret_behind_it_is_untouched() throws IOException {
        Files.createSymbolicLink(root.resolve("link"), outside);

        assertThatThrownBy(() -> deletions.delete("link/secret.txt"))
                .isInstanceOf(PathRefusedException.class)
                .hasMessageContaining("symbolic link at 'link'");

        assertSecretUntouched();
        assertThat(root.resolve("link")).isSymbolicLink();
    }

    @Test
    void a_symlink_deeper_in_the_chain_is_refused_and_named_by_its_prefix() throws IOException {
        Files.createDirectories(root.resolve("a"));
        Files.createSymbolicLink(root.resolve("a/b"), outside);

        assertThatThrownBy(() -> deletions.delete("a/b/secret.txt"))
                .isInstanceOf(PathRefusedException.class)
                .hasMessageContaining("symbolic link at 'a/b'");

        assertSecretUntouched();
    }

    @Test
    void a_relative_symlink_that_stays_inside_the_root_is_still_refused() throws IOException {
        Path target = file("real/c.txt");
        Files.createSymbolicLink(root.resolve("alias"), Path.of("real"));

        assertThatThrownBy(() -> deletions.delete("alias/c.txt")).isInstanceOf(PathRefusedException.class);

        assertThat(target).isRegularFile();
    }

    @Test
    void a_final_symlink_to_the_secret_is_deleted_as_a_link_and_the_secret_keeps_its_content() throws IOException {
        Path link = Files.createSymbolicLink(root.resolve("link.txt"), secret);

        assertThat(deletions.delete("link.txt")).isEqualTo(DeletionOutcome.DELETED);

        assertThat(Files.exists(link, NOFOLLOW_LINKS)).isFalse();
        assertSecretUntouched();
    }

    @Test
    void a_final_symlink_to_a_directory_outside_is_unlinked_and_the_directory_is_untouched() throws IOException {
        Path link = Files.createSymbolicLink(root.resolve("dirlink"), outside);

        assertThat(deletions.delete("dirlink")).isEqualTo(DeletionOutcome.DELETED);

        assertThat(Files.exists(link, NOFOLLOW_LINKS)).isFalse();
        assertSecretUntouched();
    }

    @Test
    void a_dangling_final_symlink_is_deleted() throws IOException {
        Path link = Files.createSymbolicLink(root.resolve("dangling"), tmp.resolve("nowhere"));

        assertThat(deletions.delete("dangling")).isEqualTo(DeletionOutcome.DELETED);

        assertThat(Files.exists(link, NOFOLLOW_LINKS)).isFalse();
    }

    @Test
    void a_directory_where_a_file_is_expected_is_refused_and_kept_with_its_contents() throws IOException {
        Path inside = file("a/dir/keep.txt");

        assertThatThrownBy(() -> deletions.delete("a/dir"))
                .isInstanceOf(PathRefusedException.class)
                .hasMessageContaining("is a directory, not a file");

        assertThat(inside).isRegularFile();
    }

    @Test
    void an_empty_directory_where_a_file_is_expected_is_refused_and_kept() throws IOException {
        Path empty = Files.createDirectories(root.resolve("empty"));

        assertThatThrownBy(() -> deletions.delete("empty")).isInstanceOf(PathRefusedException.class);

        assertThat(empty).isDirectory();
    }

    @Test
    void a_nul_byte_is_refused_and_the_file_before_it_is_untouched() throws IOException {
        Path file = file("a.txt");

        assertThatThrownBy(() -> deletions.delete("a.txt\u0000.jpg"))
                .isInstanceOf(PathRefusedException.class)
                .hasMessageContaining("NUL");

        assertThat(file).isRegularFile();
    }

    @Test
    void a_5000_character_path_is_refused() {
        assertThatThrownBy(() -> deletions.delete("a/".repeat(2500)))
                .isInstanceOf(PathRefusedException.class)
                .hasMessageContaining("longer than 4096 bytes");
    }

    @Test
    void a_300_character_component_is_refused() {
        assertThatThrownBy(() -> deletions.delete("a/" + "b".repeat(300)))
                .isInstanceOf(PathRefusedException.class)
                .hasMessageContaining("component longer than 255 bytes");
    }

    @Test
    void a_parent_swapped_for_a_symlink_to_outside_before_delete_is_refused_and_nothing_is_deleted() throws IOException {
        file("a/secret.txt");
        Files.move(root.resolve("a"), root.resolve("a-moved"));
        Files.createSymbolicLink(root.resolve("a"), outside);

        assertThatThrownBy(() -> deletions.delete("a/secret.txt"))
                .isInstanceOf(PathRefusedException.class)
                .hasMessageContaining("symbolic link at 'a'");

        assertSecretUntouched();
        assertThat(root.resolve("a-moved/secret.txt")).isRegularFile();
    }

    @Test
    void a_parent_flipping_between_directory_and_symlink_during_deletes_never_lets_a_delete_escape() throws Exception {
        Path a = root.resolve("a");
        Path aside = root.resolve("a-real");
        Files.createDirectory(a);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> flipperFailure = new AtomicReference<>();
        Thread flipper = new Thread(() -> {
            try {
                while (!stop.get()) {
                    Path decoy = a.resolve("secret.txt");
                    if (Files.notExists(decoy)) {
                        Files.writeString(decoy, "decoy");
                    }
                    Files.move(a, aside);
                    Files.createSymbolicLink(a, outside);
                    Thread.yield();
                    Files.delete(a);
                    Files.move(aside, a);
                }
            } catch (Throwable t) {
                flipperFailure.set(t);
            }
        });
        int deleted = 0;
        int refused = 0;
        flipper.start();
        try {
            long minEnd = System.nanoTime() + Duration.ofMillis(500).toNanos();
            long maxEnd = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (System.nanoTime() < maxEnd
                    && (System.nanoTime() < minEnd || deleted == 0 || refused == 0)
                    && flipperFailure.get() == null) {
                try {
                    if (deletions.delete("a/secret.txt") == DeletionOutcome.DELETED) {
                        deleted++;
                    }
                } catch (PathRefusedException e) {
                    refused++;
                } catch (IOException racedAndRetryable) {
                    // the directory changed between check and open; a real caller retries
                }
            }
        } finally {
            stop.set(true);
            flipper.join();
        }

        assertThat(flipperFailure.get()).isNull();
        assertSecretUntouched();
        assertThat(deleted).as("decoys deleted through the real directory").isPositive();
        assertThat(refused).as("attempts refused at the symlink").isPositive();
    }

    @Test
    void concurrent_deletes_of_2000_distinct_files_from_8_threads_all_succeed() throws Exception {
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            String path = "d" + (i % 20) + "/e" + (i % 7) + "/f" + i + ".txt";
            file(path);
            paths.add(path);
        }
        CountDownLatch start = new CountDownLatch(1);
        List<Callable<DeletionOutcome>> tasks = new ArrayList<>();
        for (String path : paths) {
            tasks.add(() -> {
                start.await();
                return deletions.delete(path);
            });
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<DeletionOutcome>> futures = new ArrayList<>();
            for (Callable<DeletionOutcome> task : tasks) {
                futures.add(pool.submit(task));
            }
            start.countDown();
            for (Future<DeletionOutcome> future : futures) {
                assertThat(future.get(30, TimeUnit.SECONDS)).isEqualTo(DeletionOutcome.DELETED);
            }
        } finally {
            pool.shutdownNow();
        }

        for (String path : paths) {
            assertThat(root.resolve(path)).doesNotExist();
        }
        assertThat(root.resolve("d0/e0")).isDirectory();
    }

    @Test
    void the_constructor_refuses_a_missing_root_and_names_it() {
        Path missing = tmp.resolve("no-such-root");

        assertThatThrownBy(() -> newDeleter(missing))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(missing.toString());
    }

    @Test
    void the_constructor_refuses_a_regular_file_as_root() {
        assertThatThrownBy(() -> newDeleter(secret))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(secret.toString())
                .hasMessageContaining("not a directory");
    }

    @Test
    void a_root_configured_through_a_symlink_is_resolved_to_its_real_path() throws IOException {
        Path alias = Files.createSymbolicLink(tmp.resolve("root-alias"), root);
        Path file = file("c.txt");

        ConfinedFileDeleter viaAlias = newDeleter(alias);

        assertThat(viaAlias.root()).isEqualTo(root.toRealPath());
        assertThat(viaAlias.delete("c.txt")).isEqualTo(DeletionOutcome.DELETED);
        assertThat(file).doesNotExist();
    }
}
