package io.shardsweep.storage.filesystem;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

import io.shardsweep.TextExcerpt;
import io.shardsweep.storage.PathRefusedException;
import io.shardsweep.storage.StorageUnavailableException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;

/**
 * The portable walk, for platforms without {@link LinuxConfinedWalk}: the JDK's
 * {@link SecureDirectoryStream} ({@code openat}/{@code fstatat}/{@code unlinkat} on open directory
 * descriptors), opening each directory with {@code O_NOFOLLOW}. It has one hole the native walk has
 * not: the JDK opens a directory with {@code O_RDONLY|O_NOFOLLOW} only, without {@code O_DIRECTORY}
 * or {@code O_NONBLOCK}, so it must stat each parent before opening it, and a directory swapped for a
 * FIFO between that stat and the open blocks the thread until some writer opens the FIFO. Where this
 * walk is used, {@link ConfinedFileDeleter} says so in a warning at start-up.
 *
 * <p>What is checked first differs between the directories and the file, on purpose:
 *
 * <ul>
 *   <li><b>Each parent directory is stat'ed ({@code fstatat}, no follow) before it is opened.</b>
 *       The open is what enforces confinement ({@code O_NOFOLLOW} fails on a link whatever the
 *       stat said); the stat is there so that only names that were directories an instant ago are
 *       ever opened (see above). A parent that is neither a directory nor a link fails the row: it is
 *       never taken as proof that the file is absent.
 *   <li><b>The file itself is unlinked without a prior stat.</b> {@code unlinkat(dfd, name, 0)} is
 *       its own check: it removes the directory entry without following it (a symbolic link is
 *       removed as a link, its target untouched) and without {@code AT_REMOVEDIR} it cannot remove
 *       a directory ({@code EISDIR} on Linux). Only when the unlink fails is the name stat'ed, to
 *       tell a directory (refused, never retried) from a transient failure (rethrown, retried).
 * </ul>
 *
 * <p>Thread-safe: no mutable state; each call opens and closes its own descriptors.
 */
final class SecureDirectoryStreamWalk implements ConfinedWalk {

    private final Path root;

    /**
     * @param root the real path of an existing directory
     * @throws IllegalStateException if the platform cannot open it as a {@link SecureDirectoryStream}
     */
    SecureDirectoryStreamWalk(Path root) {
        this.root = root;
        try (DirectoryStream<Path> probe = Files.newDirectoryStream(root)) {
            if (!(probe instanceof SecureDirectoryStream)) {
                throw new IllegalStateException("Storage root " + root + ": this platform ("
                        + LinuxLibc.describeThisPlatform() + ") supports neither the native Linux walk nor"
                        + " SecureDirectoryStream; refusing to delete without race-free confinement");
            }
        } catch (IOException e) {
            throw new IllegalStateException("Storage root " + root + " cannot be opened: " + e, e);
        }
    }

    @Override
    public String mechanism() {
        return "the JDK's SecureDirectoryStream";
    }

    @Override
    public DeletionOutcome delete(StoragePath path) throws IOException {
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
                    // Never opened, so a FIFO here cannot block us (see the class comment), and never
                    // "absent": the real directory may be one rename away.
                    throw new IOException("Could not delete " + TextExcerpt.quoted(path.toString()) + ": '"
                            + path.prefix(depth + 1) + "' is " + describeType(attrs) + " where a directory"
                            + " should be, so the file cannot be reached. It is not reported absent; nothing"
                            + " was deleted");
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

    private static String describeType(BasicFileAttributes attrs) {
        return attrs.isRegularFile() ? "a regular file" : "a special file (a FIFO, socket or device)";
    }

    /**
     * Opens the root through its parent, so that its own name is not followed either: a root
     * replaced by a link after start-up fails the row (as in the native walk) instead of deleting
     * wherever the link points. The parent's path is the operator's, and is resolved as configured.
     */
    private SecureDirectoryStream<Path> openRoot() throws IOException {
        Path parent = root.getParent();
        if (parent == null) {
            return secure(Files.newDirectoryStream(root));
        }
        try (SecureDirectoryStream<Path> above = secure(Files.newDirectoryStream(parent))) {
            return secure(above.newDirectoryStream(root.getFileName(), NOFOLLOW_LINKS));
        } catch (NoSuchFileException missing) {
            throw new StorageUnavailableException("The storage root " + root + " is missing; nothing was deleted", missing);
        } catch (FileSystemException notADirectory) {
            throw new StorageUnavailableException("Could not open the storage root " + root + " as a directory without following"
                    + " links: " + notADirectory + "; nothing was deleted", notADirectory);
        }
    }

    private SecureDirectoryStream<Path> secure(DirectoryStream<Path> stream) throws IOException {
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
                    + TextExcerpt.quoted(path.toString()) + " without following links; it may have"
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
        return new PathRefusedException("Refused storage path " + TextExcerpt.quoted(path.toString()) + ": it " + reason);
    }
}
