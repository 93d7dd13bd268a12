package io.shardsweep.delete;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Objects;

/**
 * Deletes one file below a fixed storage root and nothing else, even while someone with write
 * access to the tree is swapping directories for symbolic links.
 *
 * <p>The obvious approach (resolve the path, check it with {@code toRealPath} or
 * {@code isSymbolicLink}, then {@code Files.delete}) is a time-of-check/time-of-use hole: between
 * the check and the delete a parent directory can be replaced by a link to {@code /etc}, and the
 * kernel follows it when it re-resolves the path string. This class never hands the kernel more
 * than one name at a time. It walks the path component by component through
 * {@link SecureDirectoryStream} ({@code openat}/{@code fstatat}/{@code unlinkat} on open directory
 * descriptors), opening each directory with {@code O_NOFOLLOW}. An open descriptor keeps referring
 * to the directory that was checked however its name is later renamed or replaced, and a name that
 * turns into a link after the check makes the open fail instead of being followed.
 *
 * <p>What is checked first differs between the directories and the file, on purpose:
 *
 * <ul>
 *   <li><b>Each parent directory is stat'ed ({@code fstatat}, no follow) before it is opened.</b>
 *       The open is what enforces confinement ({@code O_NOFOLLOW} fails on a link whatever the
 *       stat said), so the stat is not there for safety against links; it is there because the
 *       JDK's {@code newDirectoryStream} opens with {@code O_RDONLY|O_NOFOLLOW} and neither
 *       {@code O_DIRECTORY} nor {@code O_NONBLOCK}. Opening first would open whatever the name is:
 *       a regular file or a device node is opened before {@code fdopendir} refuses it, and a FIFO
 *       blocks the thread until some writer opens it, which anyone able to {@code mkfifo} in the
 *       tree could arrange for every row naming a path through it. Stat'ing first means only names
 *       that were directories an instant ago are ever opened. (A directory swapped for a FIFO in
 *       that instant can still block the open; the JDK offers no way to close that window.)
 *   <li><b>The file itself is unlinked without a prior stat.</b> {@code unlinkat(dfd, name, 0)} is
 *       its own check: it removes the directory entry without following it (a symbolic link is
 *       removed as a link, its target untouched) and without {@code AT_REMOVEDIR} it cannot remove
 *       a directory ({@code EISDIR} on Linux). A stat before it could only say what the unlink is
 *       about to find out anyway, and could be stale by then. Only when the unlink fails is the
 *       name stat'ed, to tell a directory (refused, never retried) from a transient failure
 *       (rethrown, retried).
 * </ul>
 *
 * <p>Thread-safe: no mutable state; each call opens and closes its own descriptors. None is kept
 * between calls: a cached descriptor would keep a directory that has since been swapped out.
 */
public final class ConfinedFileDeleter implements FileDeleter {

    private final Path root;

    /**
     * @param storageRoot an existing directory; resolved once to its real path
     * @throws IllegalStateException if the root is unusable or the platform cannot confine deletes
     */
    public ConfinedFileDeleter(Path storageRoot) {
        Objects.requireNonNull(storageRoot, "storageRoot");
        Path configured = storageRoot.toAbsolutePath();
        if (!Files.isDirectory(configured)) {
            throw new IllegalStateException(
                    "Storage root " + configured + " does not exist or is not a directory");
        }
        try {
            this.root = configured.toRealPath();
        } catch (IOException e) {
            throw new IllegalStateException("Storage root " + configured + " cannot be resolved: " + e, e);
        }
        try (DirectoryStream<Path> probe = Files.newDirectoryStream(root)) {
            if (!(probe instanceof SecureDirectoryStream)) {
                throw new IllegalStateException("Storage root " + configured + ": this platform does not support"
                        + " SecureDirectoryStream; refusing to delete without race-free confinement");
            }
        } catch (IOException e) {
            throw new IllegalStateException("Storage root " + configured + " cannot be opened: " + e, e);
        }
    }

    /** The real path of the storage root, as resolved at construction. */
    public Path root() {
        return root;
    }

    /** Parses {@code raw} with {@link StoragePath#parse} and deletes it. */
    @Override
    public DeletionOutcome delete(String raw) throws IOException {
        return delete(StoragePath.parse(raw));
    }

