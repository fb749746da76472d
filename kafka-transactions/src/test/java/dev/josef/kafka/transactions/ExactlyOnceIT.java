package dev.josef.kafka.transactions;

import dev.josef.kafka.testkit.KafkaCluster;
import dev.josef.kafka.testkit.KafkaClusterConfig;
import dev.josef.kafka.testkit.KafkaClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Exactly once under faults, on 3 brokers with replication 3: two Josef
 * {@link TransactionalSession} processes and one kafka-clients exactly-once
 * application copy an input topic to an output topic in one group, while a
 * Josef process is killed (SIGKILL) in the middle of its transactions and
 * started again, members join and leave (rebalances in the middle of
 * transactions), and the broker that coordinates a Josef process's
 * transactions is killed and restarted. The output, read with read_committed,
 * holds every input record exactly once, in input order per key.
 */
@ExtendWith(KafkaClusterExtension.class)
@KafkaClusterConfig(brokers = 3, brokerProperties = {
        "group.consumer.session.timeout.ms=6000", "group.consumer.min.session.timeout.ms=6000",
        "group.consumer.heartbeat.interval.ms=1000", "group.consumer.min.heartbeat.interval.ms=1000",
        "transaction.abort.timed.out.transaction.cleanup.interval.ms=1000",
        "transaction.state.log.min.isr=2", "min.insync.replicas=2"})
class ExactlyOnceIT {
    private static final int RECORDS = 3000;
    private static final int KEYS = 60;

    @ParameterizedTest
    @ValueSource(strings = {"consumer", "classic"})
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void everyInputRecordIsInTheOutputOnceInOrderPerKeyThroughKillsAndRebalances(String protocol,
                                                                                  KafkaCluster cluster)
            throws Exception {
        String in = "eos-in-" + protocol;
        String out = "eos-out-" + protocol;
        String group = "eos-" + protocol;
        cluster.createTopic(in, 6, 3);
        cluster.createTopic(out, 6, 3);
        Path logs = Files.createTempDirectory("eos-workers");
        List<Process> workers = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> input = new KafkaProducer<>(Map.of(
                "bootstrap.servers", cluster.bootstrapServers(),
                "key.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer",
                "value.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer"));
             Admin admin = Admin.create(Map.of("bootstrap.servers", cluster.bootstrapServers()))) {
            produce(input, in, 0, RECORDS / 2);
            String josef1 = "eos-" + protocol + "-josef-1";
            String josef2 = "eos-" + protocol + "-josef-2";
            Process first = start(workers, logs, "josef", cluster, group, josef1, in, out, protocol);
            await(Duration.ofSeconds(60), "the first worker's output", () -> committed(cluster, out) >= 200);
            start(workers, logs, "josef", cluster, group, josef2, in, out, protocol);
            start(workers, logs, "kafka", cluster, group, "eos-" + protocol + "-kafka", in, out, protocol);
            await(Duration.ofSeconds(60), "output while three members share the input",
                    () -> committed(cluster, out) >= 600);

            first.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL, in the middle of a transaction
            produce(input, in, RECORDS / 2, RECORDS);
            start(workers, logs, "josef", cluster, group, josef1, in, out, protocol); // fences the dead one's
            await(Duration.ofSeconds(60), "output after the kill", () -> committed(cluster, out) >= 1500);

            int coordinator = admin.describeTransactions(List.of(josef2)).description(josef2)
                    .get(30, TimeUnit.SECONDS).coordinatorId();
            cluster.killBroker(coordinator);
            Thread.sleep(3_000);
            cluster.restartBroker(coordinator);

            await(Duration.ofSeconds(180), "every input record in the output",
                    () -> committed(cluster, out) >= RECORDS);
        } finally {
            for (Process p : workers) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        // Everything is in; whatever was still open is committed or aborted by now, and no more may come.
        Thread.sleep(2_000);
        Map<String, List<Integer>> byKey = readCommitted(cluster, out);
        List<Integer> all = new ArrayList<>();
        byKey.values().forEach(all::addAll);
        assertThat(all).as("every input record once (worker logs in %s)", logs).hasSize(RECORDS)
                .doesNotHaveDuplicates();
        for (Map.Entry<String, List<Integer>> e : byKey.entrySet()) {
            assertThat(e.getValue()).as("key %s in input order", e.getKey()).isSorted();
        }
        try (var files = Files.list(logs)) { // kept when an assertion fails, for the workers' story
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(logs);
    }

    private static void produce(KafkaProducer<byte[], byte[]> input, String topic, int from, int to)
            throws Exception {
        for (int i = from; i < to; i++) {
            input.send(new ProducerRecord<>(topic, bytes("k" + (i % KEYS)), bytes(Integer.toString(i))));
        }
        input.flush();
    }

    private static Process start(List<Process> workers, Path logs, String kind, KafkaCluster cluster, String group,
                                 String transactionalId, String in, String out, String protocol) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path log = logs.resolve(transactionalId + "-" + workers.size() + ".log");
        Process p = new ProcessBuilder(java.toString(), "-Xmx256m", "-Dorg.slf4j.simpleLogger.log.dev.josef.kafka.producer.Transactions=debug", "-Dorg.slf4j.simpleLogger.showDateTime=true", "-cp", System.getProperty("java.class.path"),
                EosWorker.class.getName(), kind, cluster.bootstrapServers(), group, transactionalId, in, out, protocol)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        workers.add(p);
        return p;
    }

    /** How many records a read_committed reader sees in the output now. */
    private static int committed(KafkaCluster cluster, String topic) {
        int[] count = {0};
        readCommitted(cluster, topic).values().forEach(v -> count[0] += v.size());
        return count[0];
    }

    /** The output's values per key, as a read_committed reader sees them, in partition order. */
    private static Map<String, List<Integer>> readCommitted(KafkaCluster cluster, String topic) {
        Map<String, List<Integer>> byKey = new TreeMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                "bootstrap.servers", cluster.bootstrapServers(), "isolation.level", "read_committed",
                "key.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer",
                "value.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer"))) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < 6; p++) {
                partitions.add(new TopicPartition(topic, p));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions); // the last stable offsets
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline && partitions.stream()
                    .anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (var r : consumer.poll(Duration.ofMillis(200))) {
                    byKey.computeIfAbsent(new String(r.key(), StandardCharsets.UTF_8), k -> new ArrayList<>())
                            .add(Integer.parseInt(new String(r.value(), StandardCharsets.UTF_8)));
                }
            }
        }
        return byKey;
    }

    private static void await(Duration within, String what, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime() < deadline).as("waited %s for %s", within, what).isTrue();
            Thread.sleep(500);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
