package dev.josef.kafka.cli;

import dev.josef.kafka.admin.Admin;
import dev.josef.kafka.admin.ClusterDescription;
import dev.josef.kafka.admin.CreateTopicResult;
import dev.josef.kafka.admin.ListedOffset;
import dev.josef.kafka.admin.NewTopic;
import dev.josef.kafka.admin.OffsetSpec;
import dev.josef.kafka.admin.TopicDescription;
import dev.josef.kafka.consumer.Consumer;
import dev.josef.kafka.consumer.ConsumerConfig;
import dev.josef.kafka.consumer.ConsumerRecord;
import dev.josef.kafka.consumer.ConsumerRecords;
import dev.josef.kafka.net.NetworkConfig;
import dev.josef.kafka.producer.Producer;
import dev.josef.kafka.producer.ProducerConfig;
import dev.josef.kafka.producer.ProducerRecord;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.testkit.KafkaCluster;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * {@code josef demo}: Josef against a real cluster. Without {@code -b} it starts
 * an embedded broker from kafka-testkit (a child JVM on 127.0.0.1) and stops it
 * at the end; with {@code -b} it uses that cluster. Either way it creates the
 * topic {@value #TOPIC} with kafka-admin, prints the cluster and the topic, and
 * ends with a few lines on the protocol layer underneath: a record batch in a
 * Produce frame, encoded and decoded back.
 */
final class DemoCommand {
    static final String TOPIC = "josef-demo";
    static final int PARTITIONS = 3;
    /** Short, so that an unreachable cluster is reported promptly; a broker answers an admin request in milliseconds. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** A new topic's partitions get leaders a moment after CreateTopics returns; this long we wait for them. */
    private static final Duration LEADERS_TIMEOUT = Duration.ofSeconds(10);
    private static final String CLIENT_ID = "josef-demo";
    static final int RECORDS = 10_000;
    static final int KEYS = 100;
    private static final String USAGE = "usage: josef demo [-b host:port[,host:port...]] [-X key=value]... [--config FILE]";

    private DemoCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Args parsed;
        Map<String, Object> properties;
        try {
            parsed = new Args.Spec().parse(args);
            if (parsed.has("help")) {
                out.println(USAGE);
                out.println("Creates the topic '" + TOPIC + "' (" + PARTITIONS + " partitions), produces " + RECORDS
                        + " keyed records and consumes them back, and prints what happened.");
                out.println("Without -b it starts an embedded Kafka broker for the run and stops it at the end.");
                out.println("  -b, --bootstrap-server  the cluster to use instead: comma-separated host:port addresses");
                out.println("  -X key=value            a kafka-clients property for the demo's clients (repeatable)");
                out.println("      --config FILE       kafka-clients properties from a file");
                return Josef.OK;
            }
            if (!parsed.positional.isEmpty()) {
                return usageError(err, "unexpected argument '" + parsed.positional.get(0) + "'");
            }
            properties = Cli.properties(parsed, CLIENT_ID, false);
        } catch (Args.UsageException e) {
            return usageError(err, e.getMessage());
        } catch (Cli.Failure e) {
            err.println("josef demo: " + e.getMessage());
            return Josef.FAILED;
        }
        Object bootstrap = properties.get("bootstrap.servers");
        if (bootstrap != null) {
            try {
                NetworkConfig.builder().bootstrapServers(bootstrap.toString());
            } catch (IllegalArgumentException e) {
                return usageError(err, "bad bootstrap address '" + bootstrap + "': " + e.getMessage());
            }
            NetworkConfig config;
            try {
                config = NetworkConfig.fromProperties(properties);
            } catch (IllegalArgumentException e) {
                return usageError(err, e.getMessage());
            }
            out.println("Josef demo against the cluster at " + bootstrap);
            return demo(config, out, err);
        }
        return withEmbeddedBroker(properties, out, err);
    }

    private static int withEmbeddedBroker(Map<String, Object> properties, PrintStream out, PrintStream err) {
        out.println("Josef demo: starting an embedded Kafka broker (kafka-testkit) ...");
        Path directory;
        try {
            directory = Files.createTempDirectory("josef-demo-");
        } catch (IOException e) {
            err.println("josef demo: cannot create a directory for the embedded broker: " + e.getMessage());
            return Josef.FAILED;
        }
        // Ctrl-C while the demo runs: stop the broker cleanly and remove its files. (The
        // kit's own hook kills the broker too, so it never outlives this JVM either way.)
        AtomicReference<KafkaCluster> running = new AtomicReference<>();
        Thread onExit = new Thread(() -> {
            KafkaCluster c = running.get();
            if (c != null) {
                c.close();
            }
            deleteQuietly(directory);
        }, "josef-demo-stop-broker");
        Runtime.getRuntime().addShutdownHook(onExit);
        try {
            long started = System.nanoTime();
            KafkaCluster cluster;
            try {
                cluster = KafkaCluster.builder().directory(directory).start();
            } catch (RuntimeException e) {
                err.println("josef demo: the embedded broker did not start: " + e.getMessage());
                err.println("josef demo: its files and logs are in " + directory);
                return Josef.FAILED;
            }
            running.set(cluster);
            int status;
            long stopping;
            try (cluster) {
                out.printf("embedded broker  %s, ready in %s%n", cluster.bootstrapServers(),
                        seconds(System.nanoTime() - started));
                properties.put("bootstrap.servers", cluster.bootstrapServers());
                status = demo(NetworkConfig.fromProperties(properties), out, err);
                stopping = System.nanoTime();
            }
            out.printf("embedded broker  stopped in %s%n", seconds(System.nanoTime() - stopping));
            deleteQuietly(directory);
            return status;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(onExit);
            } catch (IllegalStateException alreadyShuttingDown) {
                // the hook is running or has run: it stops the broker
            }
        }
    }

    private static int demo(NetworkConfig config, PrintStream out, PrintStream err) {
        String where = String.join(",", config.bootstrapServers());
        try (Admin admin = Admin.create(config)) {
            ClusterDescription cluster = await(admin.describeCluster());
            out.printf("cluster          id %s, controller %d, %d broker%s%n", cluster.clusterId(), cluster.controllerId(),
                    cluster.brokers().size(), cluster.brokers().size() == 1 ? "" : "s");
            for (ClusterDescription.Broker b : cluster.brokers()) {
                out.printf("  broker %-7d %s:%d%s%n", b.id(), b.host(), b.port(), b.rack().map(r -> ", rack " + r).orElse(""));
            }

            // Replication factor: the broker's default (KIP-464), which fits a cluster of any size.
            NewTopic newTopic = new NewTopic(TOPIC, PARTITIONS, (short) NewTopic.BROKER_DEFAULT, Map.of(), Map.of());
            CreateTopicResult created = await(admin.createTopics(List.of(newTopic))).get(TOPIC);
            String how;
            if (created.succeeded()) {
                how = "created";
            } else if (created.error() == ErrorCode.TOPIC_ALREADY_EXISTS) {
                how = "already exists (left as it is)";
            } else {
                err.printf("josef demo: cannot create topic %s: %s%s%n", TOPIC, created.error(),
                        created.errorMessage() == null ? "" : " (" + created.errorMessage() + ")");
                return Josef.FAILED;
            }

            TopicDescription topic = describeWithLeaders(admin);
            if (!topic.succeeded()) {
                err.printf("josef demo: cannot describe topic %s: %s%n", TOPIC, topic.error());
                return Josef.FAILED;
            }
            out.printf("topic            %s %s, id %s, %d partitions%n", TOPIC, how, topic.topicId(),
                    topic.partitions().size());
            for (TopicDescription.PartitionDescription p : topic.partitions()) {
                out.printf("  partition %-4d leader %s, replicas %s, isr %s%n", p.partition(),
                        p.leader() < 0 ? "none" : Integer.toString(p.leader()), p.replicas(), p.isr());
            }
            return produceAndConsume(config, admin, topic.partitions().size(), out, err);
        } catch (ClusterUnreachable e) {
            err.println("josef demo: cannot reach the cluster at " + where + ": " + e.getMessage());
            return Josef.FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("josef demo: interrupted");
            return Josef.FAILED;
        }
    }

    /** The topic's description once every partition has a leader, or as it is when {@link #LEADERS_TIMEOUT} runs out. */
    private static TopicDescription describeWithLeaders(Admin admin) {
        long deadline = System.nanoTime() + LEADERS_TIMEOUT.toNanos();
        while (true) {
            TopicDescription topic = await(admin.describeTopics(List.of(TOPIC))).get(TOPIC);
            boolean ready = topic.succeeded() && !topic.partitions().isEmpty()
                    && topic.partitions().stream().allMatch(p -> p.leader() >= 0);
            // UNKNOWN_TOPIC_OR_PARTITION too: the broker that answered may not know the new topic yet.
            boolean worthWaiting = topic.succeeded() || topic.error() == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
            if (ready || !worthWaiting || System.nanoTime() > deadline) {
                return topic;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return topic;
            }
        }
    }

    /**
     * The clients at work: keyed records through Josef's producer (acks=all,
     * idempotent), then read back with Josef's consumer from where they began,
     * checked per partition, with the numbers a user looks at first.
     */
    private static int produceAndConsume(NetworkConfig network, Admin admin, int partitions, PrintStream out,
                                         PrintStream err) throws InterruptedException {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            latest.put(new TopicPartition(TOPIC, p), OffsetSpec.latest());
        }
        Map<TopicPartition, ListedOffset> before = await(admin.listOffsets(latest));

        AtomicReference<Throwable> failure = new AtomicReference<>();
        long start = System.nanoTime();
        try (Producer producer = Producer.create(ProducerConfig.builder().network(network).build())) {
            for (int i = 0; i < RECORDS; i++) {
                String key = "user-" + (i % KEYS);
                String value = "event-" + i;
                producer.produce(ProducerRecord.of(TOPIC, utf8(key), utf8(value)), (m, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    }
                });
            }
            if (!producer.flush(Duration.ofSeconds(60)) || failure.get() != null) {
                err.println("josef demo: producing failed: " + (failure.get() == null ? "no outcome within 60 s"
                        : failure.get().getMessage()));
                return Josef.FAILED;
            }
        }
        long produced = System.nanoTime() - start;
        // No rates: 10,000 records from a cold JVM measure class loading and JIT, not Josef's speed, and a
        // newcomer would read them as that. `josef bench` measures speed (warmed up, against a baseline).
        out.printf(Locale.ROOT, "produced         %,d keyed records (%d keys) in %s, a cold start "
                + "(josef bench measures speed)%n", RECORDS, KEYS, seconds(produced));

        ConsumerConfig consumerConfig = ConsumerConfig.builder().network(network).build();
        Map<Integer, Integer> counts = new TreeMap<>();
        Map<String, Integer> partitionOfKey = new HashMap<>();
        Map<String, Long> lastOffsetOfKey = new HashMap<>();
        int read = 0;
        boolean ordered = true;
        start = System.nanoTime();
        try (Consumer consumer = Consumer.create(consumerConfig)) {
            List<TopicPartition> tps = new ArrayList<>(latest.keySet());
            consumer.assign(tps);
            for (TopicPartition tp : tps) {
                consumer.seek(tp, before.get(tp).offset());
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (read < RECORDS && System.nanoTime() < deadline) {
                ConsumerRecords polled = consumer.poll(Duration.ofMillis(500));
                if (!polled.errors().isEmpty()) {
                    err.println("josef demo: consuming failed: " + polled.errors().values().iterator().next().getMessage());
                    return Josef.FAILED;
                }
                for (ConsumerRecord r : polled) {
                    String key = new String(r.key(), StandardCharsets.UTF_8);
                    Integer seen = partitionOfKey.putIfAbsent(key, r.partition());
                    Long last = lastOffsetOfKey.put(key, r.offset());
                    ordered &= (seen == null || seen == r.partition()) && (last == null || last < r.offset());
                    counts.merge(r.partition(), 1, Integer::sum);
                    read++;
                }
            }
        }
        long consumed = System.nanoTime() - start;
        if (read != RECORDS) {
            err.printf("josef demo: only %d of %d records came back within 60 s%n", read, RECORDS);
            return Josef.FAILED;
        }
        StringBuilder spread = new StringBuilder();
        counts.forEach((p, n) -> spread.append(spread.length() == 0 ? "" : ", ").append("partition ").append(p)
                .append(": ").append(String.format(Locale.ROOT, "%,d", n)));
        out.printf(Locale.ROOT, "consumed         %,d records back in %s; %s%n", read, seconds(consumed), spread);
        out.println("checked          every key in one partition, its records in the order produced: "
                + (ordered ? "yes" : "NO"));
        return ordered ? Josef.OK : Josef.FAILED;
    }

    /**
     * The future's value. Admin's futures fail on their own after the request
     * timeout; the wait here is longer still, so that a lost answer cannot hang the command.
     */
    private static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(REQUEST_TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new ClusterUnreachable(cause.getMessage() == null ? cause.toString() : cause.getMessage());
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new ClusterUnreachable("no answer in " + seconds(REQUEST_TIMEOUT.toNanos() * 2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClusterUnreachable("interrupted");
        }
    }

    private static int usageError(PrintStream err, String message) {
        err.println("josef demo: " + message);
        err.println(USAGE);
        return Josef.USAGE;
    }

    private static String seconds(long nanos) {
        return String.format("%.1f s", nanos / 1e9);
    }

    private static void deleteQuietly(Path directory) {
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // A temporary directory left behind is no reason to fail the demo.
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The cluster did not answer a request, or answered it with a request-level error. */
    private static final class ClusterUnreachable extends RuntimeException {
        ClusterUnreachable(String message) {
            super(message, null, false, false);
        }
    }
}
