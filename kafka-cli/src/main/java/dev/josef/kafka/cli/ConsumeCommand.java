package dev.josef.kafka.cli;

import dev.josef.kafka.admin.Admin;
import dev.josef.kafka.admin.ListedOffset;
import dev.josef.kafka.admin.OffsetSpec;
import dev.josef.kafka.admin.TopicDescription;
import dev.josef.kafka.consumer.Consumer;
import dev.josef.kafka.consumer.ConsumerConfig;
import dev.josef.kafka.consumer.ConsumerRecord;
import dev.josef.kafka.consumer.ConsumerRecords;
import dev.josef.kafka.consumer.StartPosition;
import dev.josef.kafka.protocol.Header;
import dev.josef.kafka.protocol.KafkaException;
import dev.josef.kafka.protocol.TopicPartition;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code josef consume}: prints a topic's records to standard output through
 * Josef's consumer, each as {@code -f FORMAT} says. Runs until Ctrl-C, or until
 * {@code -c COUNT} records, or (with {@code -e}) until the end the partitions had
 * when it started.
 */
final class ConsumeCommand {
    static final String USAGE = "usage: josef consume -b HOST:PORT -t TOPIC [--from beginning|end|OFFSET|@TIMESTAMP_MS] "
            + "[-p N] [-c COUNT] [-e] [-g GROUP [--group-protocol classic|consumer] [--assignor NAME[,NAME]] [--instance-id ID]] "
            + "[--isolation read_uncommitted|read_committed] [-f FORMAT] [-X key=value]... [--config FILE]";
    private static final String HELP = String.join("\n", USAGE,
            "Prints records to standard output; errors of partitions (a corrupt batch, say) go to standard error.",
            "  -t, --topic TOPIC        the topic to read",
            "  -o, --from WHERE         beginning (default), end, an offset, or @TIMESTAMP_MS",
            "  -p, --partition N        only partition N (default: all)",
            "  -c, --count COUNT        exit after COUNT records",
            "  -e, --exit               exit at the end the partitions had when josef started",
            "  -g, --group GROUP        read as a member of consumer group GROUP: the group shares the topic's",
            "                           partitions among its members and each starts at the group's committed",
            "                           offset (--from beginning|end only without one); what is printed is",
            "                           committed every 5 s and on exit",
            "      --group-protocol P   with -g: classic (default) or consumer (KIP-848: the broker assigns;",
            "                           Kafka 4.0+)",
            "      --assignor NAMES     with -g: range, roundrobin, sticky, cooperative-sticky (in order of",
            "                           preference, comma-separated; default range,cooperative-sticky); with",
            "                           --group-protocol consumer, the broker's assignor: uniform or range",
            "      --instance-id ID     with -g: a static member id (group.instance.id)",
            "      --isolation LEVEL    read_uncommitted (default) or read_committed",
            "  -f, --format FORMAT      %k key, %v value, %t topic, %p partition, %o offset, %T timestamp,",
            "                           %h headers (k=v,k=v), %% a percent sign; \\n and \\t; default '%v\\n'",
            "  -b, --bootstrap-server   the cluster: comma-separated host:port addresses",
            "  -X key=value             a kafka-clients consumer property (repeatable)",
            "      --config FILE        kafka-clients consumer properties from a file");

    private ConsumeCommand() {
    }

