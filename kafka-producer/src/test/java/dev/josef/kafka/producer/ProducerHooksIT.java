package dev.josef.kafka.producer;

import dev.josef.kafka.net.NetworkConfig;
import dev.josef.kafka.producer.spi.ProducerHook;
import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.testkit.KafkaCluster;
import dev.josef.kafka.testkit.KafkaClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.josef.kafka.producer.Logs.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Producer hooks: what they see, in what order, and that a failing hook harms nothing. */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(60)
class ProducerHooksIT {

    /** Adds a trace header in onProduce and records every event. */
    private static final class Recording implements ProducerHook {
        final List<String> events = new CopyOnWriteArrayList<>();
        final List<long[]> latencies = new CopyOnWriteArrayList<>();
        final AtomicInteger batchRecords = new AtomicInteger();

        @Override
        public ProducerRecord onProduce(String clientId, ProducerRecord record) {
            return record.withHeader("trace", utf8("t-" + text(record.value())));
        }

        @Override
        public void onBuffered(String clientId, ProducerRecord record, TopicPartition partition, int bytes) {
            events.add("buffered " + text(record.value()) + " " + partition.partition());
        }

        @Override
        public void onBatchSent(String clientId, TopicPartition partition, int records, int bytes, int attempt) {
            // A hook's exception is only logged: asserting first keeps a bad size from counting, which fails the test.
            assertThat(bytes).isPositive();
            batchRecords.addAndGet(records);
        }

        @Override
        public void onAcknowledged(String clientId, ProducerRecord record, RecordMetadata metadata, long bufferNanos,
                                   long inFlightNanos) {
            events.add("acknowledged " + text(record.value()) + " @" + metadata.offset());
            latencies.add(new long[] {bufferNanos, inFlightNanos});
        }

        @Override
        public void onFailed(String clientId, ProducerRecord record, Throwable error, long bufferNanos,
                             long inFlightNanos) {
            events.add("failed " + record.topic() + " " + error.getClass().getSimpleName());
        }
    }

    /** Fails every call; the producer must carry on as if it were not there. */
    private static final class Broken implements ProducerHook {
        @Override
        public int order() {
            return -1;
        }

        @Override
        public ProducerRecord onProduce(String clientId, ProducerRecord record) {
            throw new IllegalStateException("broken hook");
        }

        @Override
        public void onAcknowledged(String clientId, ProducerRecord record, RecordMetadata metadata, long bufferNanos,
                                   long inFlightNanos) {
            throw new IllegalStateException("broken hook");
        }
    }

    /**
     * As in kafka-clients, batch.size bounds a compressed batch's size on the wire,
     * not its records before compression: records that compress well fill batches
     * with more than batch.size bytes of them.
     */
    @Test
    void compressedBatchesAreSizedByWhatTheyTakeOnTheWire(KafkaCluster cluster) throws Exception {
        String topic = "hooks-compressed-batches";
        cluster.createTopic(topic, 1, 1);
        List<int[]> batches = new CopyOnWriteArrayList<>();
        ProducerHook sizes = new ProducerHook() {
            @Override
            public void onBatchSent(String clientId, TopicPartition partition, int records, int bytes, int attempt) {
                batches.add(new int[] {records, bytes});
            }
        };
        ProducerConfig config = ProducerConfig.builder()
                .network(NetworkConfig.builder().bootstrapServers(cluster.bootstrapServers()).build())
                .compression(dev.josef.kafka.protocol.CompressionCodecs.installed().byName("gzip"))
                .batchSize(4096).linger(Duration.ofSeconds(1)).hook(sizes).build();
        try (Producer producer = Producer.create(config)) {
            for (int i = 0; i < 200; i++) {
                producer.produce(ProducerRecord.of(topic, utf8(("record " + i + " ").repeat(40))));
            }
            assertThat(producer.flush(Duration.ofSeconds(30))).isTrue();
        }
        // About 400 bytes a record: 10 fill 4 KiB uncompressed; the producer learns that gzip shrinks them.
        assertThat(batches.stream().mapToInt(b -> b[0]).max().orElse(0)).isGreaterThanOrEqualTo(20);
        assertThat(batches).allSatisfy(b -> assertThat(b[1]).isLessThan(2 * 4096));
        assertThat(batches.stream().mapToInt(b -> b[0]).sum()).isEqualTo(200);
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Test
    void hooksSeeEveryRecordAndBatchWithItsLatencyAndMayAddHeaders(KafkaCluster cluster) throws Exception {
        String topic = "hooks";
        cluster.createTopic(topic, 1, 1);
        Recording hook = new Recording();
        ProducerConfig config = ProducerConfig.builder()
                .network(NetworkConfig.builder().bootstrapServers(cluster.bootstrapServers()).clientId("hooks")
                        .build())
                .hook(hook).hook(new Broken()).build();
        try (Producer producer = Producer.create(config)) {
            List<ProduceFuture> futures = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                futures.add(producer.produce(ProducerRecord.of(topic, utf8("v" + i))));
            }
            for (ProduceFuture f : futures) {
                f.get(30, TimeUnit.SECONDS);
            }
            // Refused at the call (the topic has one partition): onFailed runs on this thread.
            ProduceFuture refused = producer.produce(ProducerRecord.of(topic, utf8("x")).withPartition(7));
            assertThatThrownBy(() -> refused.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("there is no partition 7");
        }
        assertThat(hook.events).containsExactly(
                "buffered v0 0", "buffered v1 0", "buffered v2 0",
                "acknowledged v0 @0", "acknowledged v1 @1", "acknowledged v2 @2",
                "failed hooks ProduceException");
        assertThat(hook.batchRecords.get()).isEqualTo(3);
        assertThat(hook.latencies).allSatisfy(l -> {
            assertThat(l[0]).as("time in buffer").isNotNegative();
            assertThat(l[1]).as("time in flight").isPositive();
        });
        Map<String, Object> props = Map.of("bootstrap.servers", cluster.bootstrapServers(), "enable.auto.commit", false);
        List<String> traces = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            org.apache.kafka.common.TopicPartition tp = new org.apache.kafka.common.TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (traces.size() < 3 && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    traces.add(text(r.headers().lastHeader("trace").value()));
                }
            }
        }
        assertThat(traces).containsExactly("t-v0", "t-v1", "t-v2");
    }
}
