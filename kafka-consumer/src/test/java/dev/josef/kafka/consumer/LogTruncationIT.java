package dev.josef.kafka.consumer;

import dev.josef.kafka.protocol.KafkaException;
import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.testkit.KafkaCluster;
import dev.josef.kafka.testkit.KafkaClusterConfig;
import dev.josef.kafka.testkit.KafkaClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real log truncation below the consumer's position (KIP-320): records the
 * consumer returned from the only in-sync replica are lost when that broker dies
 * and an out-of-sync replica is elected uncleanly. The consumer must find it
 * with OffsetForLeaderEpoch, say so with a {@link LogTruncationException} that
 * names the offsets, and go on from where the new leader's log diverges.
 */
@ExtendWith(KafkaClusterExtension.class)
@KafkaClusterConfig(brokers = 2)
class LogTruncationIT {
    /**
     * With a reset policy the consumer goes on from the divergent offset by itself; with {@code none} the
     * partition stops where it was until the application seeks.
     */
    @ParameterizedTest(name = "offset reset {0}")
    @EnumSource(value = OffsetReset.class, names = {"EARLIEST", "NONE"})
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void recordsLostToAnUncleanElectionAreReportedAndReadingGoesOnFromTheNewLeadersLog(OffsetReset reset,
                                                                                      KafkaCluster cluster)
            throws Exception {
        String topic = "consumer-truncation-" + reset.name().toLowerCase(java.util.Locale.ROOT);
        TopicPartition tp = new TopicPartition(topic, 0);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", cluster.bootstrapServers(),
                "request.timeout.ms", 10_000, "default.api.timeout.ms", 20_000))) {
            admin.createTopics(List.of(new NewTopic(topic, Map.of(0, List.of(1, 2)))
                    .configs(Map.of("unclean.leader.election.enable", "true", "min.insync.replicas", "1"))))
                    .all().get(30, TimeUnit.SECONDS);
            await(admin, topic, "both replicas in sync", p -> p.leader() != null && p.leader().id() == 1
                    && p.isr().size() == 2);
            produce(cluster, topic, 0, 100); // offsets 0..99, on both brokers

            cluster.killBroker(2);
            await(admin, topic, "broker 2 out of the ISR", p -> ids(p.isr()).equals(List.of(1)));
            produce(cluster, topic, 100, 50); // offsets 100..149, on broker 1 alone

            try (Consumer consumer = Consumer.create(ConsumerIT.config(cluster.bootstrapServers(), topic)
                    .offsetReset(reset).build())) {
                consumer.assign(List.of(tp));
                if (reset == OffsetReset.NONE) {
                    consumer.seek(tp, 0);
                }
                List<ConsumerRecord> before = ConsumerIT.readAll(consumer, 150, Duration.ofSeconds(30));
                assertThat(before).extracting(ConsumerRecord::offset).last().isEqualTo(149L);
                assertThat(consumer.position(tp)).isEqualTo(150);

                // Broker 1 and its offsets 100..149 go; broker 2, which stopped at 100, leads. The consumer
                // has only ever seen broker 1 (broker 2 was fenced when it started): it finds broker 2 through
                // its bootstrap list (kafka-net's rebootstrap).
                cluster.killBroker(1);
                cluster.restartBroker(2);
                electUncleanly(admin, topic);

                KafkaException error = null;
                List<ConsumerRecord> meanwhile = new ArrayList<>();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (error == null && System.nanoTime() < deadline) {
                    ConsumerRecords polled = consumer.poll(Duration.ofMillis(200));
                    polled.forEach(meanwhile::add);
                    error = polled.errors().get(tp);
                }
                assertThat(meanwhile).as("records returned before the truncation was reported").isEmpty();
                assertThat(error).as("the truncation, reported").isInstanceOf(LogTruncationException.class);
                LogTruncationException truncation = (LogTruncationException) error;
                assertThat(truncation.partition()).isEqualTo(tp);
                assertThat(truncation.position()).isEqualTo(150);
                assertThat(truncation.divergentOffset()).isEqualTo(100);
                assertThat(truncation.getMessage()).contains("truncated to offset 100", "position 150");
                produce(cluster, topic, 1000, 10);
                if (reset == OffsetReset.NONE) {
                    assertThat(truncation.getMessage()).contains("the partition stops until the application seeks");
                    assertThat(consumer.position(tp)).isEqualTo(150);
                    assertThat(consumer.poll(Duration.ofMillis(500)).isEmpty()).as("stopped: nothing more").isTrue();
                    consumer.seek(tp, truncation.divergentOffset());
                } else {
                    assertThat(truncation.getMessage()).contains("reading goes on from 100");
                }
                assertThat(consumer.position(tp)).isEqualTo(100);

                // The new leader's own records at 100.. come next, once each.
                List<ConsumerRecord> after = ConsumerIT.readAll(consumer, 10, Duration.ofSeconds(30));
                assertThat(after).extracting(ConsumerRecord::offset)
                        .containsExactly(100L, 101L, 102L, 103L, 104L, 105L, 106L, 107L, 108L, 109L);
                assertThat(after).extracting(r -> ConsumerIT.text(r.value()))
                        .containsExactly("v1000", "v1001", "v1002", "v1003", "v1004", "v1005", "v1006", "v1007",
                                "v1008", "v1009");
            }
        } finally {
            for (int id : cluster.brokerIds()) {
                if (!cluster.isRunning(id)) {
                    cluster.restartBroker(id);
                }
            }
        }
    }

    /** Writes values v{first}.. to partition 0 through whichever broker leads, each acknowledged by all of the ISR. */
    private static void produce(KafkaCluster cluster, String topic, int first, int count) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = ConsumerIT.kafkaProducer(cluster, Map.of("acks", "all",
                "enable.idempotence", "false", "delivery.timeout.ms", 60_000, "request.timeout.ms", 10_000))) {
            for (int i = first; i < first + count; i++) {
                producer.send(new ProducerRecord<>(topic, 0, null, ConsumerIT.bytes("v" + i))).get(60, TimeUnit.SECONDS);
            }
        }
    }

    /** Asks the controller for an unclean election until broker 2 leads (it may also do it by itself). */
    private static void electUncleanly(Admin admin, String topic) throws Exception {
        org.apache.kafka.common.TopicPartition tp = new org.apache.kafka.common.TopicPartition(topic, 0);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            TopicPartitionInfo p = describe(admin, topic);
            if (p.leader() != null && p.leader().id() == 2) {
                return;
            }
            assertThat(System.nanoTime()).as("broker 2 elected; last seen " + p).isLessThan(deadline);
            try {
                admin.electLeaders(ElectionType.UNCLEAN, Set.of(tp)).partitions().get(20, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                // The request failed as a whole (broker 2 not registered yet, ...). Errors per partition
                // (ELECTION_NOT_NEEDED, ...) come back in the result; either way the loop looks again.
            }
            TimeUnit.MILLISECONDS.sleep(500);
        }
    }

    private static void await(Admin admin, String topic, String what, Predicate<TopicPartitionInfo> done)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        TopicPartitionInfo p = describe(admin, topic);
        while (!done.test(p)) {
            assertThat(System.nanoTime()).as(what + "; last seen " + p).isLessThan(deadline);
            TimeUnit.MILLISECONDS.sleep(200);
            p = describe(admin, topic);
        }
    }

    private static TopicPartitionInfo describe(Admin admin, String topic) throws Exception {
        TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(20, TimeUnit.SECONDS).get(topic);
        return d.partitions().get(0);
    }

    private static List<Integer> ids(List<Node> nodes) {
        return nodes.stream().map(Node::id).toList();
    }
}
