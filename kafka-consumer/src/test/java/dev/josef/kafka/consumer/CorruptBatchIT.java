package dev.josef.kafka.consumer;

import dev.josef.kafka.consumer.spi.BatchCorruptionHandler;
import dev.josef.kafka.consumer.spi.CorruptBatch;
import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.KafkaException;
import dev.josef.kafka.protocol.RetriableBrokerException;
import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.testkit.KafkaCluster;
import dev.josef.kafka.testkit.KafkaClusterExtension;
import dev.josef.kafka.testkit.KafkaProxy;
import dev.josef.kafka.testkit.ProxyRule;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.josef.kafka.consumer.ConsumerIT.bytes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Behaviour 4 of DESIGN.md: a fetched batch that fails its CRC or will not
 * decompress is reported with its offsets, and skipped or stopped at as the
 * handler says, while other partitions keep flowing. The kit's proxy breaks the
 * first batch of partition 0's next Fetch answer on its way to the consumer.
 *
 * <p>Partition 0 holds three batches of ten records (offsets 0-9, 10-19, 20-29);
 * the consumer starts at offset 10, so the broken batch is the middle one.
 * Also: a broker that answers CORRUPT_MESSAGE for a partition, every time.
 */
@ExtendWith(KafkaClusterExtension.class)
class CorruptBatchIT {

    private static void writeThreeBatchesEach(KafkaCluster cluster, String topic, String compression) throws Exception {
        cluster.createTopic(topic, 2, 1);
        try (KafkaProducer<byte[], byte[]> producer = ConsumerIT.kafkaProducer(cluster,
                // A long linger: only the flush sends, so each group of ten is exactly one batch.
                Map.of("compression.type", compression, "linger.ms", 10_000))) {
            for (int batch = 0; batch < 3; batch++) {
                for (int i = 0; i < 10; i++) {
                    int n = batch * 10 + i;
                    producer.send(new ProducerRecord<>(topic, 0, null, bytes("p0-" + n)));
                    producer.send(new ProducerRecord<>(topic, 1, null, bytes("p1-" + n)));
                }
                producer.flush();
            }
        }
    }

    /** Records by partition and the errors, until {@code p1} has all 30 and p0 has {@code p0Records}. */
    private static Map<Integer, List<Long>> pollUntil(Consumer consumer, int p0Records, List<KafkaException> errors) {
        List<Long> p0 = new ArrayList<>();
        List<Long> p1 = new ArrayList<>();
        for (int i = 0; i < 100 && (p0.size() < p0Records || p1.size() < 30); i++) {
            ConsumerRecords polled = consumer.poll(Duration.ofMillis(100));
            errors.addAll(polled.errors().values());
            for (ConsumerRecord r : polled) {
                (r.partition() == 0 ? p0 : p1).add(r.offset());
            }
        }
        return Map.of(0, p0, 1, p1);
    }

    private static List<Long> offsets(long from, long to) {
        List<Long> list = new ArrayList<>();
        for (long i = from; i < to; i++) {
            list.add(i);
        }
        return list;
    }

