package io.shardsweep.storage.s3;

import io.shardsweep.TextExcerpt;
import io.shardsweep.storage.PathRefusedException;
import io.shardsweep.storage.filesystem.StoragePath;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * A row's {@code file_path} read as {@code <bucket>/<key>}, split at the first {@code /}, after every
 * check has passed. Parsing is pure. As for files, the rules refuse rather than normalise: a row that
 * says {@code video/a//b} or {@code video/./a} was not written by a well-behaved producer, and S3
 * would delete a key literally named so, which is not what the producer meant.
 *
 * <p>Backslashes are allowed: they are ordinary characters in an S3 key, and no S3 API treats them as
 * separators.
 */
public record S3Location(String bucket, String key) {

    /** The S3 limit on a key, in UTF-8 bytes. */
    public static final int MAX_KEY_BYTES = 1024;

    /**
     * @param buckets the allowed buckets ({@code shardsweep.s3.buckets}), matched exactly
     * @throws PathRefusedException naming the first rule the path breaks
     */
    public static S3Location parse(String raw, Set<String> buckets) {
        if (raw == null || raw.isEmpty()) {
            throw refuse(raw, "is empty; write <bucket>/<key>");
        }
        // Control characters first: everything after this may echo the path into a log line.
        if (raw.codePoints().anyMatch(Character::isISOControl)) {
            throw refuse(raw, "contains a NUL byte or another control character");
        }
        if (StoragePath.hasUnpairedSurrogate(raw)) {
            throw refuse(raw, "contains malformed UTF-16 (an unpaired surrogate), which has no UTF-8 encoding");
        }
        if (raw.startsWith("/")) {
            throw refuse(raw, "is absolute; write <bucket>/<key> without a leading '/'");
        }
        int slash = raw.indexOf('/');
        if (slash < 0) {
            throw refuse(raw, "has no key; write <bucket>/<key>");
        }
        String bucket = raw.substring(0, slash);
        String key = raw.substring(slash + 1);
        if (!buckets.contains(bucket)) {
            throw refuse(raw, "names bucket " + TextExcerpt.quoted(bucket) + ", which is not in shardsweep.s3.buckets");
        }
        if (key.isEmpty()) {
            throw refuse(raw, "has an empty key");
        }
        // Every char is at least one UTF-8 byte, so a huge string is refused without encoding it.
        if (key.length() > MAX_KEY_BYTES || key.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
            throw refuse(raw, "has a key longer than " + MAX_KEY_BYTES + " bytes in UTF-8, the S3 limit");
        }
        for (String part : key.split("/", -1)) {
            if (part.isEmpty()) {
                throw refuse(raw, "has an empty component in its key ('//' or a trailing '/')");
            }
            if (part.equals("..")) {
                throw refuse(raw, "has a '..' component in its key");
            }
            if (part.equals(".")) {
                throw refuse(raw, "has a '.' component in its key; keys must be written in normal form");
            }
        }
        return new S3Location(bucket, key);
    }

    private static PathRefusedException refuse(String raw, String reason) {
        return new PathRefusedException("Refused S3 location " + TextExcerpt.quoted(raw) + ": it " + reason);
    }

    @Override
    public String toString() {
        return bucket + "/" + key;
    }
}
