package dev.josef.kafka.producer;

import dev.josef.kafka.testkit.KafkaCluster;
import dev.josef.kafka.testkit.KafkaClusterConfig;
import dev.josef.kafka.testkit.KafkaClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Nothing lost while brokers die: keyed records produced at a steady pace with
 * acks=all to a topic of replication 3 and min.insync.replicas=2, while one
 * partition leader and then another is killed with SIGKILL and restarted. Every
 * record must be acknowledged exactly once and be in the log exactly once, in
 * the order produced, at the offset its callback reported.
 */
@ExtendWith(KafkaClusterExtension.class)
@KafkaClusterConfig(brokers = 3, brokerProperties = "min.insync.replicas=2")
class BrokerFailuresIT {
    private static final String TOPIC = "broker-failures";
    private static final int PARTITIONS = 6;
    private static final int REPLICAS = 3;
    private static final int RECORDS = 30_000;
    private static final int KEYS = 600;
    /** Long enough for both kills and restarts to fall inside it on a slow machine. */
    private static final Duration PRODUCE_FOR = Duration.ofSeconds(50);
    /** The faults begin once records are flowing and the producer knows every leader. */
    private static final int WARM_UP_RECORDS = RECORDS / 20;
    // Past the kit's broker.session.timeout.ms of 3 s: the controller fences the
    // killed broker and moves its leaderships while records keep coming.
    private static final Duration DOWN_FOR = Duration.ofSeconds(4);
    private static final Duration IN_SYNC_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration FAULTS_TIMEOUT = Duration.ofSeconds(150);
    private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    /** A record as the consumer read it. */
    record Consumed(long offset, int sequence) {
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void recordsProducedWhileLeadersAreKilledAndRestartedAreAllThereOnceInOrderAtTheirOffsets(KafkaCluster cluster)
            throws Exception {
        assertThat(cluster.brokerIds()).hasSize(REPLICAS);
        cluster.createTopic(TOPIC, PARTITIONS, REPLICAS);

        ProducerConfig config = ProducerConfig.fromProperties(Map.of(
                "bootstrap.servers", cluster.bootstrapServers(),
                "client.id", "broker-failures",
                "acks", "all",
                "request.timeout.ms", String.valueOf(REQUEST_TIMEOUT.toMillis()),
                "delivery.timeout.ms", String.valueOf(DELIVERY_TIMEOUT.toMillis())));
        assertThat(config.idempotence()).as("idempotent by default").isTrue();

        AtomicIntegerArray callbacks = new AtomicIntegerArray(RECORDS);
        AtomicReferenceArray<RecordMetadata> acknowledged = new AtomicReferenceArray<>(RECORDS);
        AtomicReferenceArray<Throwable> failed = new AtomicReferenceArray<>(RECORDS);
        List<Integer> victims;

        try (Admin admin = Admin.create(Map.of("bootstrap.servers", cluster.bootstrapServers(),
                "request.timeout.ms", (int) REQUEST_TIMEOUT.toMillis(), "default.api.timeout.ms", 20_000))) {
            ConfigResource topicResource = new ConfigResource(ConfigResource.Type.TOPIC, TOPIC);
            assertThat(admin.describeConfigs(List.of(topicResource)).all().get(20, TimeUnit.SECONDS)
                    .get(topicResource).get("min.insync.replicas").value())
                    .as("the topic's min.insync.replicas").isEqualTo("2");
            awaitEveryReplicaInSync(admin);

            ExecutorService faults = Executors.newSingleThreadExecutor(r -> new Thread(r, "broker-failures-faults"));
            Producer producer = Producer.create(config);
            try {
                Future<List<Integer>> killed = null;
                long start = System.nanoTime();
                long nanosPerRecord = PRODUCE_FOR.toNanos() / RECORDS;
                for (int i = 0; i < RECORDS; i++) {
                    if (i == WARM_UP_RECORDS) {
                        killed = faults.submit(() -> killAndRestartTwoLeaders(cluster, admin));
                    }
                    if (i % 100 == 0) {
                        sleepUntil(start + i * nanosPerRecord);
                    }
                    int sequence = i;
                    producer.produce(keyedRecord(sequence), (metadata, error) -> {
                        callbacks.incrementAndGet(sequence);
                        if (error != null) {
                            failed.set(sequence, error);
                        } else {
                            acknowledged.set(sequence, metadata);
                        }
                    });
                }
                victims = killed.get(FAULTS_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                assertThat(producer.flush(DELIVERY_TIMEOUT.plus(REQUEST_TIMEOUT)))
                        .as("every record has its outcome within the delivery timeout").isTrue();
            } finally {
                faults.shutdownNow();
                faults.awaitTermination(60, TimeUnit.SECONDS);
                restartStoppedBrokers(cluster);
                producer.close(Duration.ofSeconds(30));
            }
        }
        assertThat(victims).as("brokers killed and restarted").hasSize(2).doesNotHaveDuplicates();

        awaitEveryCallback(callbacks, Duration.ofSeconds(10));
        List<String> failures = new ArrayList<>();
        List<Integer> notCalledBack = new ArrayList<>();
        List<Integer> calledBackMoreThanOnce = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
            if (callbacks.get(i) == 0) {
                notCalledBack.add(i);
            } else if (callbacks.get(i) > 1) {
                calledBackMoreThanOnce.add(i);
            }
            if (failed.get(i) != null) {
                failures.add(value(i) + ": " + failed.get(i));
            }
        }
        assertThat(failures.size()).as("records that failed: %s", sample(failures)).isZero();
        assertThat(notCalledBack.size()).as("records never called back: %s", sample(notCalledBack)).isZero();
        assertThat(calledBackMoreThanOnce.size())
                .as("records called back more than once: %s", sample(calledBackMoreThanOnce)).isZero();

        Map<Integer, List<Integer>> acknowledgedOn = new TreeMap<>();
        for (int i = 0; i < RECORDS; i++) {
            acknowledgedOn.computeIfAbsent(acknowledged.get(i).partition(), p -> new ArrayList<>()).add(i);
        }
        Map<Integer, List<Consumed>> consumed = consume(cluster);
        int read = 0;
        for (int p = 0; p < PARTITIONS; p++) {
            List<Consumed> log = consumed.getOrDefault(p, List.of());
            read += log.size();
            assertPartitionHoldsWhatWasAcknowledged(p, log, acknowledgedOn.getOrDefault(p, List.of()), acknowledged);
        }
        assertThat(read).as("records read from all partitions").isEqualTo(RECORDS);
    }

