package dev.josef.kafka.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A subcommand's command line: options with a value ({@code -t TOPIC},
 * {@code --topic=TOPIC}), repeatable ones ({@code -H k=v -H k2=v2}), flags
 * ({@code -e}) and positional words. Every subcommand knows the common options
 * {@code -b}, {@code -X}, {@code --config} and {@code --help}.
 */
final class Args {
    /** A command line that cannot be run: the message says what is wrong with it. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message, null, false, false);
        }
    }

    /** What a subcommand accepts: each option's names, and whether it takes a value. */
    static final class Spec {
        private final Map<String, String> names = new HashMap<>();
        private final Set<String> takesValue = new HashSet<>();
        private final Set<String> repeatable = new HashSet<>();

        Spec() {
            value("bootstrap", "-b", "--bootstrap-server");
            repeatable("property", "-X");
            value("config", "--config");
            flag("help", "-h", "--help");
        }

        Spec value(String name, String... spellings) {
            takesValue.add(name);
            return add(name, spellings);
        }

        Spec repeatable(String name, String... spellings) {
            repeatable.add(name);
            return value(name, spellings);
        }

        Spec flag(String name, String... spellings) {
            return add(name, spellings);
        }

        private Spec add(String name, String... spellings) {
            for (String s : spellings) {
                names.put(s, name);
            }
            return this;
        }

        Args parse(String[] argv) throws UsageException {
            Args args = new Args();
            for (int i = 0; i < argv.length; i++) {
                String word = argv[i];
                if (word.equals("--")) {
                    args.positional.addAll(List.of(argv).subList(i + 1, argv.length));
                    break;
                }
                if (!word.startsWith("-") || word.equals("-")) {
                    args.positional.add(word);
                    continue;
                }
                String spelled = word;
                String inline = null;
                int eq = word.indexOf('=');
                if (word.startsWith("--") && eq > 0) {
                    spelled = word.substring(0, eq);
                    inline = word.substring(eq + 1);
                } else if (!word.startsWith("--") && word.length() > 2 && names.containsKey(word.substring(0, 2))
                        && takesValue.contains(names.get(word.substring(0, 2)))) {
                    spelled = word.substring(0, 2); // -Xkey=value, -tTOPIC
                    inline = word.substring(2);
                }
                String name = names.get(spelled);
                if (name == null) {
                    throw new UsageException("unknown option '" + spelled + "'");
                }
                if (!takesValue.contains(name)) {
                    if (inline != null) {
                        throw new UsageException("option '" + spelled + "' takes no value");
                    }
                    args.flags.add(name);
                    continue;
                }
                String value = inline;
                if (value == null) {
                    if (i + 1 >= argv.length || argv[i + 1].startsWith("--")) {
                        throw new UsageException("option '" + spelled + "' needs a value");
                    }
                    value = argv[++i];
                }
                List<String> list = args.values.computeIfAbsent(name, k -> new ArrayList<>());
                if (!list.isEmpty() && !repeatable.contains(name)) {
                    throw new UsageException("option '" + spelled + "' is given twice");
                }
                list.add(value);
            }
            return args;
        }
    }

    private final Map<String, List<String>> values = new HashMap<>();
    private final Set<String> flags = new HashSet<>();
    final List<String> positional = new ArrayList<>();

    private Args() {
    }

    /** @throws UsageException naming the first word that is not an option */
    void expectNoArguments() throws UsageException {
        if (!positional.isEmpty()) {
            throw new UsageException("unexpected argument '" + positional.get(0) + "'");
        }
    }

    /** The topic of {@code -t}, which the subcommand needs. */
    String topic() throws UsageException {
        String topic = value("topic");
        if (topic == null) {
            throw new UsageException("which topic? use -t TOPIC");
        }
        return topic;
    }

    boolean has(String name) {
        return flags.contains(name) || values.containsKey(name);
    }

    String value(String name) {
        List<String> list = values.get(name);
        return list == null ? null : list.get(0);
    }

    String value(String name, String fallback) {
        String v = value(name);
        return v == null ? fallback : v;
    }

    List<String> values(String name) {
        return values.getOrDefault(name, List.of());
    }

    int integer(String name, int fallback, int min, int max) throws UsageException {
        String v = value(name);
        if (v == null) {
            return fallback;
        }
        return integer(name, v, min, max);
    }

    static int integer(String what, String v, int min, int max) throws UsageException {
        long n;
        try {
            n = Long.parseLong(v.replace("_", "").replace(",", ""));
        } catch (NumberFormatException e) {
            throw new UsageException(what + " must be a whole number, not '" + v + "'");
        }
        if (n < min || n > max) {
            throw new UsageException(what + " must be between " + min + " and " + max + ", not " + n);
        }
        return (int) n;
    }
}
