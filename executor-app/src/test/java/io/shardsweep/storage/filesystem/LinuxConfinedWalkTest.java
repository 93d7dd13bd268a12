package io.shardsweep.storage.filesystem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import io.shardsweep.storage.PathRefusedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What only the native walk promises: a parent turning into a FIFO while deletions run never blocks
 * a thread and never makes a file "absent", and no descriptor outlives its deletion. The outcomes it
 * shares with the portable walk are in {@link ConfinedFileDeleterTest}.
 */
class LinuxConfinedWalkTest {

    @TempDir
    Path tmp;

    Path root;
    ConfinedFileDeleter deleter;
    final List<Path> fifos = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        assumeThat(LinuxLibc.forThisPlatform()).as("the native walk exists on this platform").isNotNull();
        root = Files.createDirectory(tmp.resolve("root"));
        deleter = new ConfinedFileDeleter(root);
    }

    /** Frees any thread a regression left blocked in an open of one of our FIFOs. */
    @AfterEach
    void releaseBlockedOpens() throws IOException {
        for (Path fifo : fifos) {
            if (Files.exists(fifo) && !Files.isDirectory(fifo)) {
                ConfinedFileDeleterTest.releaseReadersOf(fifo);
            }
        }
    }

    @Test
    void the_deleter_on_linux_x86_64_or_aarch64_uses_the_native_walk() {
        assertThat(deleter.mechanism()).startsWith("openat/unlinkat via JNA (linux-");
        assertThat(deleter.fallbackReason()).isNull();
    }

    /**
     * A live attacker swaps the directory {@code a} and a FIFO atomically ({@code renameat2} with
     * {@code RENAME_EXCHANGE}, so the name is never missing) while one thread deletes 2000 distinct
     * files under {@code a}. Each file exists until it is deleted, so any {@code ALREADY_ABSENT} is a
     * lie; each failed attempt is retried, as a real caller would. The JUnit timeout is the safety net
     * for a walk that would open the FIFO and wait for a writer; {@link #releaseBlockedOpens} frees it.
     */
    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void a_parent_directory_swapped_for_a_fifo_during_deletes_never_blocks_and_never_reports_a_file_absent() throws Exception {
        Path a = Files.createDirectory(root.resolve("a"));
        Path parked = ConfinedFileDeleterTest.fifo(root.resolve("a.parked"));
        fifos.add(a);
        fifos.add(parked);
        int files = 2000;
        for (int i = 0; i < files; i++) {
            Files.createFile(a.resolve("f-" + i));
        }
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger swaps = new AtomicInteger();
        AtomicReference<Throwable> swapperFailure = new AtomicReference<>();
        Thread swapper = new Thread(() -> {
            try {
                while (!stop.get()) {
                    Exchange.swap(a, parked);
                    swaps.incrementAndGet();
                    Thread.yield();
                }
            } catch (Throwable t) {
                swapperFailure.set(t);
            }
        });

        int deleted = 0;
        int absent = 0;
        int failedAtTheFifo = 0;
        List<String> otherFailures = new ArrayList<>();
        swapper.start();
        try {
            while (swaps.get() < 10 && swapperFailure.get() == null) {
                Thread.onSpinWait(); // the attacker is under way before the first deletion
            }
            for (int i = 0; i < files && swapperFailure.get() == null; ) {
                try {
                    DeletionOutcome outcome = deleter.delete("a/f-" + i);
                    if (outcome == DeletionOutcome.ALREADY_ABSENT) {
                        absent++;
                    } else {
                        deleted++;
                    }
                    i++;
                } catch (IOException failed) {
                    if (failed.getMessage().contains("is a FIFO where a directory should be")) {
                        failedAtTheFifo++;
                    } else if (!failed.getMessage().contains("changing under us")) {
                        otherFailures.add(failed.getMessage());
                    }
                }
            }
        } finally {
            stop.set(true);
            swapper.join();
        }

        assertThat(swapperFailure.get()).isNull();
        assertThat(absent).as("files reported absent while they existed").isZero();
        assertThat(otherFailures).as("failures that name neither the FIFO nor the race").isEmpty();
        assertThat(deleted).as("files deleted through the real directory").isEqualTo(files);
        assertThat(failedAtTheFifo).as("attempts that met the FIFO (swaps: %d)", swaps.get()).isPositive();
        try (Stream<Path> left = Files.list(Files.isDirectory(a) ? a : parked)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void no_descriptor_outlives_its_deletion_whatever_the_outcome() throws Exception {
        Files.createDirectories(root.resolve("d/e"));
        Files.createFile(root.resolve("d/e/file"));
        Files.createFile(root.resolve("d/plain"));
        Files.createSymbolicLink(root.resolve("d/link"), tmp);
        fifos.add(ConfinedFileDeleterTest.fifo(root.resolve("d/fifo")));
        Files.createDirectory(root.resolve("d/e/dir"));
        List<String> paths = List.of("d/e/file", "d/e/missing", "d/missing/x", "d/plain/x", "d/link/x", "d/fifo/x", "d/e/dir");
        for (String path : paths) {
            outcomeOf(path); // warm up: JNA and the JDK open their own files on first use
        }
        long before = openDescriptors();

        for (int round = 0; round < 200; round++) {
            for (String path : paths) {
                outcomeOf(path);
            }
        }

        // Other threads of the test JVM open and close files too, so the count moves by a few; one
        // leaked descriptor per deletion of any one path would add 200 at least.
        assertThat(openDescriptors()).as("open descriptors after 1400 deletions of every outcome, before: %d", before)
                .isLessThan(before + 50);
    }

    private String outcomeOf(String path) {
        try {
            return deleter.delete(path).name();
        } catch (IOException | PathRefusedException e) {
            return e.getClass().getSimpleName();
        }
    }

    private static long openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    /** {@code renameat2(..., RENAME_EXCHANGE)}: swaps two names in one step, for the attacker above. */
    static final class Exchange {
        private static final int RENAME_EXCHANGE = 2;

        static {
            Native.register(Exchange.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
        }

        private static native int renameat2(int olddirfd, String oldpath, int newdirfd, String newpath, int flags)
                throws LastErrorException;

        static void swap(Path one, Path other) {
            renameat2(LinuxLibc.AT_FDCWD, one.toString(), LinuxLibc.AT_FDCWD, other.toString(), RENAME_EXCHANGE);
        }
    }
}
