package dev.josef.kafka.protocol;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Magic v0 and v1 message sets, written by kafka-clients 4.3.1, read by Josef. */
class LegacyMessageSetTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static ByteBuffer write(byte magic, Compression compression,
                                    org.apache.kafka.common.record.TimestampType type, long baseOffset,
                                    long logAppendTime) {
        MemoryRecordsBuilder kafka = MemoryRecords.builder(ByteBuffer.allocate(256), magic, compression, type,
                baseOffset, logAppendTime);
        kafka.append(1_000L, utf8("k0"), utf8("v0"));
        kafka.append(3_000L, null, utf8("v1"));
        kafka.append(2_000L, utf8("k2"), null);
        return kafka.build().buffer();
    }

    private static List<RecordBatch> batches(ByteBuffer buffer) {
        List<RecordBatch> batches = new ArrayList<>();
        RecordBatchReader.defaults().batches(buffer).forEachRemaining(batches::add);
        return batches;
    }

    @ParameterizedTest(name = "magic v{0}")
    @ValueSource(bytes = {0, 1})
    void uncompressedMessagesAreOneBatchEach(byte magic) {
        ByteBuffer buffer = write(magic, Compression.NONE,
                org.apache.kafka.common.record.TimestampType.CREATE_TIME, 50L, -1L);

        List<RecordBatch> batches = batches(buffer);

        assertThat(batches).hasSize(3).allSatisfy(b -> {
            assertThat(b.magic()).isEqualTo(magic);
            assertThat(b.isValid()).isTrue();
            assertThat(b.recordCount()).isEqualTo(1);
            assertThat(b.baseOffset()).isEqualTo(b.lastOffset());
            assertThat(b.producerId()).isEqualTo(-1L);
            assertThat(b.timestampType())
                    .isEqualTo(magic == 0 ? TimestampType.NO_TIMESTAMP_TYPE : TimestampType.CREATE_TIME);
        });
        List<Record> records = new ArrayList<>();
        batches.forEach(b -> records.addAll(b.records()));
        long[] timestamps = magic == 0 ? new long[] {-1L, -1L, -1L} : new long[] {1_000L, 3_000L, 2_000L};
        assertThat(records).containsExactly(
                new Record(50L, timestamps[0], utf8("k0"), utf8("v0"), List.of()),
                new Record(51L, timestamps[1], null, utf8("v1"), List.of()),
                new Record(52L, timestamps[2], utf8("k2"), null, List.of()));
        assertThat(records).isEqualTo(KafkaRecords.read(buffer));
    }

    @ParameterizedTest(name = "magic v{0}")
    @ValueSource(bytes = {0, 1})
    void gzipWrapperIsOneBatchWithItsInnerMessages(byte magic) {
        ByteBuffer buffer = write(magic, Compression.gzip().build(),
                org.apache.kafka.common.record.TimestampType.CREATE_TIME, 700L, -1L);

        List<RecordBatch> batches = batches(buffer);

        assertThat(batches).singleElement().satisfies(b -> {
            assertThat(b.magic()).isEqualTo(magic);
            assertThat(b.compressionId()).isEqualTo((byte) 1);
            assertThat(b.recordCount()).isEqualTo(-1);
            assertThat(b.lastOffset()).isEqualTo(702L);
            assertThat(b.baseOffset()).isEqualTo(700L);
            assertThat(b.maxTimestamp()).isEqualTo(magic == 0 ? -1L : 3_000L);
        });
        List<Record> records = batches.get(0).records();
        assertThat(records).extracting(Record::offset).containsExactly(700L, 701L, 702L);
        assertThat(records).isEqualTo(KafkaRecords.read(buffer));
    }

    @Test
    void innerMessagesOfALogAppendTimeWrapperTakeTheWrappersTimestamp() {
        ByteBuffer buffer = write((byte) 1, Compression.gzip().build(),
                org.apache.kafka.common.record.TimestampType.LOG_APPEND_TIME, 0L, 9_999L);

        RecordBatch batch = batches(buffer).get(0);

        assertThat(batch.timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
        assertThat(batch.records()).extracting(Record::timestamp).containsExactly(9_999L, 9_999L, 9_999L);
        assertThat(batch.records()).isEqualTo(KafkaRecords.read(buffer));
    }

    @Test
    void v1WrapperAtOffsetZeroKeepsItsInnerOffsets() {
        // Older librdkafka producers leave the wrapper offset at 0; the offset field
        // is outside the CRC, so the batch stays valid.
        ByteBuffer buffer = write((byte) 1, Compression.gzip().build(),
                org.apache.kafka.common.record.TimestampType.CREATE_TIME, 0L, -1L);
        buffer.putLong(0, 0L);

        RecordBatch batch = batches(buffer).get(0);

        assertThat(batch.isValid()).isTrue();
        assertThat(batch.records()).extracting(Record::offset).containsExactly(0L, 1L, 2L);
    }

    @Test
    void v1WrapperOffsetBelowItsLastInnerOffsetIsAProtocolError() {
        ByteBuffer buffer = write((byte) 1, Compression.gzip().build(),
                org.apache.kafka.common.record.TimestampType.CREATE_TIME, 0L, -1L);
        buffer.putLong(0, 1L);

        assertThatThrownBy(() -> batches(buffer).get(0).records())
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("wrapper offset 1");
    }

    @Test
    void legacyAndCurrentFormatsMixInOneFetch() {
        ByteBuffer v1 = write((byte) 1, Compression.gzip().build(),
                org.apache.kafka.common.record.TimestampType.CREATE_TIME, 0L, -1L);
        ByteBuffer v2 = new RecordBatchBuilder(64).baseOffset(3L).append(4_000L, utf8("k3"), utf8("v3")).build();
        ByteBuffer both = ByteBuffer.allocate(v1.remaining() + v2.remaining()).put(v1).put(v2).flip();

        List<Record> records = KafkaRecords.readWithJosef(RecordBatchReader.defaults(), both);

        assertThat(records).extracting(Record::offset).containsExactly(0L, 1L, 2L, 3L);
        assertThat(records).isEqualTo(KafkaRecords.read(both));
    }

    @Test
    void corruptLegacyMessageFailsItsCrc() {
        ByteBuffer buffer = write((byte) 1, Compression.NONE,
                org.apache.kafka.common.record.TimestampType.CREATE_TIME, 10L, -1L);
        int lastByteOfFirstMessage = 12 + buffer.getInt(8) - 1;
        buffer.put(lastByteOfFirstMessage, (byte) (buffer.get(lastByteOfFirstMessage) ^ 1));

        RecordBatch first = batches(buffer).get(0);

        assertThat(first.isValid()).isFalse();
        assertThatThrownBy(first::records).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("offset 10").hasMessageContaining("corrupt");
    }

    @Test
    void legacyWrapperWithCodecJosefDoesNotHaveNamesItAndTheInstalledOnes() {
        ByteBuffer buffer = write((byte) 1, Compression.lz4().build(),
                org.apache.kafka.common.record.TimestampType.CREATE_TIME, 0L, -1L);
        RecordBatchReader reader = RecordBatchReader.builder().codecs(CompressionCodecs.of()).build();

        RecordBatch batch = reader.batches(buffer).next();

        assertThat(batch.lastOffset()).isEqualTo(2L);
        assertThatThrownBy(batch::records).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("id 3 (lz4)")
                .hasMessageContaining("none(0), gzip(1)");
    }
}
