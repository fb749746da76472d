package dev.josef.kafka.cli;

import dev.josef.kafka.admin.Admin;
import dev.josef.kafka.admin.ClusterDescription;
import dev.josef.kafka.admin.CreateTopicResult;
import dev.josef.kafka.admin.ListedOffset;
import dev.josef.kafka.admin.NewTopic;
import dev.josef.kafka.admin.OffsetSpec;
import dev.josef.kafka.admin.TopicDescription;
import dev.josef.kafka.admin.TopicOutcome;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.TopicPartition;

import java.io.PrintStream;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** {@code josef topic create|delete|list|describe}, {@code josef cluster} and {@code josef offsets}, through kafka-admin. */
final class AdminCommands {
    static final String TOPIC_USAGE = "usage: josef topic create|delete|list|describe -b HOST:PORT [-t TOPIC] "
            + "[--partitions N] [--replication-factor N] [--topic-config key=value]... [-X key=value]... [--config FILE]";
    static final String CLUSTER_USAGE = "usage: josef cluster -b HOST:PORT [-X key=value]... [--config FILE]";
    static final String OFFSETS_USAGE = "usage: josef offsets -b HOST:PORT -t TOPIC [-X key=value]... [--config FILE]";

    private AdminCommands() {
    }

    static int topic(String[] argv, PrintStream out, PrintStream err) {
        return Cli.run("topic", TOPIC_USAGE, err, () -> {
            Args args = new Args.Spec()
                    .value("topic", "-t", "--topic")
                    .value("partitions", "--partitions")
                    .value("replication", "-r", "--replication-factor")
                    .repeatable("topicConfig", "--topic-config")
                    .flag("internal", "--internal")
                    .parse(argv);
            if (args.has("help")) {
                out.println(String.join("\n", TOPIC_USAGE,
                        "  create    a topic: --partitions (default 1) and --replication-factor (default: the broker's)",
                        "  delete    a topic",
                        "  list      the topics' names (--internal: with the internal ones)",
                        "  describe  a topic's id, partitions, leaders, replicas and in-sync replicas (all topics without -t)"));
                return Josef.OK;
            }
            if (args.positional.size() != 1) {
                throw new Args.UsageException(args.positional.isEmpty() ? "which action? create, delete, list or describe"
                        : "one action at a time, not " + args.positional);
            }
            String action = args.positional.get(0);
            if (!List.of("create", "delete", "list", "describe").contains(action)) {
                throw new Args.UsageException("unknown action '" + action + "' (create, delete, list, describe)");
            }
            String topic = args.value("topic");
            if (topic == null && (action.equals("create") || action.equals("delete"))) {
                throw new Args.UsageException("which topic? use -t TOPIC");
            }
            // The command line is checked whole before the cluster is asked anything.
            int partitions = args.integer("partitions", 1, 1, 1_000_000);
            int replication = args.integer("replication", NewTopic.BROKER_DEFAULT, 1, Short.MAX_VALUE);
            Map<String, String> configs = new LinkedHashMap<>();
            for (String c : args.values("topicConfig")) {
                int eq = c.indexOf('=');
                if (eq <= 0) {
                    throw new Args.UsageException("--topic-config needs key=value, not '" + c + "'");
                }
                configs.put(c.substring(0, eq), c.substring(eq + 1));
            }
            Map<String, Object> properties = Cli.properties(args, "josef-topic");
            try (Admin admin = Admin.create(Cli.network(properties))) {
                Cli.reach(admin, properties);
                switch (action) {
                    case "create" -> {
                        CreateTopicResult r = Cli.await(admin.createTopics(List.of(new NewTopic(topic, partitions,
                                (short) replication, Map.of(), configs))), "cannot create topic " + topic).get(topic);
                        if (!r.succeeded()) {
                            throw new Cli.Failure("cannot create topic " + topic + ": " + r.error()
                                    + (r.errorMessage() == null ? "" : " (" + r.errorMessage() + ")"));
                        }
                        out.printf("created topic %s, id %s, %d partitions, replication factor %d%n", topic, r.topicId(),
                                r.partitions(), r.replicationFactor());
                    }
                    case "delete" -> {
                        TopicOutcome o = Cli.await(admin.deleteTopics(List.of(topic)), "cannot delete topic " + topic)
                                .get(topic);
                        if (!o.succeeded()) {
                            throw new Cli.Failure("cannot delete topic " + topic + ": " + o.error()
                                    + (o.errorMessage() == null ? "" : " (" + o.errorMessage() + ")"));
                        }
                        out.println("deleted topic " + topic);
                    }
                    case "list" -> new TreeSet<>(Cli.await(admin.listTopics(args.has("internal")), "cannot list topics"))
                            .forEach(out::println);
                    default -> {
                        List<String> names = topic != null ? List.of(topic)
                                : List.copyOf(new TreeSet<>(Cli.await(admin.listTopics(false), "cannot list topics")));
                        for (String name : names) {
                            TopicDescription d = Cli.describe(admin, name);
                            out.printf("%s  id %s, %d partitions%s%n", name, d.topicId(), d.partitions().size(),
                                    d.internal() ? ", internal" : "");
                            for (TopicDescription.PartitionDescription p : d.partitions()) {
                                out.printf("  partition %-4d leader %s, replicas %s, isr %s%n", p.partition(),
                                        p.leader() < 0 ? "none" : Integer.toString(p.leader()), p.replicas(), p.isr());
                            }
                        }
                    }
                }
            }
            return Josef.OK;
        });
    }

