package dev.josef.kafka.transactions;

import dev.josef.kafka.consumer.ConsumerConfig;
import dev.josef.kafka.consumer.ConsumerRecord;
import dev.josef.kafka.consumer.ConsumerRecords;
import dev.josef.kafka.consumer.GroupProtocol;
import dev.josef.kafka.consumer.OffsetReset;
import dev.josef.kafka.producer.ProducerConfig;
import dev.josef.kafka.producer.ProducerRecord;
import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.testkit.KafkaCluster;
import dev.josef.kafka.testkit.KafkaClusterConfig;
import dev.josef.kafka.testkit.KafkaClusterExtension;
import dev.josef.kafka.testkit.KafkaProxy;
import dev.josef.kafka.testkit.ProxyRule;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What {@link TransactionalSession} does when a transaction cannot commit: it
 * aborts, rewinds, and the same records come back; and a member that lost its
 * partitions in the middle of a transaction does not commit it, although its
 * group would take its offsets under the generation it has by then.
 */
@ExtendWith(KafkaClusterExtension.class)
@KafkaClusterConfig(brokerProperties = {
        "group.consumer.session.timeout.ms=6000", "group.consumer.min.session.timeout.ms=6000",
        "group.consumer.heartbeat.interval.ms=1000", "group.consumer.min.heartbeat.interval.ms=1000"})
class SessionIT {

    private static ConsumerConfig.Builder consumer(String bootstrap, String group, GroupProtocol protocol) {
        ConsumerConfig.Builder b = ConsumerConfig.builder().bootstrapServers(bootstrap).groupId(group)
                .groupProtocol(protocol).offsetReset(OffsetReset.EARLIEST);
        if (protocol == GroupProtocol.CLASSIC) {
            b.sessionTimeout(Duration.ofSeconds(6)).heartbeatInterval(Duration.ofSeconds(1));
        }
        return b;
    }