    private static void assertPartitionHoldsWhatWasAcknowledged(int partition, List<Consumed> log,
                                                                List<Integer> expected,
                                                                AtomicReferenceArray<RecordMetadata> acknowledged) {
        List<String> offsetsNotRising = new ArrayList<>();
        List<Integer> readTwice = new ArrayList<>();
        List<String> outOfOrder = new ArrayList<>();
        List<String> elsewhereThanReported = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        Consumed previous = null;
        for (Consumed r : log) {
            if (previous != null && r.offset() <= previous.offset()) {
                offsetsNotRising.add(previous.offset() + " then " + r.offset());
            }
            if (!seen.add(r.sequence())) {
                readTwice.add(r.sequence());
            }
            // One producing thread, idempotence: the whole partition, not only each key, is in produce order.
            if (previous != null && r.sequence() <= previous.sequence()) {
                outOfOrder.add(value(previous.sequence()) + " then " + value(r.sequence()) + " at offset " + r.offset());
            }
            RecordMetadata reported = acknowledged.get(r.sequence());
            if (reported.partition() != partition || reported.offset() != r.offset()) {
                elsewhereThanReported.add(value(r.sequence()) + " read at " + partition + "@" + r.offset()
                        + ", reported at " + reported.partition() + "@" + reported.offset());
            }
            previous = r;
        }
        List<Integer> missing = expected.stream().filter(s -> !seen.contains(s)).toList();

        assertThat(missing.size()).as("partition %d: acknowledged records missing: %s", partition, sample(missing)).isZero();
        assertThat(readTwice.size()).as("partition %d: records read twice: %s", partition, sample(readTwice)).isZero();
        assertThat(offsetsNotRising.size())
                .as("partition %d: offsets that do not rise: %s", partition, sample(offsetsNotRising)).isZero();
        assertThat(outOfOrder.size())
                .as("partition %d: records out of produce order: %s", partition, sample(outOfOrder)).isZero();
        assertThat(elsewhereThanReported.size()).as("partition %d: records not where their callback said: %s",
                partition, sample(elsewhereThanReported)).isZero();
    }

    private static ProducerRecord keyedRecord(int sequence) {
        return ProducerRecord.of(TOPIC, ("key-" + sequence % KEYS).getBytes(StandardCharsets.UTF_8),
                value(sequence).getBytes(StandardCharsets.UTF_8));
    }

