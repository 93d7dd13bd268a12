package io.shardsweep.storage.filesystem;

import io.shardsweep.TextExcerpt;
import io.shardsweep.storage.PathRefusedException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A relative path below the storage root that has passed every syntactic check, split into its
 * components. Parsing is pure (no filesystem access): it only rejects paths whose meaning is
 * ambiguous or that could name something outside the root; symbolic links are the deleter's job.
 *
 * <p>The rules are deliberately strict rather than normalising: a row that says {@code a/./b} or
 * {@code a//b} was not produced by a well-behaved writer, so it is refused instead of guessed at.
 */
public final class StoragePath {

    static final int MAX_PATH_BYTES = 4096;
    static final int MAX_COMPONENT_BYTES = 255;
    private static final Pattern WINDOWS_DRIVE = Pattern.compile("^[A-Za-z]:");

    private final List<String> components;

    private StoragePath(List<String> components) {
        this.components = components;
    }

    /**
     * Validates {@code raw} and splits it on {@code /}.
     *
     * @throws PathRefusedException naming the first rule the path breaks
     */
    public static StoragePath parse(String raw) {
        if (raw == null || raw.isBlank()) {
            throw refuse(raw, "is empty or blank");
        }
        // Control characters first: everything after this may echo the path into a log line.
        if (raw.codePoints().anyMatch(Character::isISOControl)) {
            throw refuse(raw, "contains a NUL byte or another control character");
        }
        // A lone surrogate has no UTF-8 encoding, so the name on disk would not be this name.
        if (hasUnpairedSurrogate(raw)) {
            throw refuse(raw, "contains malformed UTF-16 (an unpaired surrogate)");
        }
        // Every char is at least one UTF-8 byte, so a huge string is refused without encoding it.
        if (raw.length() > MAX_PATH_BYTES || utf8Length(raw) > MAX_PATH_BYTES) {
            throw refuse(raw, "is longer than " + MAX_PATH_BYTES + " bytes in UTF-8");
        }
        if (raw.startsWith("/") || raw.startsWith("\\") || WINDOWS_DRIVE.matcher(raw).find()) {
            throw refuse(raw, "is absolute; only paths relative to the storage root are allowed");
        }
        // '\' is a separator on Windows and an ordinary character on Linux: refuse rather than guess.
        if (raw.indexOf('\\') >= 0) {
            throw refuse(raw, "contains a backslash, which is ambiguous across operating systems");
        }
        if (raw.endsWith("/")) {
            throw refuse(raw, "ends with '/', so it names a directory rather than a file");
        }
        List<String> parts = List.of(raw.split("/", -1));
        for (String part : parts) {
            if (part.isEmpty()) {
                throw refuse(raw, "has an empty component ('//')");
            }
            if (part.equals("..")) {
                throw refuse(raw, "has a '..' component, which could climb out of the storage root");
            }
            if (part.equals(".")) {
                throw refuse(raw, "has a '.' component; paths must be written in normal form");
            }
            if (utf8Length(part) > MAX_COMPONENT_BYTES) {
                throw refuse(raw, "has a component longer than " + MAX_COMPONENT_BYTES + " bytes in UTF-8");
            }
        }
        return new StoragePath(parts);
    }

    /** The directory names leading to the file, outermost first; empty for a file at the root. */
    public List<String> parents() {
        return components.subList(0, components.size() - 1);
    }

    public String fileName() {
        return components.get(components.size() - 1);
    }

    /** The first {@code n} components joined with {@code /}, for messages about a prefix. */
    String prefix(int n) {
        return String.join("/", components.subList(0, n));
    }

    @Override
    public String toString() {
        return String.join("/", components);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof StoragePath that && components.equals(that.components);
    }

    @Override
    public int hashCode() {
        return components.hashCode();
    }

    private static PathRefusedException refuse(String raw, String reason) {
        return new PathRefusedException("Refused storage path " + TextExcerpt.quoted(raw) + ": it " + reason);
    }

    public static boolean hasUnpairedSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
