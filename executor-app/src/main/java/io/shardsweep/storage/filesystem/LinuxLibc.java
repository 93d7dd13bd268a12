package io.shardsweep.storage.filesystem;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;

/**
 * The five libc calls the native walk needs, bound with JNA direct mapping, and the constants of the
 * two Linux architectures they were checked for. Java 17 has no final FFM API, and the JDK's own
 * {@code SecureDirectoryStream} cannot open a directory with {@code O_DIRECTORY|O_NONBLOCK} (see
 * {@link LinuxConfinedWalk}).
 *
 * <p>The values below were read from the kernel's UAPI headers, not guessed from one machine:
 * {@code O_NONBLOCK}, {@code O_CLOEXEC}, {@code AT_SYMLINK_NOFOLLOW}, {@code AT_FDCWD} and the errno
 * numbers come from {@code asm-generic} and are shared; {@code O_DIRECTORY} and {@code O_NOFOLLOW}
 * are not ({@code asm-generic/fcntl.h}: 0200000 and 0400000 on x86_64;
 * {@code arch/arm64/include/uapi/asm/fcntl.h}: 040000 and 0100000, where 0200000 means
 * {@code O_DIRECT}). {@code struct stat} differs too: {@code st_mode} sits after a 64-bit
 * {@code st_nlink} on x86_64 (offset 24) and before a 32-bit one in the generic layout arm64 uses
 * (offset 16). A wrong value here would open a FIFO without {@code O_DIRECTORY}, or read a link as a
 * file, so every other architecture gets {@link #forThisPlatform()} {@code == null} and the caller
 * falls back to the JDK walk instead of guessing; {@link LinuxConfinedWalk} re-proves them at start-up.
 */
final class LinuxLibc {

    static final int O_RDONLY = 0;
    static final int O_NONBLOCK = 04000;
    static final int O_CLOEXEC = 02000000;
    static final int AT_FDCWD = -100;
    static final int AT_SYMLINK_NOFOLLOW = 0x100;

    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EINTR = 4;
    static final int EACCES = 13;
    static final int EBUSY = 16;
    static final int ENOTDIR = 20;
    static final int EISDIR = 21;
    static final int EROFS = 30;
    static final int ELOOP = 40;

    static final int S_IFMT = 0170000;
    static final int S_IFSOCK = 0140000;
    static final int S_IFLNK = 0120000;
    static final int S_IFREG = 0100000;
    static final int S_IFBLK = 0060000;
    static final int S_IFDIR = 0040000;
    static final int S_IFCHR = 0020000;
    static final int S_IFIFO = 0010000;

    /** Larger than {@code struct stat} on both architectures (144 and 128 bytes). */
    private static final int STAT_BUFFER_BYTES = 256;

    private static volatile boolean registered;

    /** The architecture name as JNA spells it, for messages. */
    final String platform;
    /** {@code O_DIRECTORY} of this architecture. */
    final int oDirectory;
    /** {@code O_NOFOLLOW} of this architecture. */
    final int oNoFollow;
    private final int stModeOffset;

    private LinuxLibc(String platform, int oDirectory, int oNoFollow, int stModeOffset) {
        this.platform = platform;
        this.oDirectory = oDirectory;
        this.oNoFollow = oNoFollow;
        this.stModeOffset = stModeOffset;
    }

    /**
     * The bindings for this JVM's platform, or {@code null} if it is not Linux on x86_64 or aarch64
     * (a little-endian one): the two whose constants were checked.
     *
     * @throws IllegalStateException if it is, but libc cannot be bound (JNA's native stub could not
     *     be loaded, say because {@code jna.tmpdir} is not writable): never a silent fallback there
     */
    static LinuxLibc forThisPlatform() {
        if (!Platform.isLinux() || ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            return null;
        }
        LinuxLibc libc;
        if (Platform.isIntel() && Platform.is64Bit()) {
            libc = new LinuxLibc("linux-x86-64", 0200000, 0400000, 24);
        } else if (Platform.isARM() && Platform.is64Bit()) {
            libc = new LinuxLibc("linux-aarch64", 040000, 0100000, 16);
        } else {
            return null;
        }
        register();
        return libc;
    }

    /** A description of the platform that does not get the native walk, for the fallback's warning. */
    static String describeThisPlatform() {
        return System.getProperty("os.name") + " " + System.getProperty("os.arch") + " ("
                + ByteOrder.nativeOrder().toString().toLowerCase(Locale.ROOT) + ")";
    }