    /**
     * Deletes the regular file (or the symbolic link itself) at {@code path} below the root.
     *
     * @return {@code ALREADY_ABSENT} if the file, or any directory leading to it, is not there
     * @throws PathRefusedException if the path passes through a symbolic link or names a directory
     * @throws IOException if the tree changed under us or the OS refused; a retry re-checks from scratch
     */
    public DeletionOutcome delete(StoragePath path) throws IOException {
        Objects.requireNonNull(path, "path");
        SecureDirectoryStream<Path> dir = openRoot();
        try {
            List<String> parents = path.parents();
            for (int depth = 0; depth < parents.size(); depth++) {
                Path name = component(parents.get(depth), path);
                BasicFileAttributes attrs = attributesOrNull(dir, name);
                if (attrs == null) {
                    return DeletionOutcome.ALREADY_ABSENT;
                }
                if (attrs.isSymbolicLink()) {
                    throw refuse(path, "passes through a symbolic link at '" + path.prefix(depth + 1)
                            + "'; links are never followed out of the storage root");
                }
                if (!attrs.isDirectory()) {
                    // A file where a directory should be: nothing can exist below it. Never opened,
                    // so a FIFO here cannot block us (see the class comment).
                    return DeletionOutcome.ALREADY_ABSENT;
                }
                SecureDirectoryStream<Path> child = openDirectoryOrNull(dir, name, path, depth);
                if (child == null) {
                    return DeletionOutcome.ALREADY_ABSENT;
                }
                SecureDirectoryStream<Path> parent = dir;
                dir = child; // reassign before closing so the finally block never leaks the child
                parent.close();
            }
            return unlinkFile(dir, component(path.fileName(), path), path);
        } finally {
            dir.close();
        }
    }

    private static DeletionOutcome unlinkFile(SecureDirectoryStream<Path> dir, Path name, StoragePath path)
            throws IOException {
        try {
            // unlinkat(dfd, name, 0): removes the entry itself, link or file, never follows it, and
            // cannot remove a directory. It is the check; see the class comment.
            dir.deleteFile(name);
            return DeletionOutcome.DELETED;
        } catch (NoSuchFileException absent) {
            return DeletionOutcome.ALREADY_ABSENT;
        } catch (IOException failed) {
            return classifyFailedUnlink(dir, name, path, failed);
        }
    }

    /**
     * Turns a failed unlink into the outcome the old stat-then-unlink order gave: a directory is
     * refused for good, a name that is gone by now is already absent, anything else (permissions,
     * a directory swapped for a file since the unlink) is rethrown so that a retry starts over.
     */
    static DeletionOutcome classifyFailedUnlink(
            SecureDirectoryStream<Path> dir, Path name, StoragePath path, IOException failed) throws IOException {
        BasicFileAttributes attrs;
        try {
            attrs = attributesOrNull(dir, name);
        } catch (IOException statFailed) {
            failed.addSuppressed(statFailed);
            throw failed;
        }
        if (attrs == null) {
            return DeletionOutcome.ALREADY_ABSENT;
        }
        if (attrs.isDirectory()) {
            throw refuse(path, "is a directory, not a file; directories are never deleted");
        }
        throw failed;
    }

    private SecureDirectoryStream<Path> openRoot() throws IOException {
        DirectoryStream<Path> stream = Files.newDirectoryStream(root);
        if (stream instanceof SecureDirectoryStream<Path> secure) {
            return secure;
        }
        stream.close();
        throw new IllegalStateException("Storage root " + root + " no longer opens as a SecureDirectoryStream");
    }

    private static BasicFileAttributes attributesOrNull(SecureDirectoryStream<Path> dir, Path name)
            throws IOException {
        try {
            return dir.getFileAttributeView(name, BasicFileAttributeView.class, NOFOLLOW_LINKS).readAttributes();
        } catch (NoSuchFileException absent) {
            return null;
        }
    }

    private static SecureDirectoryStream<Path> openDirectoryOrNull(
            SecureDirectoryStream<Path> dir, Path name, StoragePath path, int depth) throws IOException {
        try {
            return dir.newDirectoryStream(name, NOFOLLOW_LINKS);
        } catch (NoSuchFileException absent) {
            return null;
        } catch (IOException e) {
            // Typically ELOOP ("Too many levels of symbolic links"): the directory was swapped for a
            // link after we checked it. Retryable: the next attempt sees the link and refuses.
            throw new IOException("Could not open directory '" + path.prefix(depth + 1) + "' of "
                    + StoragePath.excerpt(path.toString()) + " without following links; it may have"
                    + " changed concurrently: " + e, e);
        }
    }

    private static Path component(String name, StoragePath path) {
        try {
            return Path.of(name);
        } catch (InvalidPathException e) {
            throw refuse(path, "cannot be encoded in this JVM's file-name charset (sun.jnu.encoding="
                    + System.getProperty("sun.jnu.encoding") + "); run the executor with a UTF-8 locale");
        }
    }

    private static PathRefusedException refuse(StoragePath path, String reason) {
        return new PathRefusedException("Refused storage path " + StoragePath.excerpt(path.toString()) + ": it " + reason);
    }
}
