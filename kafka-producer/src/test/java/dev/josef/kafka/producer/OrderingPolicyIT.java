package dev.josef.kafka.producer;

import dev.josef.kafka.net.NetworkConfig;
import dev.josef.kafka.producer.spi.OrderingPolicy;
import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.testkit.KafkaCluster;
import dev.josef.kafka.testkit.KafkaClusterExtension;
import dev.josef.kafka.testkit.KafkaProxy;
import dev.josef.kafka.testkit.ProxyRule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static dev.josef.kafka.producer.Logs.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Behaviour 1 of DESIGN.md. The proxy makes the broker refuse the first batch
 * of partition 0 that follows the warm-up (its CRC broken on the way in, the
 * client told INVALID_RECORD, which no retry fixes) while 30 more records of
 * partition 0 are in flight or buffered behind it, and partition 1 keeps
 * producing. Each policy must keep every later record of partition 0 from
 * landing ahead of the failed one.
 */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(120)
class OrderingPolicyIT {
    private static final int BEHIND = 30;

    /** Partition 0's records a1..a30 after a0, each its own batch (linger 0), so several are in flight at once. */
    private static List<ProduceFuture> produceBehind(Producer producer, String topic) {
        List<ProduceFuture> futures = new ArrayList<>();
        for (int i = 1; i <= BEHIND; i++) {
            futures.add(producer.produce(ProducerRecord.of(topic, utf8("a" + i)).withPartition(0)));
        }
        return futures;
    }

    private static Producer producer(KafkaProxy proxy, String clientId, OrderingPolicy policy) {
        return Producer.create(ProducerConfig.builder()
                .network(NetworkConfig.builder().bootstrapServers(proxy.bootstrapServers()).clientId(clientId).build())
                .linger(Duration.ZERO).orderingPolicy(policy).build());
    }

    private static void warmUp(Producer producer, String topic) throws Exception {
        producer.produce(ProducerRecord.of(topic, utf8("a0")).withPartition(0)).get(30, TimeUnit.SECONDS);
        producer.produce(ProducerRecord.of(topic, utf8("b0")).withPartition(1)).get(30, TimeUnit.SECONDS);
    }

    private static ProxyRule refuseNextBatchOfPartition0(KafkaProxy proxy, String topic) {
        return proxy.add(ProxyRule.on(ApiKey.PRODUCE).topic(topic).partition(0).times(1)
                .refuseRecords().replaceError(ErrorCode.INVALID_RECORD));
    }

    private static ProxyRule countProducesTo0(KafkaProxy proxy, String topic) {
        return proxy.add(ProxyRule.on(ApiKey.PRODUCE).topic(topic).partition(0).countOnly());
    }

    private static void assertFailedNotPersisted(List<ProduceFuture> futures) {
        for (ProduceFuture f : futures) {
            assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(ProduceException.class)
                    .satisfies(e -> assertThat(((ProduceException) e).persistence())
                            .isEqualTo(Persistence.NOT_PERSISTED));
        }
    }

    private static List<String> values(String prefix, int from, int to) {
        return IntStream.rangeClosed(from, to).mapToObj(i -> prefix + i).toList();
    }

