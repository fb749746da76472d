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
            "  demo      Josef at work: an embedded broker (or -b host:port), a topic, keyed records",
            "            produced and consumed back, with throughput and latency",
            "  broker    run Kafka brokers in the foreground for local development (Ctrl-C stops)",
            "  produce   write records from standard input, one per line",
            "  consume   print records to standard output, in a format of your choice",
            "  topic     create, delete, list or describe topics",
            "  cluster   the cluster's id, controller and brokers",
            "  offsets   a topic's earliest and latest offset per partition",
            "  group     list, describe or delete consumer groups; show or reset their committed offsets",
            "  bench     measure Josef's producer or consumer",
            "",
            "Every command takes -b HOST:PORT, -X key=value and --config FILE (kafka-clients property names),",
            "and --help. Exit codes: 0 success, 1 a Kafka or I/O error, 2 a usage error.");

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
            case "broker":
                return BrokerCommand.run(rest, out, err);
            case "produce":
                return ProduceCommand.run(rest, System.in, out, err);
            case "consume":
                return ConsumeCommand.run(rest, out, err);
            case "topic":
                return AdminCommands.topic(rest, out, err);
            case "cluster":
                return AdminCommands.cluster(rest, out, err);
            case "offsets":
                return AdminCommands.offsets(rest, out, err);
            case "group":
                return GroupCommand.run(rest, out, err);
            case "bench":
                return BenchCommand.run(rest, out, err);
            default:
                err.println("josef: unknown command '" + command + "'");
                err.println(USAGE_LINE);
                return USAGE;
        }
    }
}
