package dev.josef.kafka.producer;

import dev.josef.kafka.net.NetworkConfig;
import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.testkit.KafkaCluster;
import dev.josef.kafka.testkit.KafkaClusterExtension;
import dev.josef.kafka.testkit.KafkaProxy;
import dev.josef.kafka.testkit.ProxyRule;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Retries through the kit's proxy: injected retriable errors and connections cut
 * after the broker got the request. Idempotence must leave every record in the
 * log exactly once, in the order produced per partition, at the offset its
 * future reported.
 */
@ExtendWith(KafkaClusterExtension.class)
class ProducerFaultsIT {

    /**
     * Produce v13 answers name topics by id only. Two topics' partition 0 in one
     * request, one of them refused: each batch must get its own topic's answer.
     */
    @Test
    void eachBatchGetsItsOwnTopicsAnswerWhenTopicsShareAPartitionIndex(KafkaCluster cluster) throws Exception {
        cluster.createTopic("answers-a", 1, 1);
        cluster.createTopic("answers-b", 1, 1);
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers())) {
            ProducerConfig config = ProducerConfig.builder()
                    .network(NetworkConfig.builder().bootstrapServers(proxy.bootstrapServers()).clientId("answers").build())
                    .linger(Duration.ofSeconds(10)).build();
            try (Producer producer = Producer.create(config)) {
                producer.produce(ProducerRecord.of("answers-a", "warm-up".getBytes(StandardCharsets.UTF_8)));
                producer.produce(ProducerRecord.of("answers-b", "warm-up".getBytes(StandardCharsets.UTF_8)));
                assertThat(producer.flush(Duration.ofSeconds(30))).isTrue();
                ProxyRule refuseB = proxy.add(ProxyRule.on(ApiKey.PRODUCE).topic("answers-b").partition(0).times(1)
                        .refuseRecords().replaceError(ErrorCode.INVALID_RECORD));
                ProxyRule carryingA = proxy.add(ProxyRule.on(ApiKey.PRODUCE).topic("answers-a").countOnly());

                ProduceFuture a = producer.produce(ProducerRecord.of("answers-a", "a1".getBytes(StandardCharsets.UTF_8)));
                ProduceFuture b = producer.produce(ProducerRecord.of("answers-b", "b1".getBytes(StandardCharsets.UTF_8)));
                // Both batches wait for the 10 s linger; flush makes them ready in the same drain, so one
                // request to the one broker carries both.
                assertThat(producer.flush(Duration.ofSeconds(30))).isTrue();

                assertThat(a.get(30, TimeUnit.SECONDS).offset()).isEqualTo(1);
                assertThat(b).failsWithin(Duration.ofSeconds(30)).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                        .withMessageContaining("INVALID_RECORD");
                assertThat(refuseB.fired()).isEqualTo(1);
                assertThat(carryingA.fired()).as("requests carrying a1").isEqualTo(1);
            }
        }
    }

    /**
     * A broker with no state for a producer on a partition takes any sequence as
     * its first (the state may have gone with retention). So when the first batch
     * is refused retriably (a new topic's leader that has not taken the partition
     * up yet) and the pipelined second one is taken, the second overtakes the
     * first, and the first, sent again, is OUT_OF_ORDER_SEQUENCE_NUMBER for good:
     * kafka-clients' producer does this. Josef sends a partition's first batch
     * alone until the broker acknowledged one.
     */
    @Test
    void aRefusedFirstBatchIsNotOvertakenByTheOnesPipelinedBehindIt(KafkaCluster cluster) throws Exception {
        String topic = "producer-first-batch";
        cluster.createTopic(topic, 1, 1);
        int count = 400;
        List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers())) {
            // Refused as by a leader that has not taken the partition up, and answered late, so the batches
            // behind it are at the broker before the producer hears.
            ProxyRule refused = proxy.add(ProxyRule.on(ApiKey.PRODUCE).topic(topic).partition(0).times(1)
                    .refuseRecords().replaceError(ErrorCode.NOT_LEADER_OR_FOLLOWER).delay(Duration.ofMillis(500)));
            ProxyRule produces = proxy.add(ProxyRule.on(ApiKey.PRODUCE).topic(topic).countOnly());
            ProducerConfig config = ProducerConfig.builder()
                    .network(NetworkConfig.builder().bootstrapServers(proxy.bootstrapServers()).clientId("first-batch")
                            .retryBackoff(Duration.ofMillis(20)).build())
                    .batchSize(1024).linger(Duration.ZERO).build();
            try (Producer producer = Producer.create(config)) {
                for (int i = 0; i < count; i++) {
                    futures.add(producer.produce(ProducerRecord.of(topic, ("v" + i + "-" + "x".repeat(90))
                            .getBytes(StandardCharsets.UTF_8))));
                }
                assertThat(producer.flush(Duration.ofSeconds(60))).isTrue();
            }
            assertThat(refused.fired()).isEqualTo(1);
            assertThat(produces.fired()).as("Produce requests").isGreaterThan(5);
        }
        List<String> produced = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            RecordMetadata m = futures.get(i).get(0, TimeUnit.SECONDS);
            assertThat(m.offset()).as("offset of record " + i).isEqualTo(i);
            produced.add("v" + i);
        }
        List<String> consumed = new ArrayList<>();
        Map<String, Object> props = Map.of("bootstrap.servers", cluster.bootstrapServers(), "enable.auto.commit", false);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> all = List.of(new TopicPartition(topic, 0));
            consumer.assign(all);
            consumer.seekToBeginning(all);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (consumed.size() < count && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    consumed.add(new String(r.value(), StandardCharsets.UTF_8).split("-")[0]);
                }
            }
        }
        assertThat(consumed).as("the log, in the order produced").isEqualTo(produced);
    }

    @Test
    void retriesLoseNothingDuplicateNothingAndKeepOrder(KafkaCluster cluster) throws Exception {
        String topic = "producer-faults";
        cluster.createTopic(topic, 3, 1);
        int count = 3000;
        List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers())) {
            ProxyRule notLeader = proxy.add(ProxyRule.on(ApiKey.PRODUCE).topic(topic)
                    .replaceError(ErrorCode.NOT_LEADER_OR_FOLLOWER).times(4));
            ProxyRule cut = proxy.add(ProxyRule.on(ApiKey.PRODUCE).topic(topic).cutAfterRequest().times(3));
            ProducerConfig config = ProducerConfig.builder()
                    .network(NetworkConfig.builder().bootstrapServers(proxy.bootstrapServers()).clientId("faults")
                            .retryBackoff(Duration.ofMillis(20)).build())
                    .batchSize(4096).linger(Duration.ofMillis(2)).build();
            try (Producer producer = Producer.create(config)) {
                for (int i = 0; i < count; i++) {
                    futures.add(producer.produce(ProducerRecord.of(topic,
                            ("k" + i % 50).getBytes(StandardCharsets.UTF_8), ("v" + i).getBytes(StandardCharsets.UTF_8))));
                }
                assertThat(producer.flush(Duration.ofSeconds(60))).isTrue();
            }
            assertThat(notLeader.fired()).isEqualTo(4);
            assertThat(cut.fired()).isEqualTo(3);
        }
        Map<Integer, List<String>> produced = new HashMap<>();
        Map<String, Long> offsetOf = new HashMap<>();
        for (int i = 0; i < count; i++) {
            RecordMetadata m = futures.get(i).get(0, TimeUnit.SECONDS);
            produced.computeIfAbsent(m.partition(), p -> new ArrayList<>()).add("v" + i);
            offsetOf.put("v" + i, m.offset());
        }
        Map<Integer, List<String>> consumed = new HashMap<>();
        Map<String, Long> consumedOffset = new HashMap<>();
        Map<String, Object> props = Map.of("bootstrap.servers", cluster.bootstrapServers(), "enable.auto.commit", false);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> all = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1),
                    new TopicPartition(topic, 2));
            consumer.assign(all);
            consumer.seekToBeginning(all);
            int read = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (read < count && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    String value = new String(r.value(), StandardCharsets.UTF_8);
                    consumed.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(value);
                    consumedOffset.put(value, r.offset());
                    read++;
                }
            }
        }
        assertThat(consumed).as("per partition: every record once, in the order produced").isEqualTo(produced);
        assertThat(consumedOffset).as("the offset each future reported").isEqualTo(offsetOf);
    }
}