    @Test
    void failPartitionRefusesNewRecordsUntilRecoveredWhileOtherPartitionsFlow(KafkaCluster cluster) throws Exception {
        String topic = "ordering-fail-partition";
        cluster.createTopic(topic, 2, 1);
        TopicPartition p0 = TopicPartition.of(topic, 0);
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers());
             Producer producer = producer(proxy, "fail-partition", OrderingPolicy.failPartition())) {
            warmUp(producer, topic);
            ProxyRule refuse = refuseNextBatchOfPartition0(proxy, topic);

            List<ProduceFuture> behind = produceBehind(producer, topic);

            assertFailedNotPersisted(behind);
            assertThat(refuse.fired()).isEqualTo(1);
            assertThat(behind.get(0)).failsWithin(Duration.ZERO).withThrowableOfType(ExecutionException.class)
                    .withMessageContaining("INVALID_RECORD");
            assertThat(producer.failedPartitions()).containsExactly(p0);
            ProxyRule sentTo0 = countProducesTo0(proxy, topic);
            ProduceFuture refused = producer.produce(ProducerRecord.of(topic, utf8("refused")).withPartition(0));
            assertThat(refused).failsWithin(Duration.ofSeconds(5)).withThrowableOfType(ExecutionException.class)
                    .havingCause().isInstanceOf(PartitionFailedException.class)
                    .withMessageContaining("recoverFailedPartitions");
            producer.produce(ProducerRecord.of(topic, utf8("b1")).withPartition(1)).get(30, TimeUnit.SECONDS);
            assertThat(sentTo0.fired()).as("Produce requests for partition 0 before recovery").isZero();

            assertThat(producer.recoverFailedPartitions(List.of(p0))).containsExactly(p0);
            List<ProduceFuture> after = new ArrayList<>();
            for (String v : values("c", 1, 5)) {
                after.add(producer.produce(ProducerRecord.of(topic, utf8(v)).withPartition(0)));
            }
            for (ProduceFuture f : after) {
                f.get(30, TimeUnit.SECONDS);
            }
            assertThat(producer.failedPartitions()).isEmpty();
        }
        List<String> expected = new ArrayList<>(List.of("a0"));
        expected.addAll(values("c", 1, 5));
        assertThat(Logs.values(cluster.bootstrapServers(), topic, 0, expected.size())).containsExactlyElementsOf(expected);
        assertThat(Logs.values(cluster.bootstrapServers(), topic, 1, 2)).containsExactly("b0", "b1");
    }

    @Test
    void pausePartitionHoldsTheRecordsBehindTheFailureUntilResumedThenSendsThemInOrder(KafkaCluster cluster)
            throws Exception {
        String topic = "ordering-pause-partition";
        cluster.createTopic(topic, 2, 1);
        TopicPartition p0 = TopicPartition.of(topic, 0);
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers());
             Producer producer = producer(proxy, "pause-partition", OrderingPolicy.pausePartition())) {
            warmUp(producer, topic);
            ProxyRule refuse = refuseNextBatchOfPartition0(proxy, topic);

            List<ProduceFuture> behind = produceBehind(producer, topic);

            // The refused batch holds a1 and whatever joined it before it was sent.
            assertFailedNotPersisted(behind.subList(0, 1));
            Thread.sleep(200);
            int refused = 0;
            while (refused < BEHIND && behind.get(refused).isCompletedExceptionally()) {
                refused++;
            }
            assertFailedNotPersisted(behind.subList(0, refused));
            assertThat(behind.subList(refused, BEHIND)).as("held while paused").noneMatch(ProduceFuture::isDone);
            assertThat(refuse.fired()).isEqualTo(1);
            assertThat(producer.pausedPartitions()).containsExactly(p0);
            ProxyRule sentTo0 = countProducesTo0(proxy, topic);
            ProduceFuture held = producer.produce(ProducerRecord.of(topic, utf8("a31")).withPartition(0));
            producer.produce(ProducerRecord.of(topic, utf8("b1")).withPartition(1)).get(30, TimeUnit.SECONDS);
            Thread.sleep(500);
            assertThat(sentTo0.fired()).as("Produce requests for partition 0 while paused").isZero();
            assertThat(held).isNotDone();

            assertThat(producer.resumePartitions(List.of(p0))).containsExactly(p0);
            held.get(30, TimeUnit.SECONDS);
            long previous = -1;
            for (ProduceFuture f : behind.subList(refused, BEHIND)) {
                long offset = f.get(30, TimeUnit.SECONDS).offset();
                assertThat(offset).isGreaterThan(previous);
                previous = offset;
            }
            List<String> expected = new ArrayList<>(List.of("a0"));
            expected.addAll(values("a", refused + 1, BEHIND + 1));
            assertThat(Logs.values(cluster.bootstrapServers(), topic, 0, expected.size()))
                    .containsExactlyElementsOf(expected);
        }
    }

    @Test
    void recordsHeldByAPausedPartitionStillEndAtTheirDeliveryTimeout(KafkaCluster cluster) throws Exception {
        String topic = "ordering-pause-expiry";
        cluster.createTopic(topic, 2, 1);
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers());
             Producer producer = Producer.create(ProducerConfig.builder()
                     .network(NetworkConfig.builder().bootstrapServers(proxy.bootstrapServers()).clientId("pause-expiry")
                             .requestTimeout(Duration.ofSeconds(4)).build())
                     .linger(Duration.ZERO).deliveryTimeout(Duration.ofSeconds(8))
                     .orderingPolicy(OrderingPolicy.pausePartition()).build())) {
            warmUp(producer, topic);
            refuseNextBatchOfPartition0(proxy, topic);
            List<ProduceFuture> behind = produceBehind(producer, topic);
            assertFailedNotPersisted(behind.subList(0, 1));

            ProduceFuture held = producer.produce(ProducerRecord.of(topic, utf8("held")).withPartition(0));

            // Never resumed: the delivery timeout ends what waits, and says it was never sent.
            assertThat(held).failsWithin(Duration.ofSeconds(40)).withThrowableOfType(ExecutionException.class)
                    .withMessageContaining("delivery timeout");
            assertFailedNotPersisted(behind);
        }
    }

    @Test
    void continueFailsWhatWasBehindTheFailureAndTakesNewRecordsAtOnce(KafkaCluster cluster) throws Exception {
        String topic = "ordering-continue";
        cluster.createTopic(topic, 2, 1);
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers());
             Producer producer = producer(proxy, "continue", OrderingPolicy.continueSending())) {
            warmUp(producer, topic);
            ProxyRule refuse = refuseNextBatchOfPartition0(proxy, topic);

            List<ProduceFuture> behind = produceBehind(producer, topic);

            assertFailedNotPersisted(behind);
            assertThat(refuse.fired()).isEqualTo(1);
            assertThat(producer.failedPartitions()).isEmpty();
            assertThat(producer.pausedPartitions()).isEmpty();
            for (String v : values("c", 1, 5)) {
                producer.produce(ProducerRecord.of(topic, utf8(v)).withPartition(0));
            }
            assertThat(producer.flush(Duration.ofSeconds(30))).isTrue();
        }
        List<String> expected = new ArrayList<>(List.of("a0"));
        expected.addAll(values("c", 1, 5));
        assertThat(Logs.values(cluster.bootstrapServers(), topic, 0, expected.size())).containsExactlyElementsOf(expected);
    }

    @Test
    void aPolicyThatThrowsIsTakenAsFailPartition(KafkaCluster cluster) throws Exception {
        String topic = "ordering-throwing-policy";
        cluster.createTopic(topic, 1, 1);
        OrderingPolicy throwing = new OrderingPolicy() {
            @Override
            public String name() {
                return "throwing";
            }

            @Override
            public Action onFailure(dev.josef.kafka.producer.spi.PartitionFailure failure) {
                throw new IllegalStateException("a bug in the application's policy");
            }
        };
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers());
             Producer producer = producer(proxy, "throwing", throwing)) {
            producer.produce(ProducerRecord.of(topic, utf8("a0")).withPartition(0)).get(30, TimeUnit.SECONDS);
            refuseNextBatchOfPartition0(proxy, topic);

            assertFailedNotPersisted(produceBehind(producer, topic));

            assertThat(producer.failedPartitions()).containsExactly(TopicPartition.of(topic, 0));
        }
    }

    /**
     * Audit F2: a record refused because its partition failed calls back on the
     * producing thread. The callback produces to the other partition and waits
     * for it, flushes, and produces synchronously: none of it may wait on a lock
     * the callback's own thread holds (before the fix, the refusal was settled
     * under partition 0's lock, and the sender, draining, waited for that lock:
     * each wait ran into its timeout).
     */
    @Test
    void aCallbackThatProducesAndWaitsWhileItsPartitionIsFailedIsNotBlocked(KafkaCluster cluster) throws Exception {
        String topic = "ordering-callback-waits";
        cluster.createTopic(topic, 2, 1);
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers());
             Producer producer = producer(proxy, "callback-waits", OrderingPolicy.failPartition())) {
            warmUp(producer, topic);
            refuseNextBatchOfPartition0(proxy, topic);
            assertThatThrownBy(() -> producer.produce(ProducerRecord.of(topic, utf8("a1")).withPartition(0))
                    .get(30, TimeUnit.SECONDS)).hasMessageContaining("INVALID_RECORD");
            assertThat(producer.failedPartitions()).containsExactly(TopicPartition.of(topic, 0));

            java.util.concurrent.CompletableFuture<List<Long>> fromCallback = new java.util.concurrent.CompletableFuture<>();
            long start = System.nanoTime();
            producer.produce(ProducerRecord.of(topic, utf8("a2")).withPartition(0), (md, error) -> {
                try {
                    assertThat(error).isInstanceOf(PartitionFailedException.class);
                    long b1 = producer.produce(ProducerRecord.of(topic, utf8("b1")).withPartition(1))
                            .get(10, TimeUnit.SECONDS).offset();
                    producer.produce(ProducerRecord.of(topic, utf8("b2")).withPartition(1));
                    boolean flushed = producer.flush(Duration.ofSeconds(10));
                    List<ProduceResult> sync = producer.produceSync(
                            List.of(ProducerRecord.of(topic, utf8("b3")).withPartition(1)), Duration.ofSeconds(10));
                    fromCallback.complete(List.of(b1, flushed ? 1L : 0L, sync.get(0).persistence()
                            == Persistence.PERSISTED ? sync.get(0).metadata().offset() : -1L));
                } catch (Throwable t) {
                    fromCallback.completeExceptionally(t);
                }
            });
            assertThat(fromCallback.get(60, TimeUnit.SECONDS)).containsExactly(1L, 1L, 3L);
            // Well inside the first 10 s wait that a lock held by the callback's thread would have run into.
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        }
        assertThat(Logs.values(cluster.bootstrapServers(), topic, 1, 4)).containsExactly("b0", "b1", "b2", "b3");
    }

    /**
     * Audit F7, on a real broker: a batch the compression codec cannot encode is
     * a failure for good like any other, so the ordering policy decides
     * (fail-partition here) before anything behind it goes; the other partition
     * keeps producing. Before the fix the batch failed alone and the next
     * record of the partition was sent.
     */
    @Test
    void aBatchTheCodecCannotEncodeGoesThroughThePolicy(KafkaCluster cluster) throws Exception {
        String topic = "ordering-poison";
        cluster.createTopic(topic, 2, 1);
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers());
             Producer producer = Producer.create(ProducerConfig.builder()
                     .network(NetworkConfig.builder().bootstrapServers(proxy.bootstrapServers()).clientId("poison")
                             .build())
                     .linger(Duration.ZERO).compression(new PoisonCodec())
                     .orderingPolicy(OrderingPolicy.failPartition()).build())) {
            warmUp(producer, topic);
            ProduceFuture poisoned = producer.produce(ProducerRecord.of(topic, utf8("poison")).withPartition(0));
            assertThatThrownBy(() -> poisoned.get(30, TimeUnit.SECONDS)).hasMessageContaining("encoding the batch failed");
            assertThat(producer.failedPartitions()).containsExactly(TopicPartition.of(topic, 0));
            assertThatThrownBy(() -> producer.produce(ProducerRecord.of(topic, utf8("a1")).withPartition(0))
                    .get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(PartitionFailedException.class);
            assertThat(producer.produce(ProducerRecord.of(topic, utf8("b1")).withPartition(1))
                    .get(30, TimeUnit.SECONDS).offset()).isEqualTo(1);
        }
        assertThat(Logs.values(cluster.bootstrapServers(), topic, 0, 1)).containsExactly("a0");
        assertThat(Logs.values(cluster.bootstrapServers(), topic, 1, 2)).containsExactly("b0", "b1");
    }
}
