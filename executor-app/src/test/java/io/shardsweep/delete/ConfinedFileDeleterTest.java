package io.shardsweep.delete;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
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
import org.junit.jupiter.api.io.TempDir;

class ConfinedFileDeleterTest {

    private static final String SECRET = "top secret, must survive";

    @TempDir
    Path tmp;

    Path root;
    Path outside;
    Path secret;
    ConfinedFileDeleter deleter;

    @BeforeEach
    void setUp() throws IOException {
        root = Files.createDirectory(tmp.resolve("root"));
        outside = Files.createDirectory(tmp.resolve("outside"));
        secret = Files.writeString(outside.resolve("secret.txt"), SECRET);
        deleter = new ConfinedFileDeleter(root);
    }

    private void assertSecretUntouched() throws IOException {
        assertThat(secret).isRegularFile().hasContent(SECRET);
        try (var entries = Files.list(outside)) {
            assertThat(entries).containsExactly(secret);
        }
    }

    private Path file(String relative) throws IOException {
        Path file = root.resolve(relative);
        Files.createDirectories(file.getParent());
        return Files.writeString(file, "data");
    }

    private static Path fifo(Path at) throws Exception {
        Process mkfifo = new ProcessBuilder("mkfifo", at.toString()).redirectErrorStream(true).start();
        assertThat(mkfifo.waitFor()).as("mkfifo %s", at).isZero();
        return at;
    }

    /**
     * Opening a FIFO read-write never blocks on Linux and counts as a writer, so it wakes a thread
     * stuck opening the FIFO for reading, and does no harm when no thread is.
     */
    private static void releaseReadersOf(Path fifo) throws IOException {
        new RandomAccessFile(fifo.toFile(), "rw").close();
    }

    /** Runs {@code call} on another thread; if it is still blocked after 5 s, frees it and fails. */
    private static <T> T notBlockedBy(Path fifo, Callable<T> call) throws Exception {
        ExecutorService single = Executors.newSingleThreadExecutor();
        try {
            Future<T> result = single.submit(call);
            try {
                return result.get(5, TimeUnit.SECONDS);
            } catch (TimeoutException blocked) {
                releaseReadersOf(fifo);
                throw new AssertionError("still blocked after 5 s: the FIFO " + fifo + " was opened", blocked);
            }
        } finally {
            single.shutdownNow();
        }
    }

    @Test
    void a_nested_regular_file_is_deleted_and_its_directories_are_kept() throws IOException {
        Path file = file("a/b/c.txt");

        assertThat(deleter.delete("a/b/c.txt")).isEqualTo(DeletionOutcome.DELETED);

        assertThat(file).doesNotExist();
        assertThat(root.resolve("a/b")).isDirectory();
    }

    @Test
    void a_file_directly_under_the_root_is_deleted() throws IOException {
        Path file = file("c.txt");

        assertThat(deleter.delete(StoragePath.parse("c.txt"))).isEqualTo(DeletionOutcome.DELETED);

        assertThat(file).doesNotExist();
    }

    @Test
    void a_missing_file_is_already_absent() throws IOException {
        Files.createDirectories(root.resolve("a"));

        assertThat(deleter.delete("a/missing.txt")).isEqualTo(DeletionOutcome.ALREADY_ABSENT);
    }

    @Test
    void a_missing_parent_directory_is_already_absent() throws IOException {
        assertThat(deleter.delete("no/such/dir/file.txt")).isEqualTo(DeletionOutcome.ALREADY_ABSENT);
    }

    @Test
    void deleting_twice_is_deleted_then_already_absent() throws IOException {
        file("a/c.txt");

        assertThat(deleter.delete("a/c.txt")).isEqualTo(DeletionOutcome.DELETED);
        assertThat(deleter.delete("a/c.txt")).isEqualTo(DeletionOutcome.ALREADY_ABSENT);
    }