    private static synchronized void register() {
        if (registered) {
            return;
        }
        try {
            Native.register(LinuxLibc.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            throw new IllegalStateException("Cannot bind libc through JNA (openat, unlinkat, fstatat, close) on "
                    + describeThisPlatform() + "; the confined deleter needs them to open directories without"
                    + " blocking. If JNA could not unpack its native stub, set -Djna.tmpdir to a writable,"
                    + " executable directory: " + e, e);
        }
        registered = true;
    }

    // Direct mapping: one JNI call each, and errno is captured before anything else can clobber it.
    // openat is variadic in C; the mode argument is passed as 0 (unused without O_CREAT), which both
    // calling conventions accept for a variadic int.
    private static native int openat(int dirfd, byte[] path, int flags, int mode) throws LastErrorException;

    private static native int unlinkat(int dirfd, byte[] path, int flags) throws LastErrorException;

    private static native int fstatat(int dirfd, byte[] path, byte[] statbuf, int flags) throws LastErrorException;

    private static native int close(int fd) throws LastErrorException;

    /** {@code openat}, retried on {@code EINTR}; returns the descriptor or throws with errno. */
    int openAt(int dirfd, byte[] name, int flags) throws LastErrorException {
        while (true) {
            try {
                return openat(dirfd, name, flags, 0);
            } catch (LastErrorException e) {
                if (e.getErrorCode() != EINTR) {
                    throw e;
                }
            }
        }
    }

    /** {@code unlinkat(dirfd, name, 0)}, retried on {@code EINTR}. */
    void unlinkAt(int dirfd, byte[] name) throws LastErrorException {
        while (true) {
            try {
                unlinkat(dirfd, name, 0);
                return;
            } catch (LastErrorException e) {
                if (e.getErrorCode() != EINTR) {
                    throw e;
                }
            }
        }
    }

    /** {@code st_mode} of {@code name} from {@code fstatat(..., AT_SYMLINK_NOFOLLOW)}, retried on {@code EINTR}. */
    int modeAt(int dirfd, byte[] name) throws LastErrorException {
        byte[] stat = new byte[STAT_BUFFER_BYTES];
        while (true) {
            try {
                fstatat(dirfd, name, stat, AT_SYMLINK_NOFOLLOW);
                return ByteBuffer.wrap(stat).order(ByteOrder.LITTLE_ENDIAN).getInt(stModeOffset);
            } catch (LastErrorException e) {
                if (e.getErrorCode() != EINTR) {
                    throw e;
                }
            }
        }
    }

    /**
     * Closes {@code fd} once. Never retried, not even on {@code EINTR}: Linux releases the
     * descriptor before it can report an interruption, so a retry could close a descriptor another
     * thread has just been given. A failed close loses nothing we need (the descriptor is read-only).
     */
    void closeQuietly(int fd) {
        try {
            close(fd);
        } catch (LastErrorException ignored) {
            // see above
        }
    }

    /** {@code name} as the NUL-terminated byte string the kernel takes. */
    static byte[] cString(byte[] name) {
        byte[] terminated = new byte[name.length + 1];
        System.arraycopy(name, 0, terminated, 0, name.length);
        return terminated;
    }

    /** What kind of file {@code mode} is, for messages. */
    static String describeType(int mode) {
        return switch (mode & S_IFMT) {
            case S_IFREG -> "a regular file";
            case S_IFDIR -> "a directory";
            case S_IFLNK -> "a symbolic link";
            case S_IFIFO -> "a FIFO";
            case S_IFSOCK -> "a socket";
            case S_IFCHR -> "a character device";
            case S_IFBLK -> "a block device";
            default -> "a file of unknown type (mode 0" + Integer.toOctalString(mode) + ")";
        };
    }

    /** The errno's symbolic name and meaning, e.g. {@code ENOTDIR (not a directory)}. */
    static String describeErrno(LastErrorException e) {
        return switch (e.getErrorCode()) {
            case EPERM -> "EPERM (operation not permitted)";
            case ENOENT -> "ENOENT (no such file or directory)";
            case EINTR -> "EINTR (interrupted)";
            case EACCES -> "EACCES (permission denied)";
            case EBUSY -> "EBUSY (busy)";
            case ENOTDIR -> "ENOTDIR (not a directory)";
            case EISDIR -> "EISDIR (is a directory)";
            case EROFS -> "EROFS (read-only file system)";
            case ELOOP -> "ELOOP (a symbolic link, not followed)";
            default -> "errno " + e.getErrorCode();
        };
    }
}
