package dev.josef.kafka.compression;

import dev.josef.kafka.protocol.Header;
import dev.josef.kafka.protocol.Record;
import dev.josef.kafka.protocol.RecordBatch;
import dev.josef.kafka.protocol.RecordBatchBuilder;
import dev.josef.kafka.protocol.RecordBatchReader;
import dev.josef.kafka.protocol.spi.CompressionCodec;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Josef's codecs against the JNI libraries kafka-clients 4.3.1 uses (snappy-java,
 * lz4-java, zstd-jni), in both directions, first as raw codec streams, then as
 * whole record batches.
 */
class KafkaClientsInteropTest {
    private static final int[] SIZES = {1, 100, 16 * 1024, 64 * 1024 + 3, 1 << 20, 3 << 20};

    static Stream<Arguments> streams() {
        return TestData.codecSizeData(SIZES);
    }

    @ParameterizedTest(name = "{0} {1} bytes compressible={2}")
    @MethodSource("streams")
    void kafkaClientsReadWhatJosefWrites(String name, int size, boolean compressible) throws IOException {
        CompressionCodec codec = TestData.josef(name);
        byte[] data = TestData.data(compressible, size, 31 + size);
        byte[] compressed = TestData.josefCompress(codec, codec.defaultLevel(), data);
        assertThat(TestData.kafkaDecompress(TestData.kafka(name, null), compressed)).isEqualTo(data);
    }

    @ParameterizedTest(name = "{0} {1} bytes compressible={2}")
    @MethodSource("streams")
    void josefReadsWhatKafkaClientsWrites(String name, int size, boolean compressible) throws IOException {
        CompressionCodec codec = TestData.josef(name);
        byte[] data = TestData.data(compressible, size, 57 + size);
        byte[] compressed = TestData.kafkaCompress(TestData.kafka(name, null), data);
        assertThat(TestData.josefDecompress(codec, ByteBuffer.wrap(compressed))).isEqualTo(data);
    }

    static Stream<Arguments> levels() {
        // lz4-java switches to LZ4-HC at every level but the default; zstd-jni honours every level.
        // zstd 20 and 22 declare windows of 32 and 128 MiB, over aircompressor's 8 MiB.
        return Stream.of(Arguments.of("lz4", 1), Arguments.of("lz4", 17), Arguments.of("zstd", -5),
                Arguments.of("zstd", 1), Arguments.of("zstd", 10), Arguments.of("zstd", 19), Arguments.of("zstd", 20), Arguments.of("zstd", 22));
    }

    @ParameterizedTest(name = "{0} level {1}")
    @MethodSource("levels")
    void josefReadsEveryLevelKafkaClientsWrites(String name, int level) throws IOException {
        for (int size : new int[] {10, 50_000, 1 << 20}) {
            byte[] data = TestData.compressible(size, level);
            byte[] compressed = TestData.kafkaCompress(TestData.kafka(name, level), data);
            assertThat(TestData.josefDecompress(TestData.josef(name), ByteBuffer.wrap(compressed)))
                    .as("%d bytes", size).isEqualTo(data);
        }
    }

    static Stream<Arguments> batches() {
        List<Arguments> cases = new ArrayList<>();
        for (String codec : TestData.CODECS) {
            for (int records : new int[] {1, 50, 2000}) {
                cases.add(Arguments.of(codec, records));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1} records")
    @MethodSource("batches")
    void recordBatchesCrossBothWays(String name, int count) {
        List<Record> expected = new ArrayList<>();
        RecordBatchBuilder josef = new RecordBatchBuilder(1024).baseOffset(100).compression(TestData.josef(name));
        MemoryRecordsBuilder kafka = MemoryRecords.builder(ByteBuffer.allocate(1024),
                org.apache.kafka.common.record.internal.RecordBatch.CURRENT_MAGIC_VALUE, TestData.kafka(name, null),
                TimestampType.CREATE_TIME, 100);
        for (int i = 0; i < count; i++) {
            byte[] key = i % 7 == 0 ? null : ("key-" + i).getBytes(StandardCharsets.UTF_8);
            byte[] value = i % 11 == 0 ? null : TestData.data(i % 2 == 0, 10 + i % 300, i);
            List<Header> headers = i % 3 == 0 ? List.of(new Header("h", new byte[] {(byte) i})) : List.of();
            long timestamp = 1_700_000_000_000L + i;
            josef.append(timestamp, key, value, headers);
            kafka.append(timestamp, key, value, headers.stream()
                    .map(h -> new RecordHeader(h.key(), h.value())).toArray(org.apache.kafka.common.header.Header[]::new));
            expected.add(new Record(100 + i, timestamp, key, value, headers));
        }
        ByteBuffer josefBatch = josef.build();
        assertThat(readWithKafka(josefBatch)).isEqualTo(expected);

        ByteBuffer kafkaBatch = kafka.build().buffer();
        RecordBatchReader.BatchIterator batches = RecordBatchReader.defaults().batches(kafkaBatch);
        RecordBatch batch = batches.next();
        assertThat(batch.compressionId()).isEqualTo(TestData.josef(name).id());
        assertThat(batch.records()).isEqualTo(expected);
        assertThat(batches.hasNext()).isFalse();
    }

    private static List<Record> readWithKafka(ByteBuffer buffer) {
        List<Record> records = new ArrayList<>();
        for (MutableRecordBatch batch : MemoryRecords.readableRecords(buffer.duplicate()).batches()) {
            batch.ensureValid();
            for (org.apache.kafka.common.record.internal.Record r : batch) {
                List<Header> headers = new ArrayList<>();
                for (org.apache.kafka.common.header.Header h : r.headers()) {
                    headers.add(new Header(h.key(), h.value()));
                }
                records.add(new Record(r.offset(), r.timestamp(), bytes(r.key()), bytes(r.value()), headers));
            }
        }
        return records;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        if (buffer == null) {
            return null;
        }
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }
}
