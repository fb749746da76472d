package dev.josef.kafka.consumer;

import dev.josef.kafka.consumer.spi.ConsumerHook;
import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.testkit.KafkaCluster;
import dev.josef.kafka.testkit.KafkaClusterConfig;
import dev.josef.kafka.testkit.KafkaClusterExtension;
import dev.josef.kafka.testkit.KafkaProxy;
import dev.josef.kafka.testkit.ProxyRule;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The consumer while brokers fail and leaders move, on three brokers in racks of
 * their own: nothing skipped, nothing returned twice; and fetching from a
 * replica in the consumer's rack (KIP-392).
 */
@ExtendWith(KafkaClusterExtension.class)
@KafkaClusterConfig(brokers = 3, brokerProperties = {"min.insync.replicas=2", "broker.rack=rack-{node.id}",
        "replica.selector.class=org.apache.kafka.common.replica.RackAwareReplicaSelector"})
class ConsumerFailoverIT {
    private static final int RECORDS = 12_000;
    private static final Duration PRODUCE_FOR = Duration.ofSeconds(24);

    private static int leaderOf(Admin admin, String topic, int partition) throws Exception {
        TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(20, TimeUnit.SECONDS).get(topic);
        return d.partitions().get(partition).leader().id();
    }

    private static List<Integer> replicasOf(Admin admin, String topic, int partition) throws Exception {
        TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(20, TimeUnit.SECONDS).get(topic);
        return d.partitions().get(partition).replicas().stream().map(n -> n.id()).toList();
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void nothingIsSkippedOrReturnedTwiceWhileALeaderIsKilledAndABrokerRestarts(KafkaCluster cluster) throws Exception {
        String topic = "consumer-failover";
        cluster.createTopic(topic, 2, 3);
        Map<Integer, Set<Long>> acknowledged = new ConcurrentHashMap<>();
        Map<Integer, List<Long>> consumed = new TreeMap<>();
        ExecutorService background = Executors.newFixedThreadPool(2);
        ProxyRule validations;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", cluster.bootstrapServers()));
             KafkaProducer<byte[], byte[]> producer = ConsumerIT.kafkaProducer(cluster, Map.of("acks", "all",
                     "request.timeout.ms", 10_000));
             // Through the kit's proxy only to count the consumer's OffsetForLeaderEpoch requests.
             KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers());
             Consumer consumer = Consumer.create(ConsumerIT.config(proxy.bootstrapServers(), "failover")
                     .build())) {
            validations = proxy.add(ProxyRule.on(ApiKey.OFFSET_FOR_LEADER_EPOCH).countOnly());
            consumer.assign(List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1)));
            Future<?> produced = background.submit(() -> {
                long start = System.nanoTime();
                List<Future<RecordMetadata>> futures = new ArrayList<>();
                for (int i = 0; i < RECORDS; i++) {
                    if (i % 100 == 0) {
                        long due = start + PRODUCE_FOR.toNanos() * i / RECORDS;
                        long sleep = due - System.nanoTime();
                        if (sleep > 0) {
                            TimeUnit.NANOSECONDS.sleep(sleep);
                        }
                    }
                    futures.add(producer.send(new ProducerRecord<>(topic, i % 2, null, ConsumerIT.bytes("v" + i))));
                }
                for (Future<RecordMetadata> f : futures) {
                    RecordMetadata m = f.get(2, TimeUnit.MINUTES);
                    acknowledged.computeIfAbsent(m.partition(), k -> ConcurrentHashMap.newKeySet()).add(m.offset());
                }
                return null;
            });
            Future<List<Integer>> faults = background.submit(() -> {
                TimeUnit.SECONDS.sleep(4);
                int killed = leaderOf(admin, topic, 0);
                cluster.killBroker(killed); // a leader change: the consumer must follow it
                TimeUnit.SECONDS.sleep(5);
                cluster.restartBroker(killed);
                TimeUnit.SECONDS.sleep(3);
                int restarted = leaderOf(admin, topic, 1);
                cluster.restartBroker(restarted); // a clean stop and start of the other partition's leader
                return List.of(killed, restarted);
            });
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (System.nanoTime() < deadline) {
                ConsumerRecords polled = consumer.poll(Duration.ofMillis(200));
                assertThat(polled.errors()).as("partition errors").isEmpty();
                for (ConsumerRecord r : polled) {
                    consumed.computeIfAbsent(r.partition(), k -> new ArrayList<>()).add(r.offset());
                }
                if (produced.isDone() && faults.isDone()
                        && consumed.values().stream().mapToInt(List::size).sum() >= RECORDS) {
                    break;
                }
            }
            produced.get();
            assertThat(faults.get()).hasSize(2);
            assertThat(consumer.poll(Duration.ofMillis(500)).count()).as("nothing more").isZero();
        } finally {
            background.shutdownNow();
            background.awaitTermination(30, TimeUnit.SECONDS);
            for (int id : cluster.brokerIds()) {
                if (!cluster.isRunning(id)) {
                    cluster.restartBroker(id);
                }
            }
        }
        assertThat(validations.fired()).as("positions checked against the new leaders (KIP-320)").isPositive();
        for (int p = 0; p < 2; p++) {
            List<Long> offsets = consumed.get(p);
            assertThat(offsets).as("partition %d read twice", p).doesNotHaveDuplicates();
            assertThat(offsets).as("partition %d in order", p).isSorted();
            assertThat(Set.copyOf(offsets)).as("partition %d: exactly what was acknowledged", p)
                    .isEqualTo(acknowledged.get(p));
            assertThat(offsets.get(offsets.size() - 1) - offsets.get(0) + 1).as("partition %d without gaps", p)
                    .isEqualTo(offsets.size());
        }
    }

    @Test
    void aConsumerWithARackFetchesFromTheReplicaInItsRack(KafkaCluster cluster) throws Exception {
        String topic = "consumer-rack";
        cluster.createTopic(topic, 1, 3);
        int leader;
        int follower;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", cluster.bootstrapServers()))) {
            leader = leaderOf(admin, topic, 0);
            follower = replicasOf(admin, topic, 0).stream().filter(id -> id != leader).findFirst().orElseThrow();
        }
        try (KafkaProducer<byte[], byte[]> producer = ConsumerIT.kafkaProducer(cluster, Map.of("acks", "all"))) {
            for (int i = 0; i < 200; i++) {
                producer.send(new ProducerRecord<>(topic, 0, null, ConsumerIT.bytes("v" + i)));
            }
            producer.flush();
        }
        Map<Integer, Long> bytesByNode = new ConcurrentHashMap<>();
        ConsumerHook hook = new ConsumerHook() {
            @Override
            public void onFetch(String clientId, int nodeId, int partitions, long bytes, long latencyNanos) {
                bytesByNode.merge(nodeId, bytes, Long::sum);
            }
        };
        try (Consumer consumer = Consumer.create(ConsumerIT.config(cluster.bootstrapServers(), "rack")
                .clientRack("rack-" + follower).hook(hook).build())) {
            consumer.assign(List.of(new TopicPartition(topic, 0)));
            List<ConsumerRecord> read = ConsumerIT.readAll(consumer, 200, Duration.ofSeconds(30));
            assertThat(read).extracting(ConsumerRecord::offset).doesNotHaveDuplicates().isSorted();
        }
        assertThat(bytesByNode.getOrDefault(follower, 0L)).as("record bytes from the follower in rack-" + follower
                + " (leader " + leader + "): " + bytesByNode).isPositive();
        assertThat(bytesByNode.getOrDefault(leader, 0L)).as("record bytes from the leader").isZero();
    }

    @Test
    void aBrokerWithIdlePartitionsDoesNotKeepTheBufferRoomFromAnother(KafkaCluster cluster) throws Exception {
        // An idle partition on broker 1 and a full one on broker 2, read with a buffer bound far below what
        // broker 2 holds. Broker 1's Fetch is a long poll that comes back empty and goes out again at once.
        String idle = "consumer-room-idle";
        String busy = "consumer-room-busy";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", cluster.bootstrapServers()))) {
            Map<String, String> single = Map.of("min.insync.replicas", "1");
            admin.createTopics(List.of(new NewTopic(idle, Map.of(0, List.of(1))).configs(single),
                    new NewTopic(busy, Map.of(0, List.of(2))).configs(single))).all().get(30, TimeUnit.SECONDS);
        }
        int records = 300;
        try (KafkaProducer<byte[], byte[]> producer = ConsumerIT.kafkaProducer(cluster, Map.of("acks", "1"))) {
            for (int i = 0; i < records; i++) {
                producer.send(new ProducerRecord<>(busy, 0, null, ConsumerIT.bytes(i + ":" + "x".repeat(1000))))
                        .get(30, TimeUnit.SECONDS);
            }
        }
        try (Consumer consumer = Consumer.create(ConsumerIT.config(cluster.bootstrapServers(), "room")
                .maxBufferedBytes(32 * 1024).build())) {
            consumer.assign(List.of(new TopicPartition(idle, 0), new TopicPartition(busy, 0)));
            List<ConsumerRecord> read = ConsumerIT.readAll(consumer, records, Duration.ofSeconds(60));
            assertThat(read).extracting(ConsumerRecord::offset)
                    .containsExactlyElementsOf(java.util.stream.LongStream.range(0, records).boxed().toList());
        }
    }
}
