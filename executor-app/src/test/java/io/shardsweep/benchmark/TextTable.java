package io.shardsweep.benchmark;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A plain text table of a benchmark's figures: text left-aligned, numbers right-aligned; and the cell formats. */
final class TextTable {

    private final String[] header;
    private final List<String[]> rows = new ArrayList<>();

    TextTable(String... header) {
        this.header = header;
    }

    void row(Object... cells) {
        String[] r = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            r[i] = cells[i] instanceof Integer n ? String.format(Locale.ROOT, "%,d", n) : String.valueOf(cells[i]);
        }
        rows.add(r);
    }

    String render() {
        int[] width = new int[header.length];
        for (int i = 0; i < header.length; i++) {
            width[i] = header[i].length();
            for (String[] r : rows) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        line(out, header, width, false);
        StringBuilder rule = new StringBuilder();
        for (int i = 0; i < width.length; i++) {
            rule.append(i == 0 ? "|" : "").append("-".repeat(width[i] + 2)).append('|');
        }
        out.append(rule).append('\n');
        for (String[] r : rows) {
            line(out, r, width, true);
        }
        return out.toString();
    }

    private static void line(StringBuilder out, String[] cells, int[] width, boolean alignNumbers) {
        out.append('|');
        for (int i = 0; i < cells.length; i++) {
            boolean numeric = alignNumbers && cells[i].matches("[-0-9.,x%/ n/a()]+|[-0-9.,]+x");
            String pad = " ".repeat(width[i] - cells[i].length());
            out.append(' ').append(numeric ? pad + cells[i] : cells[i] + pad).append(" |");
        }
        out.append('\n');
    }

    static String f0(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%,.0f", v);
    }

    static String f1(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%,.1f", v);
    }

    static String f2(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%,.2f", v);
    }

    static String pct(double share) {
        return Double.isNaN(share) ? "n/a" : String.format(Locale.ROOT, "%.0f", 100 * share);
    }

    static String num(long v) {
        return v == Long.MIN_VALUE || v < 0 ? "n/a" : String.format(Locale.ROOT, "%,d", v);
    }
}