    @Test
    void a_regular_file_where_a_directory_is_expected_is_already_absent_and_left_alone() throws IOException {
        Path notADirectory = file("a");

        assertThat(deleter.delete("a/c.txt")).isEqualTo(DeletionOutcome.ALREADY_ABSENT);

        assertThat(notADirectory).isRegularFile().hasContent("data");
    }

    @Test
    void a_fifo_where_a_directory_is_expected_is_already_absent_and_is_never_opened() throws Exception {
        Path fifo = fifo(root.resolve("a"));

        assertThat(notBlockedBy(fifo, () -> deleter.delete("a/c.txt"))).isEqualTo(DeletionOutcome.ALREADY_ABSENT);

        assertThat(Files.exists(fifo, NOFOLLOW_LINKS)).isTrue();
    }

    @Test
    void a_unix_socket_where_a_directory_is_expected_is_already_absent_and_left_alone() throws IOException {
        Path socket = root.resolve("a");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
        }

        assertThat(deleter.delete("a/c.txt")).isEqualTo(DeletionOutcome.ALREADY_ABSENT);

        assertThat(Files.exists(socket, NOFOLLOW_LINKS)).isTrue();
    }

    @Test
    void a_fifo_as_the_final_component_is_unlinked_without_being_opened() throws Exception {
        Path fifo = fifo(root.resolve("pipe"));

        assertThat(notBlockedBy(fifo, () -> deleter.delete("pipe"))).isEqualTo(DeletionOutcome.DELETED);

        assertThat(Files.exists(fifo, NOFOLLOW_LINKS)).isFalse();
    }

    @Test
    void a_failed_unlink_of_a_regular_file_is_rethrown_for_a_retry_and_the_file_is_kept() throws IOException {
        Path file = file("c.txt");
        AccessDeniedException failed = new AccessDeniedException("c.txt");

        try (var dir = (SecureDirectoryStream<Path>) Files.newDirectoryStream(root)) {
            assertThatThrownBy(() -> ConfinedFileDeleter.classifyFailedUnlink(
                            dir, Path.of("c.txt"), StoragePath.parse("c.txt"), failed))
                    .isSameAs(failed);
        }

        assertThat(file).isRegularFile().hasContent("data");
    }

    @Test
    void a_failed_unlink_of_a_name_that_is_gone_when_classified_is_already_absent() throws IOException {
        try (var dir = (SecureDirectoryStream<Path>) Files.newDirectoryStream(root)) {
            assertThat(ConfinedFileDeleter.classifyFailedUnlink(
                            dir, Path.of("gone"), StoragePath.parse("gone"), new FileSystemException("gone")))
                    .isEqualTo(DeletionOutcome.ALREADY_ABSENT);
        }
    }

    @Test
    void a_failed_unlink_of_a_directory_is_refused_as_a_directory() throws IOException {
        Path directory = Files.createDirectory(root.resolve("d"));

        try (var dir = (SecureDirectoryStream<Path>) Files.newDirectoryStream(root)) {
            assertThatThrownBy(() -> ConfinedFileDeleter.classifyFailedUnlink(
                            dir, Path.of("d"), StoragePath.parse("d"), new FileSystemException("d")))
                    .isInstanceOf(PathRefusedException.class)
                    .hasMessage("Refused storage path 'd': it is a directory, not a file; directories are never"
                            + " deleted");
        }

        assertThat(directory).isDirectory();
    }

    @Test
    void traversal_path_is_refused_and_the_file_outside_the_root_is_untouched() throws IOException {
        assertThatThrownBy(() -> deleter.delete("../outside/secret.txt"))
                .isInstanceOf(PathRefusedException.class)
                .hasMessageContaining("'..'");

        assertSecretUntouched();
    }

    @Test
    void absolute_path_to_the_secret_is_refused_and_the_secret_is_untouched() throws IOException {
        assertThatThrownBy(() -> deleter.delete(secret.toString()))
                .isInstanceOf(PathRefusedException.class)
                .hasMessageContaining("absolute");

        assertSecretUntouched();
    }

    @Test
    void a_symlinked_directory_inside_the_root_is_refused_and_the_secret_behind_it_is_untouched() throws IOException {
        Files.createSymbolicLink(root.resolve("link"), outside);

        assertThatThrownBy(() -> deleter.delete("link/secret.txt"))
                .isInstanceOf(PathRefusedException.class)
                .hasMessageContaining("symbolic link at 'link'");

        assertSecretUntouched();
        assertThat(root.resolve("link")).isSymbolicLink();
    }

    @Test
    void a_symlink_deeper_in_the_chain_is_refused_and_named_by_its_prefix() throws IOException {
        Files.createDirectories(root.resolve("a"));
        Files.createSymbolicLink(root.resolve("a/b"), outside);

        assertThatThrownBy(() -> deleter.delete("a/b/secret.txt"))
                .isInstanceOf(PathRefusedException.class)
                .hasMessageContaining("symbolic link at 'a/b'");

        assertSecretUntouched();
    }

    @Test
    void a_relative_symlink_that_stays_inside_the_root_is_still_refused() throws IOException {
        Path target = file("real/c.txt");
        Files.createSymbolicLink(root.resolve("alias"), Path.of("real"));

        assertThatThrownBy(() -> deleter.delete("alias/c.txt")).isInstanceOf(PathRefusedException.class);

        assertThat(target).isRegularFile();
    }

    @Test
    void a_final_symlink_to_the_secret_is_deleted_as_a_link_and_the_secret_keeps_its_content() throws IOException {
        Path link = Files.createSymbolicLink(root.resolve("link.txt"), secret);

        assertThat(deleter.delete("link.txt")).isEqualTo(DeletionOutcome.DELETED);

        assertThat(Files.exists(link, NOFOLLOW_LINKS)).isFalse();
        assertSecretUntouched();
    }

    @Test
    void a_final_symlink_to_a_directory_outside_is_unlinked_and_the_directory_is_untouched() throws IOException {
        Path link = Files.createSymbolicLink(root.resolve("dirlink"), outside);

        assertThat(deleter.delete("dirlink")).isEqualTo(DeletionOutcome.DELETED);

        assertThat(Files.exists(link, NOFOLLOW_LINKS)).isFalse();
        assertSecretUntouched();
    }

    @Test
    void a_dangling_final_symlink_is_deleted() throws IOException {
        Path link = Files.createSymbolicLink(root.resolve("dangling"), tmp.resolve("nowhere"));

        assertThat(deleter.delete("dangling")).isEqualTo(DeletionOutcome.DELETED);

        assertThat(Files.exists(link, NOFOLLOW_LINKS)).isFalse();
    }

    @Test
    void a_directory_where_a_file_is_expected_is_refused_and_kept_with_its_contents() throws IOException {
        Path inside = file("a/dir/keep.txt");

        assertThatThrownBy(() -> deleter.delete("a/dir"))
                .isInstanceOf(PathRefusedException.class)
                .hasMessageContaining("is a directory, not a file");

        assertThat(inside).isRegularFile();
    }

    @Test
    void an_empty_directory_where_a_file_is_expected_is_refused_and_kept() throws IOException {
        Path empty = Files.createDirectories(root.resolve("empty"));

        assertThatThrownBy(() -> deleter.delete("empty")).isInstanceOf(PathRefusedException.class);

        assertThat(empty).isDirectory();
    }

    @Test
    void a_nul_byte_is_refused_and_the_file_before_it_is_untouched() throws IOException {
        Path file = file("a.txt");

        assertThatThrownBy(() -> deleter.delete("a.txt\u0000.jpg"))
                .isInstanceOf(PathRefusedException.class)
                .hasMessageContaining("NUL");

        assertThat(file).isRegularFile();
    }

    @Test
    void a_5000_character_path_is_refused() {
        assertThatThrownBy(() -> deleter.delete("a/".repeat(2500)))
                .isInstanceOf(PathRefusedException.class)
                .hasMessageContaining("longer than 4096 bytes");
    }

    @Test
    void a_300_character_component_is_refused() {
        assertThatThrownBy(() -> deleter.delete("a/" + "b".repeat(300)))
                .isInstanceOf(PathRefusedException.class)
                .hasMessageContaining("component longer than 255 bytes");
    }

    @Test
    void a_parent_swapped_for_a_symlink_to_outside_before_delete_is_refused_and_nothing_is_deleted() throws IOException {
        file("a/secret.txt");
        Files.move(root.resolve("a"), root.resolve("a-moved"));
        Files.createSymbolicLink(root.resolve("a"), outside);

        assertThatThrownBy(() -> deleter.delete("a/secret.txt"))
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
                    if (deleter.delete("a/secret.txt") == DeletionOutcome.DELETED) {
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
                return deleter.delete(path);
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

        assertThatThrownBy(() -> new ConfinedFileDeleter(missing))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(missing.toString());
    }

    @Test
    void the_constructor_refuses_a_regular_file_as_root() {
        assertThatThrownBy(() -> new ConfinedFileDeleter(secret))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(secret.toString())
                .hasMessageContaining("not a directory");
    }

    @Test
    void a_root_configured_through_a_symlink_is_resolved_to_its_real_path() throws IOException {
        Path alias = Files.createSymbolicLink(tmp.resolve("root-alias"), root);
        Path file = file("c.txt");

        ConfinedFileDeleter viaAlias = new ConfinedFileDeleter(alias);

        assertThat(viaAlias.root()).isEqualTo(root.toRealPath());
        assertThat(viaAlias.delete("c.txt")).isEqualTo(DeletionOutcome.DELETED);
        assertThat(file).doesNotExist();
    }

    // The tests below pin the JDK behaviour the race-freedom argument and the order of checks rest
    // on, so a JDK change that weakens it fails here rather than silently in production. If the FIFO
    // one fails because the open no longer blocks, the JDK has started passing O_DIRECTORY or
    // O_NONBLOCK, and opening parents before stat'ing them would be worth reconsidering.

    @Test
    void opening_a_symlink_as_a_directory_with_nofollow_fails_instead_of_following_it() throws IOException {
        Files.createSymbolicLink(root.resolve("link"), outside);

        try (var dir = (SecureDirectoryStream<Path>) Files.newDirectoryStream(root)) {
            assertThatThrownBy(() -> dir.newDirectoryStream(Path.of("link"), NOFOLLOW_LINKS).close())
                    .isInstanceOf(FileSystemException.class)
                    .isNotInstanceOf(NoSuchFileException.class);
        }
    }

    @Test
    void opening_a_fifo_as_a_directory_blocks_until_a_writer_comes_so_parents_are_stat_ed_before_they_are_opened()
            throws Exception {
        Path fifo = fifo(root.resolve("fifo"));

        try (var dir = (SecureDirectoryStream<Path>) Files.newDirectoryStream(root)) {
            ExecutorService single = Executors.newSingleThreadExecutor();
            try {
                Future<?> open = single.submit(() -> {
                    dir.newDirectoryStream(Path.of("fifo"), NOFOLLOW_LINKS).close();
                    return null;
                });
                try {
                    Thread.sleep(300);
                    assertThat(open).as("open of a FIFO with no writer").isNotDone();
                } finally {
                    releaseReadersOf(fifo);
                }
                assertThatThrownBy(() -> open.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(NotDirectoryException.class);
            } finally {
                single.shutdownNow();
            }
        }
    }

    @Test
    void delete_file_on_a_directory_fails_so_a_leaf_swapped_for_a_directory_is_never_removed() throws IOException {
        Path dirAsLeaf = Files.createDirectory(root.resolve("leaf"));

        try (var dir = (SecureDirectoryStream<Path>) Files.newDirectoryStream(root)) {
            assertThatThrownBy(() -> dir.deleteFile(Path.of("leaf"))).isInstanceOf(FileSystemException.class);
        }

        assertThat(dirAsLeaf).isDirectory();
    }
}
