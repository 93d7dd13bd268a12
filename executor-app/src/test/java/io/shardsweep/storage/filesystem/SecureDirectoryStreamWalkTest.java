package io.shardsweep.storage.filesystem;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardsweep.storage.PathRefusedException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Every test of {@link ConfinedFileDeleterTest} again on the portable walk (the one used off Linux
 * x86_64/aarch64), so that both walks are held to the same outcomes on this machine, plus the tests
 * of that walk's own parts and of the JDK behaviour it rests on.
 */
class SecureDirectoryStreamWalkTest extends ConfinedFileDeleterTest {

    @Override
    ConfinedFileDeleter newDeleter(Path storageRoot) {
        return ConfinedFileDeleter.withSecureDirectoryStreamWalk(storageRoot);
    }

    @Test
    void the_deleter_under_test_uses_the_portable_walk() {
        assertThat(deleter.mechanism()).isEqualTo("the JDK's SecureDirectoryStream");
    }

    @Test
    void a_failed_unlink_of_a_regular_file_is_rethrown_for_a_retry_and_the_file_is_kept() throws IOException {
        Path file = file("c.txt");
        AccessDeniedException failed = new AccessDeniedException("c.txt");

        try (var dir = (SecureDirectoryStream<Path>) Files.newDirectoryStream(root)) {
            assertThatThrownBy(() -> SecureDirectoryStreamWalk.classifyFailedUnlink(
                            dir, Path.of("c.txt"), StoragePath.parse("c.txt"), failed))
                    .isSameAs(failed);
        }

        assertThat(file).isRegularFile().hasContent("data");
    }

    @Test
    void a_failed_unlink_of_a_name_that_is_gone_when_classified_is_already_absent() throws IOException {
        try (var dir = (SecureDirectoryStream<Path>) Files.newDirectoryStream(root)) {
            assertThat(SecureDirectoryStreamWalk.classifyFailedUnlink(
                            dir, Path.of("gone"), StoragePath.parse("gone"), new FileSystemException("gone")))
                    .isEqualTo(DeletionOutcome.ALREADY_ABSENT);
        }
    }

    @Test
    void a_failed_unlink_of_a_directory_is_refused_as_a_directory() throws IOException {
        Path directory = Files.createDirectory(root.resolve("d"));

        try (var dir = (SecureDirectoryStream<Path>) Files.newDirectoryStream(root)) {
            assertThatThrownBy(() -> SecureDirectoryStreamWalk.classifyFailedUnlink(
                            dir, Path.of("d"), StoragePath.parse("d"), new FileSystemException("d")))
                    .isInstanceOf(PathRefusedException.class)
                    .hasMessage("Refused storage path 'd': it is a directory, not a file; directories are never"
                            + " deleted");
        }

        assertThat(directory).isDirectory();
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