    static int cluster(String[] argv, PrintStream out, PrintStream err) {
        return Cli.run("cluster", CLUSTER_USAGE, err, () -> {
            Args args = new Args.Spec().parse(argv);
            if (args.has("help")) {
                out.println(CLUSTER_USAGE + "\nPrints the cluster's id, its controller and its brokers.");
                return Josef.OK;
            }
            args.expectNoArguments();
            Map<String, Object> properties = Cli.properties(args, "josef-cluster");
            try (Admin admin = Admin.create(Cli.network(properties))) {
                ClusterDescription c = Cli.reach(admin, properties);
                out.printf("cluster     %s, controller %d, %d broker%s%n", c.clusterId(), c.controllerId(),
                        c.brokers().size(), c.brokers().size() == 1 ? "" : "s");
                for (ClusterDescription.Broker b : c.brokers()) {
                    out.printf("  broker %-4d %s:%d%s%n", b.id(), b.host(), b.port(), b.rack().map(r -> ", rack " + r).orElse(""));
                }
            }
            return Josef.OK;
        });
    }

    static int offsets(String[] argv, PrintStream out, PrintStream err) {
        return Cli.run("offsets", OFFSETS_USAGE, err, () -> {
            Args args = new Args.Spec().value("topic", "-t", "--topic").parse(argv);
            if (args.has("help")) {
                out.println(OFFSETS_USAGE + "\nPrints each partition's earliest and latest offset, and how many records lie between.");
                return Josef.OK;
            }
            String topic = args.topic();
            args.expectNoArguments();
            Map<String, Object> properties = Cli.properties(args, "josef-offsets");
            try (Admin admin = Admin.create(Cli.network(properties))) {
                Cli.reach(admin, properties);
                TopicDescription d = Cli.describe(admin, topic);
                Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
                Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                for (TopicDescription.PartitionDescription p : d.partitions()) {
                    earliest.put(new TopicPartition(topic, p.partition()), OffsetSpec.earliest());
                    latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest());
                }
                Map<TopicPartition, ListedOffset> first = Cli.await(admin.listOffsets(earliest), "cannot list offsets");
                Map<TopicPartition, ListedOffset> last = Cli.await(admin.listOffsets(latest), "cannot list offsets");
                out.printf("%-10s %12s %12s %12s%n", "partition", "earliest", "latest", "records");
                for (TopicPartition tp : new TreeSet<>(earliest.keySet())) {
                    ListedOffset a = first.get(tp);
                    ListedOffset b = last.get(tp);
                    if (a.error() != ErrorCode.NONE || b.error() != ErrorCode.NONE) {
                        throw new Cli.Failure("cannot list the offsets of " + tp + ": "
                                + (a.error() != ErrorCode.NONE ? a.error() : b.error()));
                    }
                    out.printf("%-10d %12d %12d %12d%n", tp.partition(), a.offset(), b.offset(), b.offset() - a.offset());
                }
            }
            return Josef.OK;
        });
    }
}
