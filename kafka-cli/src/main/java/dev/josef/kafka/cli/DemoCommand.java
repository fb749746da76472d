package dev.josef.kafka.cli;

import dev.josef.kafka.admin.Admin;
import dev.josef.kafka.admin.ClusterDescription;
import dev.josef.kafka.admin.CreateTopicResult;
import dev.josef.kafka.admin.NewTopic;
import dev.josef.kafka.admin.TopicDescription;
import dev.josef.kafka.net.NetworkConfig;
import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.Header;
import dev.josef.kafka.protocol.RecordBatch;
import dev.josef.kafka.protocol.RecordBatchBuilder;
import dev.josef.kafka.protocol.RecordBatchReader;
import dev.josef.kafka.protocol.Uuid;
import dev.josef.kafka.protocol.internal.WireReader;
import dev.josef.kafka.protocol.message.ApiMessages;
import dev.josef.kafka.protocol.message.ProduceRequest;
import dev.josef.kafka.protocol.message.RequestFrames;
import dev.josef.kafka.protocol.message.RequestHeader;
import dev.josef.kafka.testkit.KafkaCluster;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
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
    private static final String USAGE = "usage: josef demo [-b host:port[,host:port...]]";

    private DemoCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        String bootstrap = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "-h", "--help" -> {
                    out.println(USAGE);
                    out.println("Creates the topic '" + TOPIC + "' (" + PARTITIONS + " partitions) and prints the cluster and"
                            + " the topic.");
                    out.println("Without -b it starts an embedded Kafka broker for the run and stops it at the end.");
                    out.println("  -b, --bootstrap-server  the cluster to use instead: comma-separated host:port addresses");
                    return Josef.OK;
                }
                case "-b", "--bootstrap-server" -> {
                    if (i + 1 >= args.length || args[i + 1].startsWith("-")) {
                        return usageError(err, "option '" + arg + "' needs a value (host:port[,host:port...])");
                    }
                    bootstrap = args[++i];
                }
                default -> {
                    return usageError(err, "unknown option '" + arg + "'");
                }
            }
        }
        NetworkConfig config;
        if (bootstrap != null) {
            try {
                config = networkConfig(bootstrap);
            } catch (IllegalArgumentException e) {
                return usageError(err, "bad bootstrap address '" + bootstrap + "': " + e.getMessage());
            }
            out.println("Josef demo against the cluster at " + bootstrap);
            return demo(config, out, err);
        }
        return withEmbeddedBroker(out, err);
    }

    private static int withEmbeddedBroker(PrintStream out, PrintStream err) {
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
                status = demo(networkConfig(cluster.bootstrapServers()), out, err);
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

    private static NetworkConfig networkConfig(String bootstrap) {
        return NetworkConfig.builder()
                .bootstrapServers(bootstrap)
                .clientId(CLIENT_ID)
                .requestTimeout(REQUEST_TIMEOUT)
                .build();
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
        } catch (ClusterUnreachable e) {
            err.println("josef demo: cannot reach the cluster at " + where + ": " + e.getMessage());
            return Josef.FAILED;
        }
        protocol(out);
        return Josef.OK;
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
     * The protocol layer underneath, in three lines: keyed records become a
     * record batch, the batch goes into a Produce request, the request becomes a
     * size-prefixed frame exactly as it would go on the wire, and it decodes back.
     */
    private static void protocol(PrintStream out) {
        long now = System.currentTimeMillis();
        RecordBatchBuilder builder = new RecordBatchBuilder(512);
        String[][] keyed = {{"user-1", "login"}, {"user-2", "add-to-cart"}, {"user-1", "checkout"}};
        for (int i = 0; i < keyed.length; i++) {
            builder.append(now + i, utf8(keyed[i][0]), utf8(keyed[i][1]), List.of(Header.of("source", "demo")));
        }
        ByteBuffer batchBytes = builder.build();
        RecordBatch batch = RecordBatchReader.defaults().batches(batchBytes).next();

        ApiKey api = ApiKey.PRODUCE;
        short version = api.latestStableVersion();
        // From Produce v13 topics go by id (KIP-516); a producer learns the id from Metadata.
        ProduceRequest request = new ProduceRequest().setAcks((short) -1).setTimeoutMs(30_000);
        request.topicData().add(new ProduceRequest.TopicProduceData()
                .setTopicId(Uuid.fromString("Sm9zZWYtZGVtby10b3BpYw"))
                .setPartitionData(List.of(new ProduceRequest.PartitionProduceData().setIndex(0).setRecords(batchBytes))));
        ByteBuffer frame = RequestFrames.encode(request, version, 1, CLIENT_ID);

        WireReader reader = new WireReader(frame.duplicate());
        int frameSize = reader.readInt();
        RequestHeader header = RequestHeader.read(reader, api.requestHeaderVersion(version));
        ProduceRequest decoded = (ProduceRequest) ApiMessages.readRequest(ApiKey.forId(header.requestApiKey()), reader,
                header.requestApiVersion());
        ByteBuffer records = decoded.topicData().get(0).partitionData().get(0).records();
        RecordBatch decodedBatch = RecordBatchReader.defaults().batches(records).next();

        out.println("protocol         what goes on the wire (a producer is next):");
        out.printf("  record batch   %d records, %d bytes, magic v%d, CRC-32C %08x (%s)%n", batch.recordCount(),
                batch.sizeInBytes(), batch.magic(), batch.checksum(), batch.isValid() ? "verified" : "MISMATCH");
        out.printf("  produce frame  %d bytes, Produce v%d from client '%s', decodes back equal: %s%n", frameSize + 4,
                header.requestApiVersion(), header.clientId(),
                decoded.equals(request) && decodedBatch.records().equals(batch.records()));
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
