package io.shardsweep.storage.filesystem;

import io.shardsweep.storage.PathRefusedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Function;

/**
 * Deletes one file below a fixed storage root and nothing else, even while someone with write
 * access to the tree is swapping directories for symbolic links, files or FIFOs.
 *
 * <p>The obvious approach (resolve the path, check it with {@code toRealPath} or
 * {@code isSymbolicLink}, then {@code Files.delete}) is a time-of-check/time-of-use hole: between
 * the check and the delete a parent directory can be replaced by a link to {@code /etc}, and the
 * kernel follows it when it re-resolves the path string. This class never hands the kernel more
 * than one name at a time: it opens the root, then each parent relative to the descriptor of the
 * one before, without following links, and unlinks the file relative to the last one. An open
 * descriptor keeps referring to the directory that was opened however its name is later renamed or
 * replaced, and a name that turns into a link makes the open fail instead of being followed.
 *
 * <p>On Linux x86_64 and aarch64 the walk is {@link LinuxConfinedWalk} (libc through JNA, every
 * directory opened with {@code O_DIRECTORY|O_NOFOLLOW|O_NONBLOCK}); elsewhere it is
 * {@link SecureDirectoryStreamWalk}, which cannot open a directory without first stat'ing it, and so
 * leaves the FIFO window described there. Both give the same outcomes:
 *
 * <ul>
 *   <li>{@code DELETED}: the file, or a symbolic link as the last component (the link itself, never
 *       its target), was unlinked.
 *   <li>{@code ALREADY_ABSENT}: only when every parent that was reached opened as a real directory
 *       and the next name is not in it.
 *   <li>{@link PathRefusedException} (the row goes DEAD): a symbolic link as a parent, a directory
 *       as the last component, or a path {@link StoragePath} refuses.
 *   <li>{@link IOException} (the row is retried, and DEAD after its attempts): anything else,
 *       including a parent that is a file, FIFO, socket or device, and a missing or unopenable root.
 * </ul>
 *
 * <p>Thread-safe: no mutable state; each call opens and closes its own descriptors.
 */
public final class ConfinedFileDeleter implements FileDeleter {

    private final Path root;
    private final ConfinedWalk walk;
    private final String fallbackReason;

    /**
     * @param storageRoot an existing directory; resolved once to its real path
     * @throws IllegalStateException if the root is unusable or the platform cannot confine deletes
     */
    public ConfinedFileDeleter(Path storageRoot) {
        this.root = resolve(storageRoot);
        LinuxLibc libc = LinuxLibc.forThisPlatform();
        if (libc != null) {
            this.walk = new LinuxConfinedWalk(libc, root);
            this.fallbackReason = null;
        } else {
            this.walk = new SecureDirectoryStreamWalk(root);
            this.fallbackReason = "no native walk for " + LinuxLibc.describeThisPlatform()
                    + " (only Linux x86_64 and aarch64); a parent directory swapped for a FIFO at the wrong"
                    + " instant can block a deletion thread until a writer opens the FIFO";
        }
    }

    private ConfinedFileDeleter(Path storageRoot, Function<Path, ConfinedWalk> walk) {
        this.root = resolve(storageRoot);
        this.walk = walk.apply(root);
        this.fallbackReason = "chosen by the caller";
    }

    /** The portable walk whatever the platform, so that its tests run on Linux too. */
    static ConfinedFileDeleter withSecureDirectoryStreamWalk(Path storageRoot) {
        return new ConfinedFileDeleter(storageRoot, SecureDirectoryStreamWalk::new);
    }

    /** The real path of the storage root, as resolved at construction. */
    public Path root() {
        return root;
    }

    /** How files are opened and unlinked, for the start-up log line. */
    public String mechanism() {
        return walk.mechanism();
    }

    /** Why the portable walk is in use, or {@code null} when it is the native one: worth a warning. */
    public String fallbackReason() {
        return fallbackReason;
    }

    /** Parses {@code raw} with {@link StoragePath#parse} and deletes it. */
    @Override
    public DeletionOutcome delete(String raw) throws IOException {
        return delete(StoragePath.parse(raw));
    }

    /**
     * Deletes the regular file (or the symbolic link itself) at {@code path} below the root.
     *
     * @return {@code ALREADY_ABSENT} if the file, or a directory leading to it, is not there
     * @throws PathRefusedException if the path passes through a symbolic link or names a directory
     * @throws IOException if something that is not a directory stands where one should, the tree
     *     changed under us, or the OS refused; a retry checks again from scratch
     */
    public DeletionOutcome delete(StoragePath path) throws IOException {
        Objects.requireNonNull(path, "path");
        return walk.delete(path);
    }

    /**
     * Deletions on the calling thread that keep the root and the last path's directories open from
     * one to the next (the native walk; the portable walk keeps nothing). Same outcomes as
     * {@link #delete(StoragePath)}: a deletion through what was kept open that does not end
     * {@code DELETED} is walked again from a fresh open of the root, and only that walk's outcome
     * counts.
     */
    @Override
    public Sequence sequence() {
        ConfinedWalk.Sequence walks = walk.sequence();
        return Sequence.of(relativePath -> walks.delete(StoragePath.parse(relativePath)), walks::close);
    }

    private static Path resolve(Path storageRoot) {
        Objects.requireNonNull(storageRoot, "storageRoot");
        Path configured = storageRoot.toAbsolutePath();
        if (!Files.isDirectory(configured)) {
            throw new IllegalStateException(
                    "Storage root " + configured + " does not exist or is not a directory");
        }
        try {
            return configured.toRealPath();
        } catch (IOException e) {
            throw new IllegalStateException("Storage root " + configured + " cannot be resolved: " + e, e);
        }
    }
}