    private static ProducerConfig.Builder producer(String bootstrap, String id) {
        return ProducerConfig.builder().bootstrapServers(bootstrap).transactionalId(id);
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void aTransactionThatCannotCommitIsAbortedAndItsRecordsAreReadAgain(KafkaCluster cluster) throws Exception {
        cluster.createTopic("session-in", 1, 1);
        cluster.createTopic("session-out", 1, 1);
        input(cluster, "session-in", 0, 10);
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers());
             TransactionalSession session = TransactionalSession.create(
                     consumer(proxy.bootstrapServers(), "session-abort", GroupProtocol.CLASSIC),
                     producer(proxy.bootstrapServers(), "session-abort"), List.of("session-in"))) {
            List<String> first = pollAll(session, 10);
            for (String v : first) {
                session.produce(ProducerRecord.of("session-out", bytes(v)));
            }
            ProxyRule refuse = proxy.add(ProxyRule.on(ApiKey.PRODUCE).topic("session-out").times(1)
                    .replaceError(ErrorCode.TRANSACTION_ABORTABLE));
            assertThat(session.commit()).isEqualTo(TransactionalSession.Outcome.ABORTED);
            assertThat(refuse.fired()).isEqualTo(1);
            List<String> again = pollAll(session, 10);
            assertThat(again).as("the rewound records, read again").isEqualTo(first);
            for (String v : again) {
                session.produce(ProducerRecord.of("session-out", bytes(v)));
            }
            assertThat(session.commit()).isEqualTo(TransactionalSession.Outcome.COMMITTED);
            assertThat(session.commit()).isEqualTo(TransactionalSession.Outcome.EMPTY);
        }
        assertThat(readCommitted(cluster, "session-out", 10)).isEqualTo(values(0, 10));
        assertThat(committedOffset(cluster, "session-abort", "session-in")).isEqualTo(10);
    }

    @ParameterizedTest
    @EnumSource(GroupProtocol.class)
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void aMemberThatLostItsPartitionsDuringTheTransactionAbortsIt(GroupProtocol protocol, KafkaCluster cluster)
            throws Exception {
        String in = "session-lost-in-" + protocol;
        String out = "session-lost-out-" + protocol;
        String group = "session-lost-" + protocol;
        cluster.createTopic(in, 1, 1);
        cluster.createTopic(out, 1, 1);
        input(cluster, in, 0, 5);
        try (TransactionalSession slow = TransactionalSession.create(
                consumer(cluster.bootstrapServers(), group, protocol).maxPollInterval(Duration.ofSeconds(3)),
                producer(cluster.bootstrapServers(), group + "-slow"), List.of(in))) {
            List<String> held = pollAll(slow, 5);
            for (String v : held) {
                slow.produce(ProducerRecord.of(out, bytes("slow-" + v)));
            }
            // Processing outlives max.poll.interval.ms: the member leaves and its partition goes as lost.
            long lostBefore = slow.consumer().partitionsLostCount();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (slow.consumer().partitionsLostCount() == lostBefore && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(slow.consumer().partitionsLostCount()).isGreaterThan(lostBefore);
            try (TransactionalSession fast = TransactionalSession.create(
                    consumer(cluster.bootstrapServers(), group, protocol),
                    producer(cluster.bootstrapServers(), group + "-fast"), List.of(in))) {
                List<String> taken = pollAll(fast, 5);
                assertThat(taken).isEqualTo(held);
                for (String v : taken) {
                    fast.produce(ProducerRecord.of(out, bytes("fast-" + v)));
                }
                assertThat(fast.commit()).isEqualTo(TransactionalSession.Outcome.COMMITTED);
                assertThat(slow.commit()).as("the slow member's transaction").isEqualTo(
                        TransactionalSession.Outcome.ABORTED);
            }
        }
        assertThat(readCommitted(cluster, out, 5)).containsExactly("fast-0", "fast-1", "fast-2", "fast-3",
                "fast-4");
    }

    @Test
    void aSessionNeedsAGroupAndATransactionalId(KafkaCluster cluster) {
        assertThatThrownBy(() -> TransactionalSession.create(ConsumerConfig.builder()
                        .bootstrapServers(cluster.bootstrapServers()),
                producer(cluster.bootstrapServers(), "x"), List.of("t")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("groupId");
        assertThatThrownBy(() -> TransactionalSession.create(consumer(cluster.bootstrapServers(), "g",
                GroupProtocol.CLASSIC), ProducerConfig.builder().bootstrapServers(cluster.bootstrapServers()),
                List.of("t"))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("transactionalId");
    }

    private static List<String> pollAll(TransactionalSession session, int count) {
        List<String> read = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (read.size() < count && System.nanoTime() < deadline) {
            ConsumerRecords records = session.poll(Duration.ofMillis(200));
            for (ConsumerRecord r : records) {
                read.add(new String(r.value(), StandardCharsets.UTF_8));
            }
        }
        assertThat(read).hasSize(count);
        return read;
    }

    private static void input(KafkaCluster cluster, String topic, int from, int to) throws Exception {
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers",
                cluster.bootstrapServers(),
                "key.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer",
                "value.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer"))) {
            for (int i = from; i < to; i++) {
                p.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, 0, null,
                        bytes(Integer.toString(i)))).get();
            }
        }
    }

    private static List<String> values(int from, int to) {
        List<String> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add(Integer.toString(i));
        }
        return out;
    }

    private static List<String> readCommitted(KafkaCluster cluster, String topic, int count) {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(
                "bootstrap.servers", cluster.bootstrapServers(), "isolation.level", "read_committed",
                "key.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer",
                "value.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer"))) {
            org.apache.kafka.common.TopicPartition tp = new org.apache.kafka.common.TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            List<String> read = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (read.size() < count && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(r -> read.add(new String(r.value(), StandardCharsets.UTF_8)));
            }
            c.poll(Duration.ofMillis(500)).forEach(r -> read.add(new String(r.value(), StandardCharsets.UTF_8)));
            return read;
        }
    }

    private static long committedOffset(KafkaCluster cluster, String group, String topic) throws Exception {
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                Map.of("bootstrap.servers", cluster.bootstrapServers()))) {
            return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS)
                    .get(new org.apache.kafka.common.TopicPartition(topic, 0)).offset();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
