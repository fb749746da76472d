package dev.josef.kafka.cli;

import java.io.PrintStream;
import java.util.Arrays;

/**
 * The {@code josef} command. Exit codes: 0 success, 1 a Kafka or I/O error
 * (with a message on stderr that says what failed), 2 a usage error (with the
 * usage line).
 */
public final class Josef {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;

    private static final String USAGE_LINE = "usage: josef <command> [options]   (josef --help for the commands)";
    private static final String HELP = String.join("\n",
            "josef: a Kafka command line built on Josef",
            "",
            USAGE_LINE,
            "",
            "commands:",
            "  demo      show Josef at work: create a topic on an embedded broker (or -b host:port)",
            "            and print the cluster and the topic",
            "",
            "More broker-facing commands (produce, consume, topic, cluster, offsets, bench)",
            "arrive with Josef's producer and consumer modules.");

    private Josef() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.println(USAGE_LINE);
            return USAGE;
        }
        String command = args[0];
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (command) {
            case "-h":
            case "--help":
            case "help":
                out.println(HELP);
                return OK;
            case "demo":
                return DemoCommand.run(rest, out, err);
            default:
                err.println("josef: unknown command '" + command + "'");
                err.println(USAGE_LINE);
                return USAGE;
        }
    }
}
