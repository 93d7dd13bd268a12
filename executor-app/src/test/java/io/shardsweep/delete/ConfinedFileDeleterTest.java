package io.shardsweep.delete;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
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

    // The two tests below pin the JDK behaviour the race-freedom argument rests on, so a JDK
    // change that weakens it fails here rather than silently in production.

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
    void delete_file_on_a_directory_fails_so_a_leaf_swapped_for_a_directory_is_never_removed() throws IOException {
        Path dirAsLeaf = Files.createDirectory(root.resolve("leaf"));

        try (var dir = (SecureDirectoryStream<Path>) Files.newDirectoryStream(root)) {
            assertThatThrownBy(() -> dir.deleteFile(Path.of("leaf"))).isInstanceOf(FileSystemException.class);
        }

        assertThat(dirAsLeaf).isDirectory();
    }
}