    private static String value(int sequence) {
        return "record-" + sequence;
    }

    private static int sequenceOf(byte[] value) {
        return Integer.parseInt(new String(value, StandardCharsets.UTF_8).substring("record-".length()));
    }

    /** Kills a partition leader, restarts it, waits until it is back in sync; then the same with another. */
    private static List<Integer> killAndRestartTwoLeaders(KafkaCluster cluster, Admin admin) throws Exception {
        List<Integer> victims = new ArrayList<>();
        for (int round = 0; round < 2; round++) {
            int victim = leaderOtherThan(admin, victims);
            victims.add(victim);
            cluster.killBroker(victim);
            TimeUnit.MILLISECONDS.sleep(DOWN_FOR.toMillis());
            cluster.restartBroker(victim);
            // Killing the next broker before this one is back in every ISR would leave
            // partitions below min.insync.replicas: a different test.
            awaitEveryReplicaInSync(admin);
        }
        return victims;
    }

    private static int leaderOtherThan(Admin admin, List<Integer> excluded) throws Exception {
        for (TopicPartitionInfo p : describe(admin).partitions()) {
            if (p.leader() != null && !excluded.contains(p.leader().id())) {
                return p.leader().id();
            }
        }
        throw new IllegalStateException("every partition of " + TOPIC + " is led by one of " + excluded);
    }

    private static void awaitEveryReplicaInSync(Admin admin) throws InterruptedException {
        long deadline = System.nanoTime() + IN_SYNC_TIMEOUT.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            try {
                TopicDescription topic = describe(admin);
                if (topic.partitions().stream().allMatch(p -> p.leader() != null && p.isr().size() == REPLICAS)) {
                    return;
                }
                last = topic.partitions().toString();
            } catch (ExecutionException | TimeoutException e) {
                last = e.toString(); // the cluster is changing; asked again below
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
        throw new IllegalStateException("the replicas of " + TOPIC + " are not all in sync after " + IN_SYNC_TIMEOUT
                + ": " + last);
    }

    private static TopicDescription describe(Admin admin)
            throws InterruptedException, ExecutionException, TimeoutException {
        return admin.describeTopics(List.of(TOPIC)).allTopicNames().get(20, TimeUnit.SECONDS).get(TOPIC);
    }

    private static void restartStoppedBrokers(KafkaCluster cluster) {
        for (int id : cluster.brokerIds()) {
            if (!cluster.isRunning(id)) {
                cluster.restartBroker(id);
            }
        }
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long wait = nanoTime - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    private static void awaitEveryCallback(AtomicIntegerArray callbacks, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline
                && IntStream.range(0, callbacks.length()).anyMatch(i -> callbacks.get(i) == 0)) {
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }

    /** Every record of the topic, per partition in log order, read up to the end offsets. */
    private static Map<Integer, List<Consumed>> consume(KafkaCluster cluster) {
        Map<String, Object> config = Map.of("bootstrap.servers", cluster.bootstrapServers(), "enable.auto.commit", false);
        Map<Integer, List<Consumed>> read = new TreeMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> all = IntStream.range(0, PARTITIONS).mapToObj(p -> new TopicPartition(TOPIC, p)).toList();
            consumer.assign(all);
            consumer.seekToBeginning(all);
            // Reading to the end offsets rather than to a count: a duplicate cannot stand in for a missing record.
            Map<TopicPartition, Long> end = consumer.endOffsets(all, Duration.ofSeconds(30));
            Map<TopicPartition, Long> next = new HashMap<>();
            long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
            while (!reachedEnd(next, end) && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    read.computeIfAbsent(r.partition(), p -> new ArrayList<>())
                            .add(new Consumed(r.offset(), sequenceOf(r.value())));
                    next.put(new TopicPartition(r.topic(), r.partition()), r.offset() + 1);
                }
            }
            assertThat(reachedEnd(next, end)).as("read up to the end offsets %s within %s; reached %s",
                    end, READ_TIMEOUT, next).isTrue();
        }
        return read;
    }

    private static boolean reachedEnd(Map<TopicPartition, Long> next, Map<TopicPartition, Long> end) {
        return end.entrySet().stream().allMatch(e -> next.getOrDefault(e.getKey(), 0L) >= e.getValue());
    }

    private static String sample(List<?> items) {
        return items.size() <= 20 ? items.toString() : items.subList(0, 20) + " and " + (items.size() - 20) + " more";
    }
}
