package io.shardsweep.storage.filesystem;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

import io.shardsweep.TextExcerpt;
import io.shardsweep.storage.PathRefusedException;
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
 * {@link ConfinedFileDeleter} as it was before issue 5 (stat every name, then open or unlink it),
 * kept unchanged apart from its name as the baseline of {@link ConfinedFileDeleterBenchmark}.
 * For comparison only; nothing outside that benchmark uses it.
 */
final class CheckThenDeleteFileDeleter implements FileDeleter {

    private final Path root;

    /**
     * @param storageRoot an existing directory; resolved once to its real path
     * @throws IllegalStateException if the root is unusable or the platform cannot confine deletes
     */
    CheckThenDeleteFileDeleter(Path storageRoot) {
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
                String name = parents.get(depth);
                BasicFileAttributes attrs = attributesOrNull(dir, name, path);
                if (attrs == null) {
                    return DeletionOutcome.ALREADY_ABSENT;
                }
                if (attrs.isSymbolicLink()) {
                    throw refuse(path, "passes through a symbolic link at '" + path.prefix(depth + 1)
                            + "'; links are never followed out of the storage root");
                }
                if (!attrs.isDirectory()) {
                    // A file where a directory should be: nothing can exist below it.
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
            return deleteEntry(dir, path);
        } finally {
            dir.close();
        }
    }

    private DeletionOutcome deleteEntry(SecureDirectoryStream<Path> dir, StoragePath path) throws IOException {
        String name = path.fileName();
        BasicFileAttributes attrs = attributesOrNull(dir, name, path);
        if (attrs == null) {
            return DeletionOutcome.ALREADY_ABSENT;
        }
        if (attrs.isDirectory()) {
            throw refuse(path, "is a directory, not a file; directories are never deleted");
        }
        try {
            // unlinkat(dfd, name, 0): removes the entry itself, link or file, and fails with EISDIR
            // if a directory was swapped in since the check; that IOException is retried and refused.
            dir.deleteFile(component(name, path));
            return DeletionOutcome.DELETED;
        } catch (NoSuchFileException raced) {
            return DeletionOutcome.ALREADY_ABSENT;
        }
    }

    private SecureDirectoryStream<Path> openRoot() throws IOException {
        DirectoryStream<Path> stream = Files.newDirectoryStream(root);
        if (stream instanceof SecureDirectoryStream<Path> secure) {
            return secure;
        }
        stream.close();
        throw new IllegalStateException("Storage root " + root + " no longer opens as a SecureDirectoryStream");
    }

    private static BasicFileAttributes attributesOrNull(
            SecureDirectoryStream<Path> dir, String name, StoragePath path) throws IOException {
        try {
            return dir.getFileAttributeView(component(name, path), BasicFileAttributeView.class, NOFOLLOW_LINKS)
                    .readAttributes();
        } catch (NoSuchFileException absent) {
            return null;
        }
    }

    private static SecureDirectoryStream<Path> openDirectoryOrNull(
            SecureDirectoryStream<Path> dir, String name, StoragePath path, int depth) throws IOException {
        try {
            return dir.newDirectoryStream(component(name, path), NOFOLLOW_LINKS);
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
