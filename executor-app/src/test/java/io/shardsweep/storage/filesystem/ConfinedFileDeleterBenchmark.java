package io.shardsweep.storage.filesystem;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Times one thread deleting empty files at depth 2 ({@code a/d7/f-123.bin}, in 100 folders, and
 * {@code a/d0/f-123.bin}, all in one) with the current {@link ConfinedFileDeleter} as the deletion
 * pool drives it (each claimed batch of 1,000 sorted by path, one {@link FileDeleter#sequence()} per
 * chunk of {@value #CHUNK_ROWS} files, the default of {@code shardsweep.delete-chunk-size}), the same walk one file at a time (as before
 * the sequences), the {@code SecureDirectoryStream} walk it replaced on Linux (issue 9; still the
 * portable walk), the check-then-unlink version before that (issue 5), and an unconfined
 * {@code Files.delete} for scale. Prints figures; the only assertions are that every file went.
 * Run: {@code mvn -B -pl executor-app -Pbenchmark test -Dtest=ConfinedFileDeleterBenchmark}.
 */
@Tag("benchmark")
class ConfinedFileDeleterBenchmark {

    private static final int FILES = 20_000;
    private static final int[] DIRECTORIES = {100, 1};
    private static final int BATCH = 1_000;
    /** The default of {@code shardsweep.delete-chunk-size}. */
    private static final int CHUNK_ROWS = 16;
    private static final int WARM_UP_FILES = 5_000;
    private static final int REPEATS = 3;

    @TempDir
    Path tmp;

    @Test
    void one_thread_deletes_20000_empty_files_at_depth_2() throws IOException {
        Map<String, Function<Path, FileDeleter>> variants = new LinkedHashMap<>();
        variants.put("JDK check-then-unlink (<5)", CheckThenDeleteFileDeleter::new);
        variants.put("JDK walk, unlink-first (<9)", ConfinedFileDeleter::withSecureDirectoryStreamWalk);
        variants.put("native walk, file by file", ConfinedFileDeleterBenchmark::nativeWalk);
        variants.put("native walk, in chunks (now)", root -> new InChunks(nativeWalk(root)));
        variants.put("Files.delete, unconfined", root -> relative -> {
            Files.delete(root.resolve(relative));
            return DeletionOutcome.DELETED;
        });
        List<String> names = new ArrayList<>(variants.keySet());

        for (int directories : DIRECTORIES) {
            for (String name : names) {
                run(variants.get(name), directories, "warm-up-" + directories + "-" + names.indexOf(name), WARM_UP_FILES);
            }
            Map<String, List<Double>> micros = new LinkedHashMap<>();
            for (int repeat = 0; repeat < REPEATS; repeat++) {
                // Rotate the order so that no variant always runs first or last.
                for (int i = 0; i < names.size(); i++) {
                    String name = names.get((i + repeat) % names.size());
                    double perFile = run(variants.get(name), directories, "r" + directories + "-" + repeat + "-"
                            + names.indexOf(name), FILES);
                    micros.computeIfAbsent(name, n -> new ArrayList<>()).add(perFile);
                }
            }

            System.out.printf("BENCHMARK delete %,d empty files at depth 2 (%d director%s), one thread, %d cores:%n",
                    FILES, directories, directories == 1 ? "y" : "ies", Runtime.getRuntime().availableProcessors());
            micros.forEach((name, figures) -> System.out.printf("BENCHMARK   %-30s %s us/file (best %.1f)%n", name,
                    figures.stream().map(us -> String.format("%.1f", us)).toList(),
                    figures.stream().mapToDouble(Double::doubleValue).min().orElseThrow()));
        }
    }

    private static FileDeleter nativeWalk(Path root) {
        ConfinedFileDeleter deleter = new ConfinedFileDeleter(root);
        assertThat(deleter.fallbackReason()).as("the native walk on this platform").isNull();
        return deleter;
    }

    /** As the deletion pool runs a batch: sorted by path, one sequence per chunk. */
    private record InChunks(FileDeleter deleter) implements FileDeleter {
        @Override
        public DeletionOutcome delete(String relativePath) {
            throw new UnsupportedOperationException("deletes whole batches");
        }

        int deleteBatch(List<String> batch) throws IOException {
            List<String> sorted = new ArrayList<>(batch);
            sorted.sort(Comparator.comparing(path -> path.getBytes(StandardCharsets.UTF_8), Arrays::compareUnsigned));
            int deleted = 0;
            for (int from = 0; from < sorted.size(); from += CHUNK_ROWS) {
                try (Sequence sequence = deleter.sequence()) {
                    for (String path : sorted.subList(from, Math.min(from + CHUNK_ROWS, sorted.size()))) {
                        if (sequence.delete(path) == DeletionOutcome.DELETED) {
                            deleted++;
                        }
                    }
                }
            }
            return deleted;
        }
    }

    /** Creates {@code files} empty files in a fresh root, deletes them all and returns us per file. */
    private double run(Function<Path, FileDeleter> variant, int directories, String rootName, int files) throws IOException {
        Path root = Files.createDirectory(tmp.resolve(rootName));
        List<String> paths = new ArrayList<>(files);
        for (int i = 0; i < files; i++) {
            String path = "a/d" + (i % directories) + "/f-" + i + ".bin";
            Path file = root.resolve(path);
            Files.createDirectories(file.getParent());
            Files.createFile(file);
            paths.add(path);
        }
        FileDeleter deleter = variant.apply(root);

        int deleted = 0;
        long started = System.nanoTime();
        if (deleter instanceof InChunks batches) {
            for (int from = 0; from < paths.size(); from += BATCH) {
                deleted += batches.deleteBatch(paths.subList(from, Math.min(from + BATCH, paths.size())));
            }
        } else {
            for (String path : paths) {
                if (deleter.delete(path) == DeletionOutcome.DELETED) {
                    deleted++;
                }
            }
        }
        long elapsed = System.nanoTime() - started;

        assertThat(deleted).isEqualTo(files);
        try (Stream<Path> left = Files.walk(root)) {
            assertThat(left.filter(Files::isRegularFile)).isEmpty();
        }
        return elapsed / 1e3 / files;
    }
}
