package io.shardsweep;

/**
 * Bounded, control-character-free renderings of untrusted text (rows, parameters, requests, S3
 * error messages) for logs, error messages and stored errors, so that hostile input can neither
 * flood a log or a response nor forge log lines. The one place that decides how such text is shown.
 */
public final class TextExcerpt {

    /** How much of an untrusted value a message echoes. */
    public static final int MAX_ECHO_CHARS = 200;

    private TextExcerpt() {
    }

    /** {@code s} in single quotes, cut to {@value #MAX_ECHO_CHARS} chars, control characters escaped; {@code null} as null. */
    public static String quoted(String s) {
        if (s == null) {
            return "null";
        }
        return "'" + clean(s, MAX_ECHO_CHARS) + "'";
    }

    /**
     * {@code s} cut to {@code max} chars (then marked with the total length), with control characters
     * and unpaired surrogates escaped as {@code \\uXXXX}; {@code null} stays null.
     */
    public static String clean(String s, int max) {
        if (s == null) {
            return null;
        }
        int shown = Math.min(s.length(), max);
        StringBuilder out = new StringBuilder(shown + 16);
        for (int i = 0; i < shown; i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c) || Character.isSurrogate(c) && !validPairAt(s, i, shown)) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        if (s.length() > max) {
            out.append("... (").append(s.length()).append(" chars in total)");
        }
        return out.toString();
    }

    /**
     * {@code s} as is when it fits in {@code max} chars, else its start and {@code ...}, never ending
     * on half a surrogate pair: for text that is stored (a row's last error), not echoed.
     */
    public static String cut(String s, int max) {
        if (s.length() <= max) {
            return s;
        }
        int end = max - 3;
        if (end > 0 && Character.isHighSurrogate(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end) + "...";
    }

    private static boolean validPairAt(String s, int i, int shown) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < shown && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }
}
