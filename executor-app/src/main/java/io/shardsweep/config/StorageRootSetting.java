package io.shardsweep.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;

/**
 * Turns the text of {@code shardsweep.storage-root} into the absolute directory it names, and refuses
 * the directories no storage root may be.
 *
 * <p>The setting is bound as text on purpose (issue 9): bound as a {@link Path}, it went through
 * Spring's {@code PathEditor}, which asks the application context's resource loader first; in a
 * servlet application that loader resolves {@code /} and {@code .} inside Tomcat's temporary docbase,
 * and the executor deleted there. Here a relative path is resolved against the working directory,
 * exactly as {@code Path.toAbsolutePath} does, and nothing else.
 *
 * <p>Refused, as the directory itself: {@code /}, the home of the user running the executor and
 * {@code /home}, {@code /root}, {@code /tmp}, {@code /var/tmp}, the JVM's temp directory
 * ({@code java.io.tmpdir}), {@code /var} and {@code /run} (a dedicated
 * directory below them is fine). Refused with everything below them: {@code /bin}, {@code /boot},
 * {@code /dev}, {@code /etc}, {@code /lib*}, {@code /proc}, {@code /sbin}, {@code /sys}, {@code /usr}.
 * Both the path as written and, when it exists, its real path are checked, so a link to {@code /}
 * is refused too. Existence itself is checked when the deleter opens the root at start-up.
 */
final class StorageRootSetting {

    static final String PROPERTY = "shardsweep.storage-root";

    private static final List<String> EXACT = List.of(
            "/", "/home", "/root", "/tmp", "/var/tmp", "/var", "/run");
    private static final List<String> WITH_DESCENDANTS = List.of(
            "/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/sbin", "/sys", "/usr");

    private StorageRootSetting() {
    }

    /**
     * @return {@code text} as an absolute, normalised path string
     * @throws IllegalArgumentException naming the property, what is wrong and what to set instead
     */
    static String resolve(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(PROPERTY + " must be set: the directory the executor may delete"
                    + " inside, for example " + PROPERTY + "=/srv/shardsweep/storage");
        }
        Path absolute;
        try {
            absolute = Path.of(text).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException(PROPERTY + " '" + text + "' is not a valid path: " + e.getMessage(), e);
        }
        refuseSystemDirectory(text, absolute, "");
        if (Files.exists(absolute)) {
            try {
                refuseSystemDirectory(text, absolute.toRealPath(), ", its real path");
            } catch (IOException e) {
                // It vanished or cannot be read; the deleter's own check at start-up will say so.
            }
        }
        return absolute.toString();
    }

    private static void refuseSystemDirectory(String text, Path candidate, String which) {
        String reason = systemDirectory(candidate);
        if (reason != null) {
            throw new IllegalArgumentException(PROPERTY + " '" + text + "' is refused: it resolves to " + candidate
                    + which + ", which is " + reason + ". Every file below the storage root can be deleted by"
                    + " a row, so point " + PROPERTY + " (or SHARDSWEEP_STORAGE_ROOT) at a directory that holds"
                    + " only the files the rows name, for example /srv/shardsweep/storage");
        }
    }

    /** Why {@code path} may not be a storage root, or {@code null} if it may. */
    static String systemDirectory(Path path) {
        String p = path.toString();
        if (EXACT.contains(p)) {
            return p.equals("/") ? "the file system root" : "a system directory";
        }
        for (String top : WITH_DESCENDANTS) {
            if (p.equals(top) || p.startsWith(top + "/")) {
                return "a system directory (" + top + " or below)";
            }
        }
        if (sameAs(path, System.getProperty("user.home"))) {
            return "the home directory of the user running the executor";
        }
        if (sameAs(path, System.getProperty("java.io.tmpdir"))) {
            return "the JVM's temporary directory (java.io.tmpdir), shared with Tomcat and others";
        }
        return null;
    }

    private static boolean sameAs(Path path, String property) {
        if (property == null || property.isBlank()) {
            return false;
        }
        try {
            Path other = Path.of(property).toAbsolutePath().normalize();
            return path.equals(other) || (Files.exists(other) && path.equals(other.toRealPath()));
        } catch (InvalidPathException | IOException e) {
            return false;
        }
    }
}
