package io.shardsweep.storage.filesystem;

import static io.shardsweep.storage.filesystem.LinuxLibc.AT_FDCWD;
import static io.shardsweep.storage.filesystem.LinuxLibc.ELOOP;
import static io.shardsweep.storage.filesystem.LinuxLibc.ENOENT;
import static io.shardsweep.storage.filesystem.LinuxLibc.ENOTDIR;
import static io.shardsweep.storage.filesystem.LinuxLibc.O_CLOEXEC;
import static io.shardsweep.storage.filesystem.LinuxLibc.O_NONBLOCK;
import static io.shardsweep.storage.filesystem.LinuxLibc.O_RDONLY;
import static io.shardsweep.storage.filesystem.LinuxLibc.S_IFDIR;
import static io.shardsweep.storage.filesystem.LinuxLibc.S_IFLNK;
import static io.shardsweep.storage.filesystem.LinuxLibc.S_IFMT;
import static io.shardsweep.storage.filesystem.LinuxLibc.describeErrno;
import static io.shardsweep.storage.filesystem.LinuxLibc.describeType;

import com.sun.jna.LastErrorException;
import io.shardsweep.TextExcerpt;
import io.shardsweep.storage.PathRefusedException;
import io.shardsweep.storage.StorageUnavailableException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The walk on Linux: {@code openat(dirfd, name, O_RDONLY|O_DIRECTORY|O_NOFOLLOW|O_NONBLOCK|O_CLOEXEC)}
 * for every directory, {@code unlinkat(dirfd, name, 0)} for the file, and {@code fstatat(...,
 * AT_SYMLINK_NOFOLLOW)} only after one of them failed, to say why.
 *
 * <p>The flags are what the JDK's {@code SecureDirectoryStream} lacks. Its open of a directory is
 * {@code O_RDONLY|O_NOFOLLOW}, which opens whatever the name is; so it had to stat each name first,
 * and a directory swapped for a FIFO between that stat and the open blocked the thread in the open
 * until a writer came (issue 9: 90 s, the run's timeout plus grace). Here the open itself is the
 * check, so there is no window:
 *
 * <ul>
 *   <li>{@code O_DIRECTORY}: the kernel refuses anything but a directory with {@code ENOTDIR} before
 *       it would open it; a FIFO, device or socket is never opened.
 *   <li>{@code O_NONBLOCK}: belt and braces for the same hole. Should the name be opened anyway
 *       (an {@code O_DIRECTORY} lost in a refactoring, say), a FIFO open returns at once instead of
 *       waiting for a writer.
 *   <li>{@code O_NOFOLLOW}: a symbolic link is not followed ({@code ELOOP}, or {@code ENOTDIR} with
 *       {@code O_DIRECTORY}); an open descriptor keeps naming the directory that was opened,
 *       whatever is renamed or swapped afterwards.
 *   <li>{@code O_CLOEXEC}: no descriptor leaks into a child process started meanwhile.
 * </ul>
 *
 * <p>Cost profile of {@link #delete}: per file, one open of the root, one {@code openat} per parent,
 * one {@code unlinkat}, and the closes; an {@code fstatat} only when something failed. The root is
 * opened by its path, not held open from start-up: a held descriptor would keep deleting inside the
 * old directory after the root was renamed, replaced or had a file system mounted over it (a late
 * NFS mount, a restored backup), and every row would then end {@code ALREADY_ABSENT} while its file
 * sits in the directory that is configured, which is the failure issue 9 was about.
 *
 * <p>The deletion pool deletes a chunk of rows through one {@link #sequence()}, which keeps the root and
 * the last path's directories open from one file to the next, for the chunk only, and walks again
 * from a fresh open of the root whenever a kept descriptor gives anything but {@code DELETED}; see
 * {@link HeldDirectories}. A chunk of one folder's files then costs one {@code unlinkat} per file:
 * 8.0-8.4 us per empty file at depth 2 on the 2-core test machine (2026-12-07), against 20.5-20.8 us
 * for the whole walk per file and 8.8-9.1 us for an unconfined {@code Files.delete}
 * ({@code ConfinedFileDeleterBenchmark}).
 *
 * <p>Names are passed as UTF-8, the encoding rows are stored in, whatever the JVM's locale. Thread-safe:
 * no mutable state; each call of {@link #delete} opens and closes its own descriptors, in
 * {@code finally}; a sequence belongs to the one thread that opened it.
 */
final class LinuxConfinedWalk implements ConfinedWalk {

    /** The most directories a {@link HeldDirectories} keeps open below the root. */
    static final int MAX_HELD_DEPTH = 16;
    private static final int ABSENT = -1;
    private static final int CLOSED = -1;

    private final LinuxLibc libc;
    private final Path root;
    private final byte[] rootPath;
    private final int directoryFlags;

    /**
     * @param root the real path of an existing directory
     * @throws IllegalStateException if the root does not open as a directory or the libc constants
     *     do not behave as this architecture's should
     */
    LinuxConfinedWalk(LinuxLibc libc, Path root) {
        this.libc = libc;
        this.root = root;
        this.rootPath = LinuxLibc.cString(encodeRoot(root));
        this.directoryFlags = O_RDONLY | libc.oDirectory | libc.oNoFollow | O_NONBLOCK | O_CLOEXEC;
        selfCheck();
    }

    @Override
    public String mechanism() {
        return "openat/unlinkat via JNA (" + libc.platform + ")";
    }

    @Override
    public DeletionOutcome delete(StoragePath path) throws IOException {
        int dir = openRoot();
        try {
            List<String> parents = path.parents();
            for (int depth = 0; depth < parents.size(); depth++) {
                int child = openParent(dir, path, depth);
                if (child == ABSENT) {
                    return DeletionOutcome.ALREADY_ABSENT;
                }
                int parent = dir;
                dir = child; // reassign before closing so the finally block never leaks the child
                libc.closeQuietly(parent);
            }
            return unlinkFile(dir, cName(path.fileName()), path);
        } finally {
            libc.closeQuietly(dir);
        }
    }

    /**
     * Opens the parent at {@code depth} of {@code path} in {@code dir}, the one above it.
     *
     * @return its descriptor, or {@link #ABSENT} if the name is not in {@code dir}: every directory
     *     above is open and was opened as a real directory, so the file cannot exist
     */
    private int openParent(int dir, StoragePath path, int depth) throws IOException {
        byte[] name = cName(path.parents().get(depth));
        try {
            return libc.openAt(dir, name, directoryFlags);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == ENOENT) {
                return ABSENT;
            }
            throw directoryNotOpened(dir, name, path, depth, e);
        }
    }

    @Override
    public Sequence sequence() {
        return new HeldDirectories();
    }

    /**
     * Deletions that keep the root and the directories of the last path open for the next one: a
     * chunk of rows in one folder costs one open of the root and of each parent, and then one
     * {@code unlinkat} per file, instead of the whole walk per file. Nothing is kept for longer than
     * the sequence, which the deletion pool closes after each chunk of at most
     * {@code shardsweep.delete-chunk-size} rows.
     *
     * <p>A descriptor kept from an earlier deletion may name a directory that has since been renamed,
     * replaced or mounted over (the reason the plain walk opens the root every time), so only a
     * {@code DELETED} reached through one is taken as it is: the file the row named was unlinked, in
     * the directory that had its name a moment before. Any other outcome (absent, refused, failed)
     * drops everything kept and walks the path again from a fresh open of the root, and that walk's
     * outcome is the row's. A path deeper than {@value #MAX_HELD_DEPTH} directories takes the plain
     * walk, so that a sequence never holds more than that many descriptors.
     */
    private final class HeldDirectories implements Sequence {

        private int root = CLOSED;
        /** held[i] is the open descriptor of the directory names[0..i] below the root. */
        private final int[] held = new int[MAX_HELD_DEPTH];
        private final String[] names = new String[MAX_HELD_DEPTH];
        private int depthHeld;

        @Override
        public DeletionOutcome delete(StoragePath path) throws IOException {
            if (path.parents().size() > MAX_HELD_DEPTH) {
                return LinuxConfinedWalk.this.delete(path);
            }
            boolean kept = root != CLOSED;
            DeletionOutcome outcome;
            try {
                outcome = deleteThroughHeld(path);
            } catch (IOException | RuntimeException e) {
                close();
                if (!kept) {
                    throw e;
                }
                return LinuxConfinedWalk.this.delete(path);
            }
            if (outcome == DeletionOutcome.DELETED) {
                return outcome;
            }
            close();
            return kept ? LinuxConfinedWalk.this.delete(path) : outcome;
        }

        private DeletionOutcome deleteThroughHeld(StoragePath path) throws IOException {
            if (root == CLOSED) {
                root = openRoot();
            }
            List<String> parents = path.parents();
            int common = 0;
            while (common < depthHeld && common < parents.size() && names[common].equals(parents.get(common))) {
                common++;
            }
            closeFrom(common);
            for (int depth = common; depth < parents.size(); depth++) {
                int child = openParent(depth == 0 ? root : held[depth - 1], path, depth);
                if (child == ABSENT) {
                    return DeletionOutcome.ALREADY_ABSENT;
                }
                held[depth] = child;
                names[depth] = parents.get(depth);
                depthHeld = depth + 1;
            }
            int dir = parents.isEmpty() ? root : held[parents.size() - 1];
            return unlinkFile(dir, cName(path.fileName()), path);
        }

        private void closeFrom(int depth) {
            while (depthHeld > depth) {
                depthHeld--;
                libc.closeQuietly(held[depthHeld]);
                names[depthHeld] = null;
            }
        }

        @Override
        public void close() {
            closeFrom(0);
            if (root != CLOSED) {
                int fd = root;
                root = CLOSED;
                libc.closeQuietly(fd);
            }
        }
    }

    private int openRoot() throws IOException {
        try {
            return libc.openAt(AT_FDCWD, rootPath, directoryFlags);
        } catch (LastErrorException e) {
            // Never ALREADY_ABSENT: a missing root says nothing about the file.
            throw new StorageUnavailableException("Could not open the storage root " + root + " as a directory: "
                    + describeErrno(e) + "; nothing was deleted", e);
        }
    }

    /**
     * Why a parent did not open, as the exception to throw: a symbolic link is refused for good, as
     * it always was; anything else that is not a directory (a file, a FIFO, a socket, a device) fails
     * the row so that it is retried and parked DEAD if it stays so. It is never reported absent: a
     * FIFO in place of {@code a} says nothing about whether {@code a/b.txt} still exists, because
     * {@code a} may be swapped back, or the real {@code a} may be one rename away.
     */
    private IOException directoryNotOpened(int dir, byte[] name, StoragePath path, int depth, LastErrorException openFailed) {
        String prefix = "'" + path.prefix(depth + 1) + "'";
        String of = " of " + TextExcerpt.quoted(path.toString());
        int errno = openFailed.getErrorCode();
        if (errno != ENOTDIR && errno != ELOOP) {
            return new IOException("Could not open directory " + prefix + of + ": " + describeErrno(openFailed)
                    + "; nothing was deleted", openFailed);
        }
        int mode;
        try {
            mode = libc.modeAt(dir, name);
        } catch (LastErrorException statFailed) {
            return new IOException("Could not delete " + TextExcerpt.quoted(path.toString()) + ": " + prefix
                    + " did not open as a directory (" + describeErrno(openFailed) + ") and could not be examined"
                    + " afterwards (" + describeErrno(statFailed) + "); it is changing under us. Nothing was"
                    + " deleted", openFailed);
        }
        int type = mode & S_IFMT;
        if (type == S_IFLNK) {
            throw refuse(path, "passes through a symbolic link at " + prefix
                    + "; links are never followed out of the storage root");
        }
        if (type == S_IFDIR) {
            return new IOException("Could not delete " + TextExcerpt.quoted(path.toString()) + ": " + prefix
                    + " did not open as a directory (" + describeErrno(openFailed) + ") but is one now; it is"
                    + " changing under us. Nothing was deleted", openFailed);
        }
        return new IOException("Could not delete " + TextExcerpt.quoted(path.toString()) + ": " + prefix + " is "
                + describeType(mode) + " where a directory should be, so the file cannot be reached. It is not"
                + " reported absent; nothing was deleted", openFailed);
    }

    private DeletionOutcome unlinkFile(int dir, byte[] name, StoragePath path) throws IOException {
        try {
            // unlinkat(dfd, name, 0): removes the entry itself, link or file, never follows it, and
            // cannot remove a directory (EISDIR). It is the check; fstatat only explains a failure.
            libc.unlinkAt(dir, name);
            return DeletionOutcome.DELETED;
        } catch (LastErrorException unlinkFailed) {
            if (unlinkFailed.getErrorCode() == ENOENT) {
                return DeletionOutcome.ALREADY_ABSENT;
            }
            int mode;
            try {
                mode = libc.modeAt(dir, name);
            } catch (LastErrorException statFailed) {
                if (statFailed.getErrorCode() == ENOENT) {
                    return DeletionOutcome.ALREADY_ABSENT; // gone by now, in a directory we hold open
                }
                IOException failed = unlinkFailed(path, "", unlinkFailed);
                failed.addSuppressed(new IOException("fstatat: " + describeErrno(statFailed), statFailed));
                throw failed;
            }
            if ((mode & S_IFMT) == S_IFDIR) {
                throw refuse(path, "is a directory, not a file; directories are never deleted");
            }
            throw unlinkFailed(path, " (" + describeType(mode) + ")", unlinkFailed);
        }
    }

    private static IOException unlinkFailed(StoragePath path, String type, LastErrorException e) {
        return new IOException("Could not unlink " + TextExcerpt.quoted(path.toString()) + type + ": "
                + describeErrno(e), e);
    }

    /**
     * Proves, once, that the constants chosen for this architecture behave as they must, without
     * writing anything: the root opens with them and stats to the mode the JDK reads; {@code /proc/self}
     * (a symbolic link to a directory) does not open with {@code O_NOFOLLOW}; a file in it does not
     * open with {@code O_DIRECTORY}. Skipped for {@code /proc} where it is not mounted.
     */
    private void selfCheck() {
        int fd;
        try {
            fd = openRoot();
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        libc.closeQuietly(fd);
        int mode;
        int expected;
        try {
            mode = libc.modeAt(AT_FDCWD, rootPath);
            expected = (Integer) Files.getAttribute(root, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("Storage root " + root + ": cannot read its mode to check the native"
                    + " struct stat layout of " + libc.platform + ": " + e, e);
        }
        if (mode != expected || (mode & S_IFMT) != S_IFDIR) {
            throw new IllegalStateException("Native fstatat on " + libc.platform + " read mode 0"
                    + Integer.toOctalString(mode) + " for the storage root " + root + ", the JDK reads 0"
                    + Integer.toOctalString(expected) + ": the struct stat layout is not the one this build"
                    + " knows; refusing to delete with it");
        }
        expectRefused("/proc/self", "O_NOFOLLOW (0" + Integer.toOctalString(libc.oNoFollow) + ") did not stop it"
                + " following the symbolic link");
        expectRefused("/proc/self/status", "O_DIRECTORY (0" + Integer.toOctalString(libc.oDirectory) + ") did not"
                + " stop it opening a file that is not a directory");
    }

    private void expectRefused(String probe, String otherwise) {
        int fd;
        try {
            fd = libc.openAt(AT_FDCWD, LinuxLibc.cString(probe.getBytes(StandardCharsets.US_ASCII)), directoryFlags);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == ENOTDIR || e.getErrorCode() == ELOOP || e.getErrorCode() == ENOENT) {
                return; // refused as it must be, or no /proc to check with
            }
            throw new IllegalStateException("Start-up check of the native open flags on " + libc.platform
                    + ": opening " + probe + " failed unexpectedly: " + describeErrno(e), e);
        }
        libc.closeQuietly(fd);
        throw new IllegalStateException("Start-up check of the native open flags on " + libc.platform + ": " + probe
                + " opened as a directory; " + otherwise + ". Refusing to delete with these flags");
    }

    private static byte[] cName(String component) {
        // StoragePath has refused NUL, control characters and unpaired surrogates, so this is exact.
        return LinuxLibc.cString(component.getBytes(StandardCharsets.UTF_8));
    }

    /** The root's bytes as the JDK produced its name: in the JVM's file-name charset, strictly. */
    private static byte[] encodeRoot(Path root) {
        String charsetName = System.getProperty("sun.jnu.encoding");
        Charset charset = charsetName != null && Charset.isSupported(charsetName) ? Charset.forName(charsetName) : Charset.defaultCharset();
        try {
            ByteBuffer bytes = charset.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(root.toString()));
            return Arrays.copyOf(bytes.array(), bytes.limit());
        } catch (CharacterCodingException e) {
            throw new IllegalStateException("Storage root " + root + " cannot be encoded in the file-name charset "
                    + charset + "; run the executor with a UTF-8 locale (LANG=C.UTF-8)", e);
        }
    }

    private static PathRefusedException refuse(StoragePath path, String reason) {
        return new PathRefusedException("Refused storage path " + TextExcerpt.quoted(path.toString()) + ": it " + reason);
    }
}
