package dev.josef.kafka.generator;

/** Java source text with indentation, and fresh local names for nested loops. */
final class Code {
    private final StringBuilder text = new StringBuilder();
    private int indent;
    private int names;

    Code line(String format, Object... args) {
        String s = args.length == 0 ? format : String.format(format, args);
        if (s.startsWith("}")) {
            indent--;
        }
        if (!s.isEmpty()) {
            text.append("    ".repeat(Math.max(0, indent)));
        }
        text.append(s).append('\n');
        if (s.endsWith("{")) {
            indent++;
        }
        return this;
    }

    Code blank() {
        text.append('\n');
        return this;
    }

    String fresh(String prefix) {
        return prefix + (names++);
    }

    @Override
    public String toString() {
        return text.toString();
    }
}