    @Test
    void aBatchWithABrokenCrcIsReportedWithItsOffsetsAndSkipped(KafkaCluster cluster) throws Exception {
        String topic = "corrupt-crc-skip";
        writeThreeBatchesEach(cluster, topic, "none");
        List<CorruptBatch> handled = new CopyOnWriteArrayList<>();
        BatchCorruptionHandler recording = new BatchCorruptionHandler() {
            @Override
            public String name() {
                return "recording-skip";
            }

            @Override
            public Decision onCorruptBatch(CorruptBatch batch) {
                handled.add(batch);
                return Decision.SKIP;
            }
        };
        TopicPartition p0 = new TopicPartition(topic, 0);
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers());
             Consumer consumer = Consumer.create(ConsumerIT.config(proxy.bootstrapServers(), "crc-skip")
                     .batchCorruptionHandler(recording).build())) {
            ProxyRule corrupt = proxy.add(ProxyRule.on(ApiKey.FETCH).topic(topic).partition(0).times(1).corruptBatchCrc());
            consumer.assign(List.of(p0, new TopicPartition(topic, 1)));
            consumer.seek(p0, 10);
            List<KafkaException> errors = new ArrayList<>();
            Map<Integer, List<Long>> read = pollUntil(consumer, 10, errors);

            assertThat(corrupt.fired()).isEqualTo(1);
            assertThat(errors).hasSize(1);
            CorruptBatchException error = (CorruptBatchException) errors.get(0);
            assertThat(error.partition()).isEqualTo(p0);
            assertThat(error.baseOffset()).isEqualTo(10);
            assertThat(error.nextOffset()).isEqualTo(20);
            assertThat(error.skipped()).isTrue();
            assertThat(error).hasMessageContaining("10..19").hasMessageContaining("checksum");
            assertThat(read.get(0)).as("the records after the batch").containsExactlyElementsOf(offsets(20, 30));
            assertThat(read.get(1)).as("the other partition").containsExactlyElementsOf(offsets(0, 30));
            assertThat(handled).singleElement().satisfies(b -> {
                assertThat(b.baseOffset()).isEqualTo(10);
                assertThat(b.nextOffset()).isEqualTo(20);
                assertThat(b.bytes().remaining()).isPositive();
            });
            assertThat(consumer.position(p0)).isEqualTo(30);
        }
    }

    @Test
    void aBatchThatWillNotDecompressStopsItsPartitionUntilASeek(KafkaCluster cluster) throws Exception {
        String topic = "corrupt-payload-stop";
        writeThreeBatchesEach(cluster, topic, "lz4");
        TopicPartition p0 = new TopicPartition(topic, 0);
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers());
             Consumer consumer = Consumer.create(ConsumerIT.config(proxy.bootstrapServers(), "payload-stop")
                     .batchCorruptionHandler(BatchCorruptionHandler.stop()).build())) {
            ProxyRule corrupt = proxy.add(ProxyRule.on(ApiKey.FETCH).topic(topic).partition(0).times(1)
                    .corruptBatchPayload());
            consumer.assign(List.of(p0, new TopicPartition(topic, 1)));
            consumer.seek(p0, 10);
            List<KafkaException> errors = new ArrayList<>();
            Map<Integer, List<Long>> read = pollUntil(consumer, 1, errors);

            assertThat(corrupt.fired()).isEqualTo(1);
            assertThat(errors).singleElement().isInstanceOfSatisfying(CorruptBatchException.class, e -> {
                assertThat(e.baseOffset()).isEqualTo(10);
                assertThat(e.nextOffset()).isEqualTo(20);
                assertThat(e.skipped()).isFalse();
                assertThat(e).hasMessageContaining("until the application seeks");
            });
            assertThat(read.get(0)).as("nothing after the batch until a seek").isEmpty();
            assertThat(read.get(1)).as("the other partition").containsExactlyElementsOf(offsets(0, 30));
            assertThat(consumer.position(p0)).isEqualTo(10);
            assertThat(consumer.poll(Duration.ofMillis(500)).isEmpty()).isTrue();

            consumer.seek(p0, 20);
            List<Long> after = new ArrayList<>();
            for (int i = 0; i < 200 && after.size() < 10; i++) {
                ConsumerRecords polled = consumer.poll(Duration.ofMillis(100));
                assertThat(polled.errors()).isEmpty();
                polled.records(p0).forEach(r -> after.add(r.offset()));
            }
            assertThat(after).containsExactlyElementsOf(offsets(20, 30));
        }
    }

    @Test
    void aBatchPastTheDecompressionCapIsReportedTheSameWay(KafkaCluster cluster) throws Exception {
        String topic = "corrupt-decompression-cap";
        cluster.createTopic(topic, 1, 1);
        try (KafkaProducer<byte[], byte[]> producer = ConsumerIT.kafkaProducer(cluster,
                Map.of("compression.type", "zstd", "batch.size", 1_000_000, "linger.ms", 1000))) {
            producer.send(new ProducerRecord<>(topic, 0, null, bytes("small"))).get();
            for (int i = 0; i < 20; i++) {
                producer.send(new ProducerRecord<>(topic, 0, null, new byte[10_000])); // compresses to almost nothing
            }
            producer.flush();
            producer.send(new ProducerRecord<>(topic, 0, null, bytes("after"))).get();
        }
        TopicPartition tp = new TopicPartition(topic, 0);
        try (Consumer consumer = Consumer.create(ConsumerIT.config(cluster.bootstrapServers(), "cap")
                .maxDecompressedBytes(50_000).build())) {
            consumer.assign(List.of(tp));
            List<String> values = new ArrayList<>();
            List<KafkaException> errors = new ArrayList<>();
            for (int i = 0; i < 100 && !values.contains("after"); i++) {
                ConsumerRecords polled = consumer.poll(Duration.ofMillis(100));
                errors.addAll(polled.errors().values());
                polled.forEach(r -> values.add(ConsumerIT.text(r.value())));
            }
            assertThat(values).containsExactly("small", "after");
            assertThat(errors).singleElement().isInstanceOfSatisfying(CorruptBatchException.class, e -> {
                assertThat(e.baseOffset()).isEqualTo(1);
                assertThat(e.nextOffset()).isEqualTo(21);
                assertThat(e.skipped()).isTrue();
                assertThat(e).hasMessageContaining("50000");
            });
        }
    }

    @Test
    void aPartitionTheBrokerCannotReadIsReportedAndFetchedAgainWhileTheOtherFlows(KafkaCluster cluster)
            throws Exception {
        String topic = "corrupt-at-broker";
        writeThreeBatchesEach(cluster, topic, "none");
        TopicPartition p0 = new TopicPartition(topic, 0);
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers());
             Consumer consumer = Consumer.create(ConsumerIT.config(proxy.bootstrapServers(), "corrupt-at-broker")
                     .build())) {
            // What a broker answers, every time, when its scan of the segment meets a batch it cannot frame.
            ProxyRule corrupt = proxy.add(ProxyRule.on(ApiKey.FETCH).topic(topic).partition(0)
                    .replaceError(ErrorCode.CORRUPT_MESSAGE));
            consumer.assign(List.of(p0, new TopicPartition(topic, 1)));
            consumer.seek(p0, 10);

            long start = System.nanoTime();
            long firstError = -1;
            List<KafkaException> errors = new ArrayList<>();
            List<Long> p0Read = new ArrayList<>();
            List<Long> p1Read = new ArrayList<>();
            // Six seconds of polling: the first report, then retries reported as they fail.
            while (System.nanoTime() - start < 6_000_000_000L) {
                ConsumerRecords polled = consumer.poll(Duration.ofMillis(100));
                if (!polled.errors().isEmpty() && firstError < 0) {
                    firstError = System.nanoTime() - start;
                }
                errors.addAll(polled.errors().values());
                polled.forEach(r -> (r.partition() == 0 ? p0Read : p1Read).add(r.offset()));
            }

            assertThat(firstError).as("an error within seconds").isBetween(0L, 3_000_000_000L);
            assertThat(errors).allSatisfy(e -> {
                assertThat(e).isInstanceOfSatisfying(RetriableBrokerException.class,
                        r -> assertThat(r.errorCode()).isEqualTo(ErrorCode.CORRUPT_MESSAGE));
                assertThat(e).hasMessageContaining("CORRUPT_MESSAGE").hasMessageContaining(p0.toString())
                        .hasMessageContaining("broker ").hasMessageContaining("offset 10");
            });
            assertThat(consumer.position(p0)).isEqualTo(10);
            assertThat(p0Read).isEmpty();
            assertThat(p1Read).as("the other partition").containsExactlyElementsOf(offsets(0, 30));
            // Fetched again after a backoff (100 ms doubling to 1 s), each failure reported: not a silent spin,
            // and not a flood either.
            assertThat(corrupt.fired()).isBetween(3, 15);
            assertThat(errors).hasSizeBetween(3, corrupt.fired());

            proxy.remove(corrupt);
            List<Long> after = new ArrayList<>();
            for (int i = 0; i < 200 && after.size() < 20; i++) {
                consumer.poll(Duration.ofMillis(100)).records(p0).forEach(r -> after.add(r.offset()));
            }
            assertThat(after).as("read once the broker can serve it").containsExactlyElementsOf(offsets(10, 30));
        }
    }
}
