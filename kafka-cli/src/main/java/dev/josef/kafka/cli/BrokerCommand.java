package dev.josef.kafka.cli;

import dev.josef.kafka.testkit.KafkaCluster;

import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;

/**
 * {@code josef broker}: real Kafka brokers from kafka-testkit in the foreground,
 * for local development, until Ctrl-C; their data lives as long as they run.
 */
final class BrokerCommand {
    static final String USAGE = "usage: josef broker [--brokers 1|2|3] [-X broker.key=value]...";

    private BrokerCommand() {
    }

    static int run(String[] argv, PrintStream out, PrintStream err) {
        return Cli.run("broker", USAGE, err, () -> {
            Args args = new Args.Spec().value("brokers", "-n", "--brokers").parse(argv);
            if (args.has("help")) {
                out.println(String.join("\n", USAGE,
                        "Runs Apache Kafka brokers (child JVMs on 127.0.0.1) until Ctrl-C, and prints their address.",
                        "  -n, --brokers N   1 (a combined broker and controller, the default), 2 or 3",
                        "  -X key=value      a broker setting, e.g. -X num.partitions=3"));
                return Josef.OK;
            }
            if (args.has("bootstrap") || args.has("config")) {
                throw new Args.UsageException("josef broker runs its own brokers: -b and --config are for the clients");
            }
            args.expectNoArguments();
            int brokers = args.integer("brokers", 1, 1, 3);
            KafkaCluster.Builder builder = KafkaCluster.builder().brokers(brokers);
            for (String x : args.values("property")) {
                int eq = x.indexOf('=');
                if (eq <= 0) {
                    throw new Args.UsageException("-X needs key=value, not '" + x + "'");
                }
                builder.brokerProperty(x.substring(0, eq).trim(), x.substring(eq + 1).trim());
            }
            long started = System.nanoTime();
            err.println("josef broker: starting " + brokers + " broker" + (brokers == 1 ? "" : "s") + " ...");
            KafkaCluster cluster;
            try {
                cluster = builder.start();
            } catch (RuntimeException e) {
                throw new Cli.Failure("the brokers did not start: " + e.getMessage());
            }
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                err.println("josef broker: stopping ...");
                cluster.close();
                stopped.countDown();
            }, "josef-broker-stop"));
            out.println(cluster.bootstrapServers());
            out.flush();
            err.println("josef broker: ready in " + Cli.seconds(System.nanoTime() - started) + " at "
                    + cluster.bootstrapServers() + " (data in " + cluster.directory() + "); Ctrl-C stops");
            stopped.await();
            return Josef.OK;
        });
    }
}
