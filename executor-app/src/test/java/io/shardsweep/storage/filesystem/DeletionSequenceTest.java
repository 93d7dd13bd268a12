package io.shardsweep.storage.filesystem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardsweep.storage.PathRefusedException;
import io.shardsweep.storage.StorageUnavailableException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every test of {@link ConfinedFileDeleterTest} again through sequences of the native walk, as the
 * deletion pool deletes (one per chunk of rows): each test's deletions go through a sequence that has
 * kept the storage root open since before the test built its tree, so every outcome there is also
 * the outcome through a kept descriptor. Then the changes that can happen between two deletions of
 * one sequence: a folder or the root renamed, replaced by a symbolic link or removed.
 */
class DeletionSequenceTest extends ConfinedFileDeleterTest {

    private final AtomicInteger primed = new AtomicInteger();
    private FileDeleter.Sequence sequence;

    /** One sequence per thread (a sequence is one thread's), its root opened before the test's tree was built. */
    @Override
    FileDeleter deletionsThrough(ConfinedFileDeleter deleter) {
        ThreadLocal<FileDeleter.Sequence> perThread = ThreadLocal.withInitial(() -> primedSequence(deleter));
        perThread.get(); // the test thread's, now: before the test changes the tree
        return relativePath -> perThread.get().delete(relativePath);
    }

    private FileDeleter.Sequence primedSequence(ConfinedFileDeleter deleter) {
        FileDeleter.Sequence kept = deleter.sequence();
        String name = ".primed-" + primed.incrementAndGet();
        try {
            Files.createFile(deleter.root().resolve(name));
            assertThat(kept.delete(name)).isEqualTo(DeletionOutcome.DELETED);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return kept;
    }

    @AfterEach
    void closeSequence() {
        if (sequence != null) {
            sequence.close();
        }
    }

    @Test
    void a_folder_of_files_is_deleted_through_one_sequence() throws IOException {
        for (int i = 0; i < 20; i++) {
            file("videos/2026/f-" + i);
        }
        sequence = deleter.sequence();

        for (int i = 0; i < 20; i++) {
            assertThat(sequence.delete("videos/2026/f-" + i)).isEqualTo(DeletionOutcome.DELETED);
        }

        try (Stream<Path> left = Files.list(root.resolve("videos/2026"))) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void a_folder_renamed_between_two_deletions_is_walked_again_and_the_file_at_the_name_is_deleted() throws IOException {
        file("a/first");
        sequence = deleter.sequence();
        assertThat(sequence.delete("a/first")).isEqualTo(DeletionOutcome.DELETED);
        Files.move(root.resolve("a"), root.resolve("a-old"));
        Path second = file("a/second");

        // The kept descriptor names a-old, where there is no 'second': absent there, so walked again.
        assertThat(sequence.delete("a/second")).isEqualTo(DeletionOutcome.DELETED);

        assertThat(second).doesNotExist();
    }

    @Test
    void a_failure_through_a_kept_folder_is_walked_again_and_the_file_at_the_name_is_deleted() throws Exception {
        file("a/first");
        sequence = deleter.sequence();
        assertThat(sequence.delete("a/first")).isEqualTo(DeletionOutcome.DELETED);
        Files.move(root.resolve("a"), root.resolve("a-old"));
        fifo(root.resolve("a-old/x"));
        Path second = file("a/x/second");

        // Through the kept descriptor (a-old) 'x' is a FIFO, which fails the row; the fresh walk finds a folder.
        assertThat(sequence.delete("a/x/second")).isEqualTo(DeletionOutcome.DELETED);

        assertThat(second).doesNotExist();
    }

    @Test
    void a_folder_swapped_for_a_symlink_to_outside_between_two_deletions_is_refused_and_the_secret_is_untouched()
            throws IOException {
        file("a/first");
        sequence = deleter.sequence();
        assertThat(sequence.delete("a/first")).isEqualTo(DeletionOutcome.DELETED);
        Files.move(root.resolve("a"), root.resolve("a-old"));
        Files.createSymbolicLink(root.resolve("a"), outside);

        assertThatThrownBy(() -> sequence.delete("a/secret.txt"))
                .isInstanceOf(PathRefusedException.class)
                .hasMessageContaining("symbolic link at 'a'");

        assertSecretUntouched();
    }

    @Test
    void a_storage_root_replaced_between_two_deletions_is_opened_again_and_the_file_in_the_new_root_is_deleted()
            throws IOException {
        file("a/first");
        sequence = deleter.sequence();
        assertThat(sequence.delete("a/first")).isEqualTo(DeletionOutcome.DELETED);
        Files.move(root, tmp.resolve("root-old"));
        Files.createDirectory(root);
        Path second = file("a/second");

        assertThat(sequence.delete("a/second")).isEqualTo(DeletionOutcome.DELETED);

        assertThat(second).doesNotExist();
    }

    @Test
    void a_storage_root_removed_between_two_deletions_is_the_storage_unavailable() throws IOException {
        file("first");
        sequence = deleter.sequence();
        assertThat(sequence.delete("first")).isEqualTo(DeletionOutcome.DELETED);
        Files.delete(root);

        assertThatThrownBy(() -> sequence.delete("second"))
                .isInstanceOf(StorageUnavailableException.class)
                .hasMessageContaining("nothing was deleted");
    }

    @Test
    void a_path_deeper_than_the_kept_directories_is_deleted_and_a_closed_sequence_keeps_no_descriptor()
            throws IOException {
        String deep = "d/".repeat(LinuxConfinedWalk.MAX_HELD_DEPTH + 8) + "file";
        file(deep);
        file("x/y/z/file");
        sequence = deleter.sequence();
        sequence.delete("x/y/z/file"); // warm up: JNA and the JDK open their own files on first use
        sequence.close();
        long before = openDescriptors();
        file("x/y/z/file");

        sequence = deleter.sequence();
        assertThat(sequence.delete("x/y/z/file")).isEqualTo(DeletionOutcome.DELETED);
        assertThat(openDescriptors()).as("the root and x, y, z kept open").isGreaterThanOrEqualTo(before + 4);
        assertThat(sequence.delete(deep)).isEqualTo(DeletionOutcome.DELETED);
        assertThat(openDescriptors()).as("never more than %d directories kept", LinuxConfinedWalk.MAX_HELD_DEPTH)
                .isLessThanOrEqualTo(before + 1 + LinuxConfinedWalk.MAX_HELD_DEPTH);
        sequence.close();

        assertThat(root.resolve(deep)).doesNotExist();
        assertThat(openDescriptors()).as("open descriptors after close, before: %d", before).isEqualTo(before);
    }

    private static long openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count() - 1; // the listing's own
        }
    }
}
