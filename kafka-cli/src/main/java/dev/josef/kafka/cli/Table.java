package dev.josef.kafka.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Plain text in aligned columns, as kcat and kafka-consumer-groups print them:
 * a header row, then one row per item; columns are two spaces apart, numbers
 * aligned right, and nothing trails at the end of a line.
 */
final class Table {
    private final List<String> header;
    private final boolean[] numeric;
    private final List<List<String>> rows = new ArrayList<>();

    /** Column names; a name that starts with '>' is a numeric column, aligned right (the '>' is not printed). */
    Table(String... columns) {
        header = new ArrayList<>();
        numeric = new boolean[columns.length];
        for (int i = 0; i < columns.length; i++) {
            numeric[i] = columns[i].startsWith(">");
            header.add(numeric[i] ? columns[i].substring(1) : columns[i]);
        }
    }

    Table row(Object... cells) {
        if (cells.length != header.size()) {
            throw new IllegalArgumentException(cells.length + " cells for " + header.size() + " columns");
        }
        List<String> row = new ArrayList<>(cells.length);
        for (Object c : cells) {
            row.add(c == null ? "-" : c.toString());
        }
        rows.add(row);
        return this;
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    void print(PrintStream out) {
        int[] width = new int[header.size()];
        for (int i = 0; i < width.length; i++) {
            width[i] = header.get(i).length();
            for (List<String> row : rows) {
                width[i] = Math.max(width[i], row.get(i).length());
            }
        }
        print(out, header, width);
        rows.forEach(row -> print(out, row, width));
    }

    private void print(PrintStream out, List<String> cells, int[] width) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            String cell = cells.get(i);
            String pad = " ".repeat(width[i] - cell.length());
            if (i > 0) {
                line.append("  ");
            }
            line.append(numeric[i] ? pad + cell : cell + pad);
        }
        out.println(line.toString().stripTrailing());
    }
}
