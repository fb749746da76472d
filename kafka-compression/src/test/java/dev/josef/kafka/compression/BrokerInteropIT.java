package dev.josef.kafka.compression;

import dev.josef.kafka.net.internal.ChannelKind;
import dev.josef.kafka.net.internal.ClusterMetadata;
import dev.josef.kafka.net.internal.NetworkClient;
import dev.josef.kafka.net.internal.NetworkClientConfig;
import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.Header;
import dev.josef.kafka.protocol.Record;
import dev.josef.kafka.protocol.RecordBatch;
import dev.josef.kafka.protocol.RecordBatchBuilder;
import dev.josef.kafka.protocol.RecordBatchReader;
import dev.josef.kafka.protocol.Uuid;
import dev.josef.kafka.protocol.message.FetchRequest;
import dev.josef.kafka.protocol.message.FetchResponse;
import dev.josef.kafka.protocol.message.ProduceRequest;
import dev.josef.kafka.protocol.message.ProduceResponse;
import dev.josef.kafka.protocol.spi.CompressionCodec;
import dev.josef.kafka.testkit.KafkaCluster;
import dev.josef.kafka.testkit.KafkaClusterExtension;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each codec through a real broker, which decompresses and validates every batch
 * it accepts. Josef writes batches with raw Produce requests through kafka-net and
 * kafka-clients' consumer reads them back; kafka-clients' producer writes and Josef
 * reads with raw Fetch requests. Batches run from one small record to 1 MiB, with
 * compressible and incompressible values.
 */
@ExtendWith(KafkaClusterExtension.class)
class BrokerInteropIT {
    private static final int MAX_MESSAGE_BYTES = 16 << 20;
    private static final long TIMESTAMP = 1_700_000_000_000L;

    /** One batch's worth of records: how many, how large each value, compressible or not. */
    record Shape(int records, int valueSize, boolean compressible) {
        @Override
        public String toString() {
            return records + "x" + valueSize + "B" + (compressible ? " compressible" : " incompressible");
        }
    }

    private static final List<Shape> SHAPES = List.of(
            new Shape(1, 100, true), new Shape(1, 100, false),
            new Shape(100, 160, true), new Shape(100, 160, false),
            new Shape(1024, 1024, true), new Shape(1024, 1024, false));

    private KafkaCluster cluster;
    private NetworkClient client;

    @BeforeEach
    void open(KafkaCluster cluster) {
        this.cluster = cluster;
        this.client = NetworkClient.open(NetworkClientConfig.of(cluster.bootstrapServers(), "compression-it"));
    }

    @AfterEach
    void close() {
        client.close();
    }