    static int run(String[] argv, PrintStream out, PrintStream err) {
        return Cli.run("consume", USAGE, err, () -> {
            Args args = new Args.Spec()
                    .value("topic", "-t", "--topic")
                    .value("from", "-o", "--from")
                    .value("partition", "-p", "--partition")
                    .value("count", "-c", "--count")
                    .flag("exit", "-e", "--exit")
                    .value("isolation", "--isolation")
                    .value("format", "-f", "--format")
                    .value("group", "-g", "--group")
                    .value("assignor", "--assignor")
                    .value("groupProtocol", "--group-protocol")
                    .value("instance", "--instance-id")
                    .parse(argv);
            if (args.has("help")) {
                out.println(HELP);
                return Josef.OK;
            }
            args.expectNoArguments();
            String topic = args.topic();
            long count = args.has("count") ? Args.integer("--count", args.value("count"), 1, Integer.MAX_VALUE) : -1;
            Format format = Format.parse(Cli.unescape(args.value("format", "%v\\n")));
            String from = args.value("from", "beginning");
            StartPosition start = start(from);
            Map<String, Object> properties = Cli.properties(args, "josef-consume");
            if (args.has("isolation")) {
                properties.put("isolation.level", args.value("isolation"));
            }
            properties.putIfAbsent("auto.offset.reset", "earliest");
            if (args.has("group")) {
                return consumeInGroup(args, topic, from, count, format, properties, out, err);
            }
            if (args.has("assignor") || args.has("instance") || args.has("groupProtocol")) {
                throw new Args.UsageException("--assignor, --instance-id and --group-protocol are for a group "
                        + "member: add -g GROUP");
            }
            ConsumerConfig config = ConsumerConfig.fromProperties(properties);
            List<TopicPartition> partitions = new ArrayList<>();
            Map<TopicPartition, Long> ends = new HashMap<>();
            try (Admin admin = Admin.create(config.network())) {
                Cli.reach(admin, properties);
                TopicDescription d = Cli.describe(admin, topic);
                for (TopicDescription.PartitionDescription p : d.partitions()) {
                    partitions.add(new TopicPartition(topic, p.partition()));
                }
                if (args.has("partition")) {
                    int only = Args.integer("--partition", args.value("partition"), 0, Integer.MAX_VALUE);
                    if (only >= partitions.size()) {
                        throw new Cli.Failure("topic '" + topic + "' has " + partitions.size() + " partitions, no partition "
                                + only);
                    }
                    partitions = List.of(new TopicPartition(topic, only));
                }
                if (args.has("exit")) {
                    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                    partitions.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
                    Map<TopicPartition, ListedOffset> listed = Cli.await(admin.listOffsets(latest,
                            config.isolationLevel()), "cannot find the end of " + topic);
                    for (Map.Entry<TopicPartition, ListedOffset> e : listed.entrySet()) {
                        if (e.getValue().error() != dev.josef.kafka.protocol.ErrorCode.NONE) {
                            throw new Cli.Failure("cannot find the end of " + e.getKey() + ": " + e.getValue().error());
                        }
                        ends.put(e.getKey(), e.getValue().offset());
                    }
                }
            }
            List<TopicPartition> assigned = partitions;
            return run(config, consumer -> {
                consumer.assign(assigned);
                for (TopicPartition tp : assigned) {
                    consumer.seek(tp, start);
                }
            }, count, args.has("exit") ? ends : null, format, out, err);
        });
    }

    /**
     * {@code -g}: a member of the group. Each printed record is marked, and only
     * marks are committed (every 5 s and on exit), so a record read but not
     * printed (past {@code -c}) is read again by the next member.
     */
    private static int consumeInGroup(Args args, String topic, String from, long count, Format format,
                                      Map<String, Object> properties, PrintStream out, PrintStream err)
            throws Args.UsageException, Cli.Failure {
        if (args.has("partition") || args.has("exit")) {
            throw new Args.UsageException("-p and -e read chosen partitions; a group member (-g) reads what its "
                    + "group assigns it");
        }
        switch (from) {
            case "beginning" -> properties.put("auto.offset.reset", "earliest");
            case "end" -> properties.put("auto.offset.reset", "latest");
            default -> throw new Args.UsageException("with -g, --from is beginning or end (where a partition "
                    + "without a committed offset starts), not '" + from + "'");
        }
        properties.put("group.id", args.value("group"));
        boolean consumerProtocol = false;
        if (args.has("groupProtocol")) {
            String protocol = args.value("groupProtocol").trim().toLowerCase(java.util.Locale.ROOT);
            if (!protocol.equals("classic") && !protocol.equals("consumer")) {
                throw new Args.UsageException("--group-protocol is classic or consumer, not '" + protocol + "'");
            }
            properties.put("group.protocol", protocol);
            consumerProtocol = protocol.equals("consumer");
        }
        if (args.has("assignor")) {
            // With the consumer protocol the broker assigns: the name is its server-side assignor's.
            properties.put(consumerProtocol ? "group.remote.assignor" : "partition.assignment.strategy",
                    args.value("assignor"));
        }
        if (args.has("instance")) {
            properties.put("group.instance.id", args.value("instance"));
        }
        properties.put("auto.commit.marks", "true");
        ConsumerConfig config = ConsumerConfig.fromProperties(properties);
        try (Admin admin = Admin.create(config.network())) {
            Cli.reach(admin, properties);
            Cli.describe(admin, topic);
        }
        return run(config, consumer -> consumer.subscribe(List.of(topic)), count, null, format, out, err);
    }

    private static StartPosition start(String from) throws Args.UsageException {
        switch (from) {
            case "beginning":
                return StartPosition.earliest();
            case "end":
                return StartPosition.latest();
            default:
                try {
                    return from.startsWith("@") ? StartPosition.timestamp(Long.parseLong(from.substring(1)))
                            : StartPosition.offset(Long.parseLong(from));
                } catch (NumberFormatException e) {
                    throw new Args.UsageException("--from takes beginning, end, an offset or @TIMESTAMP_MS, not '"
                            + from + "'");
                }
        }
    }

