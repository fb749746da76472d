package dev.josef.kafka.producer;

import dev.josef.kafka.net.NetworkConfig;
import dev.josef.kafka.protocol.CompressionCodecs;
import dev.josef.kafka.protocol.Header;
import dev.josef.kafka.testkit.KafkaCluster;
import dev.josef.kafka.testkit.KafkaClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The producer against a real broker, checked through kafka-clients' consumer. */
@ExtendWith(KafkaClusterExtension.class)
class ProducerIT {

    private static ProducerConfig.Builder config(KafkaCluster cluster) {
        return ProducerConfig.builder().network(NetworkConfig.builder().bootstrapServers(cluster.bootstrapServers())
                .clientId("producer-it").build());
    }

    /** What was produced, as the consumer should see it. */
    record Sent(int partition, long offset, long timestamp, String key, String value, List<String> headers) {
    }

    @ParameterizedTest(name = "compression {0}")
    @ValueSource(strings = {"none", "zstd"})
    void everyRecordIsReadBackByKafkaClientsAtTheOffsetItsFutureReported(String compression, KafkaCluster cluster)
            throws Exception {
        String topic = "producer-it-readback-" + compression;
        cluster.createTopic(topic, 3, 1);
        List<Sent> expected = new ArrayList<>();
        try (Producer producer = Producer.create(config(cluster)
                .compression(CompressionCodecs.installed().byName(compression)).build())) {
            List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
            List<dev.josef.kafka.producer.ProducerRecord> records = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                byte[] key = i % 4 == 0 ? null : ("key-" + (i % 37)).getBytes(StandardCharsets.UTF_8);
                dev.josef.kafka.producer.ProducerRecord r = dev.josef.kafka.producer.ProducerRecord
                        .of(topic, key, ("value-" + i).getBytes(StandardCharsets.UTF_8))
                        .withTimestamp(1_700_000_000_000L + i);
                if (i % 3 == 0) {
                    r = r.withHeader("n", String.valueOf(i).getBytes(StandardCharsets.UTF_8));
                }
                records.add(r);
                futures.add(producer.produce(r));
            }
            assertThat(producer.flush(Duration.ofSeconds(30))).as(producer::toString).isTrue();
            for (int i = 0; i < records.size(); i++) {
                RecordMetadata m = futures.get(i).get(0, TimeUnit.SECONDS);
                dev.josef.kafka.producer.ProducerRecord r = records.get(i);
                assertThat(m.topic()).isEqualTo(topic);
                assertThat(m.timestamp()).isEqualTo(r.timestamp());
                expected.add(new Sent(m.partition(), m.offset(), m.timestamp(), text(r.key()), text(r.value()),
                        r.headers().stream().map(h -> h.key() + "=" + text(h.value())).toList()));
            }
        }
        List<Sent> read = consume(cluster, topic, 3, expected.size());
        assertThat(read).containsExactlyInAnyOrderElementsOf(expected);
        // Per partition, offsets rise from 0 without gaps: nothing lost, nothing twice.
        for (int p = 0; p < 3; p++) {
            int partition = p;
            List<Long> offsets = read.stream().filter(s -> s.partition() == partition).map(Sent::offset).sorted().toList();
            for (int i = 0; i < offsets.size(); i++) {
                assertThat(offsets.get(i)).isEqualTo(i);
            }
        }
    }

    @Test
    void recordsProducedWhileTheirTopicIsLookedUpKeepTheirOrder(KafkaCluster cluster) throws Exception {
        String topic = "producer-it-order-during-lookup";
        cluster.createTopic(topic, 1, 1);
        int count = 20_000;
        try (Producer producer = Producer.create(config(cluster).build())) {
            // The first records find no metadata and wait; later ones arrive once it is known.
            for (int i = 0; i < count; i++) {
                producer.produce(dev.josef.kafka.producer.ProducerRecord.of(topic,
                        ("v" + i).getBytes(StandardCharsets.UTF_8)));
            }
            assertThat(producer.flush(Duration.ofSeconds(60))).isTrue();
        }
        List<String> read = consume(cluster, topic, 1, count).stream().map(Sent::value).toList();
        assertThat(read).containsExactlyElementsOf(
                java.util.stream.IntStream.range(0, count).mapToObj(i -> "v" + i).toList());
    }

    @Test
    void keyedRecordsLandOnThePartitionKafkaClientsPicks(KafkaCluster cluster) throws Exception {
        String ours = "producer-it-keys-josef";
        String theirs = "producer-it-keys-kafka";
        cluster.createTopic(ours, 5, 1);
        cluster.createTopic(theirs, 5, 1);
        Map<String, Integer> josef = new HashMap<>();
        try (Producer producer = Producer.create(config(cluster).build())) {
            for (int i = 0; i < 300; i++) {
                String key = "customer-" + i * 7919;
                josef.put(key, producer.produce(dev.josef.kafka.producer.ProducerRecord.of(ours,
                        key.getBytes(StandardCharsets.UTF_8), new byte[] {1})).get(30, TimeUnit.SECONDS).partition());
            }
        }
        Map<String, Object> props = Map.of("bootstrap.servers", cluster.bootstrapServers());
        try (KafkaProducer<byte[], byte[]> kafka = new KafkaProducer<>(props, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (Map.Entry<String, Integer> e : josef.entrySet()) {
                int partition = kafka.send(new ProducerRecord<>(theirs, e.getKey().getBytes(StandardCharsets.UTF_8),
                        new byte[] {1})).get(30, TimeUnit.SECONDS).partition();
                assertThat(e.getValue()).as("partition of %s", e.getKey()).isEqualTo(partition);
            }
        }
    }

    /**
     * As kafka-clients' producer: its metadata requests let the broker create a
     * topic that does not exist ({@code auto.create.topics.enable}, on by
     * default, as on the kit's shared cluster), so the records are written.
     * {@link MissingTopicIT} has the broker that refuses.
     */
    @Test
    void aRecordForATopicThatDoesNotExistHasTheBrokerCreateIt(KafkaCluster cluster) throws Exception {
        String topic = "producer-it-auto-created";
        try (Producer producer = Producer.create(config(cluster).build())) {
            List<ProduceFuture> futures = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                futures.add(producer.produce(dev.josef.kafka.producer.ProducerRecord.of(topic,
                        ("v" + i).getBytes(StandardCharsets.UTF_8))));
            }
            for (int i = 0; i < futures.size(); i++) {
                assertThat(futures.get(i).get(60, TimeUnit.SECONDS).offset()).isEqualTo(i);
            }
        }
        assertThat(Logs.values(cluster.bootstrapServers(), topic, 0, 20))
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 20).mapToObj(i -> "v" + i).toList());
    }

    /**
     * A topic whose max.message.bytes is smaller than the producer's batches: the
     * broker answers MESSAGE_TOO_LARGE, the producer splits the batch until the
     * halves fit, and every record lands once, in order. A single record over the
     * limit fails alone, with a message that names the reason.
     */
    @Test
    void batchesTheBrokerFindsTooLargeAreSplitAndARecordTooLargeFailsAlone(KafkaCluster cluster) throws Exception {
        String topic = "producer-it-split";
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                Map.of("bootstrap.servers", cluster.bootstrapServers()))) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(topic, 1, (short) 1)
                    .configs(Map.of("max.message.bytes", "3000")))).all().get(30, TimeUnit.SECONDS);
        }
        List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
        CompletableFuture<RecordMetadata> tooLarge;
        try (Producer producer = Producer.create(config(cluster).linger(Duration.ofMillis(200)).batchSize(64 * 1024)
                .build())) {
            for (int i = 0; i < 40; i++) {
                futures.add(producer.produce(dev.josef.kafka.producer.ProducerRecord.of(topic,
                        ("v" + i + "-" + "x".repeat(400)).getBytes(StandardCharsets.UTF_8))));
            }
            assertThat(producer.flush(Duration.ofSeconds(30))).isTrue();
            tooLarge = producer.produce(dev.josef.kafka.producer.ProducerRecord.of(topic, new byte[5000]));
            assertThatThrownBy(() -> tooLarge.get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("too large");
            futures.add(producer.produce(dev.josef.kafka.producer.ProducerRecord.of(topic,
                    ("v40-" + "x".repeat(400)).getBytes(StandardCharsets.UTF_8))));
            assertThat(producer.flush(Duration.ofSeconds(30))).isTrue();
        }
        assertThat(((ProduceException) causeOf(tooLarge)).persistence()).isEqualTo(Persistence.NOT_PERSISTED);
        for (int i = 0; i < futures.size(); i++) {
            assertThat(futures.get(i).get().offset()).isEqualTo(i);
        }
        assertThat(consume(cluster, topic, 1, 41)).extracting(sent -> sent.value().substring(0, sent.value().indexOf('-')))
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 41).mapToObj(i -> "v" + i).toList());
    }

    @Test
    void badInputFailsAtTheCallAndTheProducerKeepsWorking(KafkaCluster cluster) throws Exception {
        String topic = "producer-it-bad-input";
        cluster.createTopic(topic, 1, 1);
        Producer producer = Producer.create(config(cluster).maxRequestSize(10_000).build());
        try {
            assertThatThrownBy(() -> producer.produce(null)).isInstanceOf(NullPointerException.class);
            assertThatThrownBy(() -> producer.produce(dev.josef.kafka.producer.ProducerRecord.of("bad topic!", new byte[1])))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("character ' '");
            assertThatThrownBy(() -> producer.produce(dev.josef.kafka.producer.ProducerRecord.of(topic, new byte[20_000])))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxRequestSize 10000");
            CompletableFuture<RecordMetadata> noSuchPartition = producer.produce(
                    dev.josef.kafka.producer.ProducerRecord.of(topic, new byte[1]).withPartition(7));
            assertThatThrownBy(() -> noSuchPartition.get(30, TimeUnit.SECONDS))
                    .hasMessageContaining("there is no partition 7");
            RecordMetadata fine = producer.produce(dev.josef.kafka.producer.ProducerRecord.of(topic, new byte[] {1}))
                    .get(30, TimeUnit.SECONDS);
            assertThat(fine.offset()).isZero();
        } finally {
            producer.close();
        }
        assertThatThrownBy(() -> producer.produce(dev.josef.kafka.producer.ProducerRecord.of(topic, new byte[1])))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void tryProduceFailsAtOnceWhenTheBufferIsFull(KafkaCluster cluster) throws Exception {
        String topic = "producer-it-full";
        cluster.createTopic(topic, 1, 1);
        try (Producer producer = Producer.create(config(cluster).maxBufferedRecords(2)
                .linger(Duration.ofSeconds(10)).batchSize(1 << 20).build())) {
            producer.tryProduce(dev.josef.kafka.producer.ProducerRecord.of(topic, new byte[1]));
            producer.tryProduce(dev.josef.kafka.producer.ProducerRecord.of(topic, new byte[1]));
            CompletableFuture<RecordMetadata> third = producer.tryProduce(
                    dev.josef.kafka.producer.ProducerRecord.of(topic, new byte[1]));
            assertThat(third).isCompletedExceptionally();
            assertThat(((ProduceException) causeOf(third)).persistence()).isEqualTo(Persistence.NOT_PERSISTED);
            assertThatThrownBy(third::join).hasMessageContaining("buffer is full");
            assertThat(producer.flush(Duration.ofSeconds(30))).isTrue();
        }
    }

    @Test
    void acksZeroRecordsArriveWithoutOffsets(KafkaCluster cluster) throws Exception {
        String topic = "producer-it-acks-zero";
        cluster.createTopic(topic, 1, 1);
        try (Producer producer = Producer.create(config(cluster).acks(Acks.NONE).build())) {
            List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                futures.add(producer.produce(dev.josef.kafka.producer.ProducerRecord.of(topic,
                        ("v" + i).getBytes(StandardCharsets.UTF_8)).withTimestamp(1_700_000_000_000L)));
            }
            assertThat(producer.flush(Duration.ofSeconds(30))).isTrue();
            for (CompletableFuture<RecordMetadata> f : futures) {
                assertThat(f.get().offset()).isEqualTo(-1);
            }
        }
        assertThat(consume(cluster, topic, 1, 50)).extracting(Sent::value)
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 50).mapToObj(i -> "v" + i).toList());
    }

    private static Throwable causeOf(CompletableFuture<?> future) {
        try {
            future.join();
            return null;
        } catch (java.util.concurrent.CompletionException e) {
            return e.getCause();
        }
    }

    private static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    private static List<Sent> consume(KafkaCluster cluster, String topic, int partitions, int count) {
        Map<String, Object> config = Map.of("bootstrap.servers", cluster.bootstrapServers(), "enable.auto.commit", false);
        List<Sent> read = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> all = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                all.add(new TopicPartition(topic, p));
            }
            consumer.assign(all);
            consumer.seekToBeginning(all);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (read.size() < count && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    List<String> headers = new ArrayList<>();
                    r.headers().forEach(h -> headers.add(h.key() + "=" + text(h.value())));
                    read.add(new Sent(r.partition(), r.offset(), r.timestamp(), text(r.key()), text(r.value()), headers));
                }
            }
        }
        return read;
    }
}
