package io.shardsweep.intake;

/**
 * Bounded, control-character-free renderings of client input for error messages and logs, so that a
 * hostile request can neither flood a response or a log nor forge log lines.
 */
final class Excerpt {

    static final int MAX_ECHO_CHARS = 200;

    private Excerpt() {
    }

    /** {@code s} in single quotes, cut to {@value #MAX_ECHO_CHARS} chars, control characters escaped. */
    static String quoted(String s) {
        if (s == null) {
            return "null";
        }
        return "'" + clean(s, MAX_ECHO_CHARS) + "'";
    }

    /** {@code s} cut to {@code max} chars (then marked with the total length), control characters escaped. */
    static String clean(String s, int max) {
        if (s == null) {
            return null;
        }
        StringBuilder out = new StringBuilder(Math.min(s.length(), max) + 16);
        int shown = Math.min(s.length(), max);
        for (int i = 0; i < shown; i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c) || Character.isSurrogate(c) && !validPairAt(s, i)) {
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

    private static boolean validPairAt(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }
}