    private static int run(ConsumerConfig config, java.util.function.Consumer<Consumer> begin, long count,
                           Map<TopicPartition, Long> ends, Format format, PrintStream stdout, PrintStream err) {
        // System.out flushes every write; records go out in large writes instead, flushed after each poll.
        PrintStream out = stdout == System.out
                ? new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16), false,
                StandardCharsets.UTF_8)
                : stdout;
        long printed = 0;
        boolean failed = false;
        CountDownLatch finished = new CountDownLatch(1);
        AtomicBoolean stopping = new AtomicBoolean();
        Consumer consumer = Consumer.create(config);
        // Ctrl-C: the poll returns, what was printed is flushed, and the consumer closes.
        Thread onExit = new Thread(() -> {
            stopping.set(true);
            consumer.wakeup();
            try {
                finished.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "josef-consume-stop");
        Runtime.getRuntime().addShutdownHook(onExit);
        try {
            begin.accept(consumer);
            boolean marking = config.autoCommitMarks();
            ByteArrayOutputStream line = new ByteArrayOutputStream(256);
            while (!stopping.get() && (count < 0 || printed < count) && (ends == null || !atEnd(consumer, ends))) {
                ConsumerRecords polled = consumer.poll(Duration.ofMillis(500));
                for (Map.Entry<TopicPartition, KafkaException> e : polled.errors().entrySet()) {
                    err.println("josef consume: " + e.getValue().getMessage());
                    failed = true; // the exit code says a partition met an error
                    if (ends != null) {
                        ends.remove(e.getKey()); // it may never reach its end now: do not wait for it
                    }
                }
                for (ConsumerRecord r : polled) {
                    Long end = ends == null ? null : ends.get(r.topicPartition());
                    if ((count >= 0 && printed >= count) || (ends != null && (end == null || r.offset() >= end))) {
                        continue;
                    }
                    line.reset();
                    format.write(r, line);
                    out.write(line.toByteArray(), 0, line.size());
                    printed++;
                    if (marking) {
                        consumer.markProcessed(r);
                    }
                }
                out.flush();
                if (out.checkError()) {
                    break; // the reader is gone (josef consume | head)
                }
            }
        } catch (KafkaException | IllegalStateException e) {
            err.println("josef consume: " + e.getMessage());
            failed = true;
        } finally {
            out.flush();
            consumer.close(Duration.ofSeconds(2));
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(onExit);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs now and has what it waits for
            }
        }
        err.printf("josef consume: %d record%s%n", printed, printed == 1 ? "" : "s");
        return failed ? Josef.FAILED : Josef.OK;
    }

    private static boolean atEnd(Consumer consumer, Map<TopicPartition, Long> ends) {
        for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** A compiled {@code -f} format. */
    record Format(List<Object> parts) {
        static Format parse(String text) throws Args.UsageException {
            List<Object> parts = new ArrayList<>();
            StringBuilder literal = new StringBuilder();
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c != '%') {
                    literal.append(c);
                    continue;
                }
                if (i + 1 >= text.length()) {
                    throw new Args.UsageException("the format ends with a lone '%'");
                }
                char f = text.charAt(++i);
                if (f == '%') {
                    literal.append('%');
                    continue;
                }
                if ("kvtpoTh".indexOf(f) < 0) {
                    throw new Args.UsageException("unknown format field '%" + f + "' (known: %k %v %t %p %o %T %h %%)");
                }
                if (literal.length() > 0) {
                    parts.add(literal.toString().getBytes(StandardCharsets.UTF_8));
                    literal.setLength(0);
                }
                parts.add(f);
            }
            if (literal.length() > 0) {
                parts.add(literal.toString().getBytes(StandardCharsets.UTF_8));
            }
            return new Format(parts);
        }

        void write(ConsumerRecord r, ByteArrayOutputStream out) {
            for (Object part : parts) {
                if (part instanceof byte[] bytes) {
                    out.writeBytes(bytes);
                    continue;
                }
                switch ((Character) part) {
                    case 'k' -> out.writeBytes(r.key() == null ? new byte[0] : r.key());
                    case 'v' -> out.writeBytes(r.value() == null ? new byte[0] : r.value());
                    case 't' -> out.writeBytes(r.topic().getBytes(StandardCharsets.UTF_8));
                    case 'p' -> out.writeBytes(Integer.toString(r.partition()).getBytes(StandardCharsets.US_ASCII));
                    case 'o' -> out.writeBytes(Long.toString(r.offset()).getBytes(StandardCharsets.US_ASCII));
                    case 'T' -> out.writeBytes(Long.toString(r.timestamp()).getBytes(StandardCharsets.US_ASCII));
                    case 'h' -> {
                        StringBuilder h = new StringBuilder();
                        for (Header header : r.headers()) {
                            if (h.length() > 0) {
                                h.append(',');
                            }
                            h.append(header.key()).append('=')
                                    .append(header.value() == null ? "" : new String(header.value(), StandardCharsets.UTF_8));
                        }
                        out.writeBytes(h.toString().getBytes(StandardCharsets.UTF_8));
                    }
                    default -> throw new IllegalStateException("format field " + part);
                }
            }
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "Format(%d parts)", parts.size());
        }
    }
}