    static Stream<String> codecs() {
        return TestData.CODECS.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("codecs")
    void batchesJosefCompressesAreAcceptedAndReadBackByKafkaClients(String name) throws Exception {
        String topic = createTopic("josef-writes-" + name);
        CompressionCodec codec = TestData.josef(name);
        List<Record> expected = new ArrayList<>();
        long offset = 0;
        int seed = 0;
        for (Shape shape : SHAPES) {
            RecordBatchBuilder builder = new RecordBatchBuilder(1024).compression(codec);
            for (int i = 0; i < shape.records(); i++) {
                Record record = record(offset + i, shape, seed++);
                builder.append(record.timestamp(), record.key(), record.value(), record.headers());
                expected.add(record);
            }
            ByteBuffer batch = builder.build();
            long baseOffset = produce(topic, batch);
            assertThat(baseOffset).as("base offset of %s", shape).isEqualTo(offset);
            offset += shape.records();
        }
        assertThat(readWithKafkaClients(topic, expected.size())).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("codecs")
    void batchesKafkaClientsCompressesAreReadByJosef(String name) throws Exception {
        String topic = createTopic("kafka-writes-" + name);
        Map<String, Object> config = new HashMap<>();
        config.put("bootstrap.servers", cluster.bootstrapServers());
        config.put("compression.type", name);
        config.put("batch.size", 2 << 20);
        config.put("linger.ms", 50);
        config.put("max.request.size", MAX_MESSAGE_BYTES);
        List<Record> expected = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer =
                     new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            long offset = 0;
            int seed = 0;
            for (Shape shape : SHAPES) {
                for (int i = 0; i < shape.records(); i++) {
                    Record r = record(offset + i, shape, seed++);
                    producer.send(new ProducerRecord<>(topic, 0, r.timestamp(), r.key(), r.value(),
                            r.headers().stream().map(h -> new RecordHeader(h.key(), h.value()))
                                    .map(org.apache.kafka.common.header.Header.class::cast).toList()));
                    expected.add(r);
                }
                producer.flush(); // one shape, one or more batches: sizes stay distinct
                offset += shape.records();
            }
        }
        List<Record> read = new ArrayList<>();
        long fetchOffset = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int compressedBatches = 0;
        while (read.size() < expected.size()) {
            assertThat(System.nanoTime()).as("records read by the deadline: %d", read.size()).isLessThan(deadline);
            ByteBuffer records = fetch(topic, fetchOffset);
            RecordBatchReader.BatchIterator batches = RecordBatchReader.defaults().batches(records);
            while (batches.hasNext()) {
                RecordBatch batch = batches.next();
                assertThat(batch.compressionId()).isEqualTo(TestData.josef(name).id());
                compressedBatches++;
                for (Record r : batch.records()) {
                    if (r.offset() >= fetchOffset) {
                        read.add(r);
                    }
                }
                fetchOffset = batch.lastOffset() + 1;
            }
        }
        assertThat(read).isEqualTo(expected);
        assertThat(compressedBatches).isGreaterThanOrEqualTo(SHAPES.size());
    }

    private static Record record(long offset, Shape shape, int seed) {
        byte[] key = seed % 5 == 0 ? null : ("key-" + seed).getBytes(StandardCharsets.UTF_8);
        byte[] value = TestData.data(shape.compressible(), shape.valueSize(), seed);
        List<Header> headers = seed % 3 == 0
                ? List.of(new Header("trace", ("t-" + seed).getBytes(StandardCharsets.UTF_8)))
                : List.of();
        return new Record(offset, TIMESTAMP + seed, key, value, headers);
    }

    private String createTopic(String name) throws Exception {
        try (AdminClient admin = AdminClient.create(Map.of("bootstrap.servers", cluster.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(name, 1, (short) 1)
                    .configs(Map.of("max.message.bytes", String.valueOf(MAX_MESSAGE_BYTES)))))
                    .all().get(30, TimeUnit.SECONDS);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            ClusterMetadata metadata = client.refreshMetadata(List.of(name)).get(30, TimeUnit.SECONDS);
            if (metadata.leader(name, 0).isPresent()) {
                return name;
            }
            assertThat(System.nanoTime()).as("leader for %s elected", name).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private Uuid topicId(String topic) {
        return client.metadata().topic(topic).orElseThrow().id();
    }

    private long produce(String topic, ByteBuffer batch) throws Exception {
        Uuid id = topicId(topic);
        ProduceResponse response = (ProduceResponse) client.sendToLeader(topic, 0, ChannelKind.PRODUCE, ApiKey.PRODUCE,
                version -> {
                    ProduceRequest.TopicProduceData data = new ProduceRequest.TopicProduceData()
                            .setPartitionData(List.of(new ProduceRequest.PartitionProduceData()
                                    .setIndex(0).setRecords(batch.duplicate())));
                    // Produce v13 names topics by id only.
                    if (version >= 13) {
                        data.setTopicId(id);
                    } else {
                        data.setName(topic);
                    }
                    return new ProduceRequest().setAcks((short) -1).setTimeoutMs(30_000).setTopicData(List.of(data));
                }, ApiKey.PRODUCE.highestVersion()).get(60, TimeUnit.SECONDS);
        ProduceResponse.PartitionProduceResponse partition =
                response.responses().get(0).partitionResponses().get(0);
        assertThat(ErrorCode.forCode(partition.errorCode())).as("produce error: %s", partition.errorMessage())
                .isEqualTo(ErrorCode.NONE);
        return partition.baseOffset();
    }

    private ByteBuffer fetch(String topic, long offset) throws Exception {
        Uuid id = topicId(topic);
        FetchResponse response = (FetchResponse) client.sendToLeader(topic, 0, ChannelKind.FETCH, ApiKey.FETCH,
                version -> {
                    FetchRequest.FetchTopic data = new FetchRequest.FetchTopic().setPartitions(List.of(
                            new FetchRequest.FetchPartition().setPartition(0).setFetchOffset(offset)
                                    .setPartitionMaxBytes(MAX_MESSAGE_BYTES)));
                    if (version >= 13) {
                        data.setTopicId(id);
                    } else {
                        data.setTopic(topic);
                    }
                    return new FetchRequest().setReplicaId(-1).setMaxWaitMs(500).setMinBytes(1)
                            .setMaxBytes(MAX_MESSAGE_BYTES).setTopics(List.of(data));
                }, ApiKey.FETCH.highestVersion()).get(60, TimeUnit.SECONDS);
        assertThat(ErrorCode.forCode(response.errorCode())).isEqualTo(ErrorCode.NONE);
        FetchResponse.PartitionData partition = response.responses().get(0).partitions().get(0);
        assertThat(ErrorCode.forCode(partition.errorCode())).isEqualTo(ErrorCode.NONE);
        return partition.records() == null ? ByteBuffer.allocate(0) : partition.records();
    }

    private List<Record> readWithKafkaClients(String topic, int count) {
        Map<String, Object> config = Map.of("bootstrap.servers", cluster.bootstrapServers(),
                "max.partition.fetch.bytes", MAX_MESSAGE_BYTES, "fetch.max.bytes", MAX_MESSAGE_BYTES,
                "enable.auto.commit", false);
        List<Record> read = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (read.size() < count && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    List<Header> headers = new ArrayList<>();
                    for (org.apache.kafka.common.header.Header h : r.headers()) {
                        headers.add(new Header(h.key(), h.value()));
                    }
                    read.add(new Record(r.offset(), r.timestamp(), r.key(), r.value(), headers));
                }
            }
        }
        return read;
    }
}
