package dev.josef.kafka.protocol;

import dev.josef.kafka.protocol.KafkaRecords.Input;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Magic v2 batches written by one client and read by the other, compressed and not. */
class RecordBatchInteropTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<Input> inputs(int count) {
        List<Input> inputs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            List<Header> headers = i % 3 == 0 ? List.of(Header.of("h" + i, "x".repeat(i)), new Header("n", null))
                    : List.of();
            inputs.add(new Input(1_700_000_000_000L + (i % 7) * 1000L, i % 5 == 0 ? null : utf8("key-" + i),
                    i % 11 == 0 ? null : utf8("value-" + i + "-" + "abc".repeat(i % 50)), headers));
        }
        return inputs;
    }

    private static List<Record> expected(long baseOffset, List<Input> inputs) {
        List<Record> records = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            Input in = inputs.get(i);
            records.add(new Record(baseOffset + i, in.timestamp(), in.key(), in.value(), in.headers()));
        }
        return records;
    }

    @ParameterizedTest(name = "level {0}")
    @ValueSource(ints = {-1, 1, 6, 9})
    void gzipBatchWrittenByJosefReadsInKafka(int level) {
        List<Input> inputs = inputs(500);
        RecordBatchBuilder builder = new RecordBatchBuilder(1024).baseOffset(100L)
                .producerState(12L, (short) 1, 40).compression(CompressionCodecs.gzip(), level);
        inputs.forEach(in -> builder.append(in.timestamp(), in.key(), in.value(), in.headers()));
        ByteBuffer batch = builder.build();

        MutableRecordBatch kafkaBatch = MemoryRecords.readableRecords(batch.duplicate()).batches().iterator().next();
        assertThat(kafkaBatch.compressionType().name).isEqualTo("gzip");
        assertThat(kafkaBatch.isValid()).isTrue();
        assertThat(kafkaBatch.baseOffset()).isEqualTo(100L);
        assertThat(kafkaBatch.lastOffset()).isEqualTo(599L);
        assertThat(kafkaBatch.producerId()).isEqualTo(12L);
        assertThat(kafkaBatch.baseSequence()).isEqualTo(40);
        assertThat(KafkaRecords.read(batch)).isEqualTo(expected(100L, inputs));
        RecordBatchBuilder uncompressed = new RecordBatchBuilder(1024);
        inputs.forEach(in -> uncompressed.append(in.timestamp(), in.key(), in.value(), in.headers()));
        assertThat(batch.remaining()).isLessThan(uncompressed.sizeInBytes() / 2);
    }

    @ParameterizedTest(name = "level {0}")
    @ValueSource(ints = {1, 6, 9})
    void gzipBatchWrittenByKafkaReadsInJosef(int level) {
        List<Input> inputs = inputs(500);
        MemoryRecordsBuilder kafka = KafkaRecords.builder((byte) 2, Compression.gzip().level(level).build(),
                org.apache.kafka.common.record.TimestampType.CREATE_TIME, 2000L, -1L, 77L, (short) 4, 9, true, 3);
        KafkaRecords.append(kafka, inputs);
        ByteBuffer buffer = kafka.build().buffer();

        RecordBatch batch = RecordBatchReader.defaults().batches(buffer).next();

        assertThat(batch.magic()).isEqualTo((byte) 2);
        assertThat(batch.compressionId()).isEqualTo((byte) 1);
        assertThat(batch.isValid()).isTrue();
        assertThat(batch.baseOffset()).isEqualTo(2000L);
        assertThat(batch.lastOffset()).isEqualTo(2499L);
        assertThat(batch.nextOffset()).isEqualTo(2500L);
        assertThat(batch.recordCount()).isEqualTo(500);
        assertThat(batch.partitionLeaderEpoch()).isEqualTo(3);
        assertThat(batch.producerId()).isEqualTo(77L);
        assertThat(batch.producerEpoch()).isEqualTo((short) 4);
        assertThat(batch.baseSequence()).isEqualTo(9);
        assertThat(batch.isTransactional()).isTrue();
        assertThat(batch.isControlBatch()).isFalse();
        assertThat(batch.timestampType()).isEqualTo(TimestampType.CREATE_TIME);
        assertThat(batch.maxTimestamp()).isEqualTo(1_700_000_006_000L);
        assertThat(batch.sizeInBytes()).isEqualTo(buffer.remaining());
        assertThat(batch.records()).isEqualTo(expected(2000L, inputs));
    }

    @Test
    void logAppendTimeReplacesEveryRecordTimestamp() {
        MemoryRecordsBuilder kafka = KafkaRecords.builder((byte) 2, Compression.NONE,
                org.apache.kafka.common.record.TimestampType.LOG_APPEND_TIME, 0L, 1_234_567L, -1L, (short) -1, -1,
                false, 0);
        KafkaRecords.append(kafka, List.of(new Input(5L, utf8("a"), utf8("1")), new Input(6L, utf8("b"), utf8("2"))));

        RecordBatch batch = RecordBatchReader.defaults().batches(kafka.build().buffer()).next();

        assertThat(batch.timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
        assertThat(batch.maxTimestamp()).isEqualTo(1_234_567L);
        assertThat(batch.records()).extracting(Record::timestamp).containsExactly(1_234_567L, 1_234_567L);
    }

    @Test
    void severalBatchesInOneFetchAreReadInOrder() {
        ByteBuffer records = ByteBuffer.allocate(1 << 16);
        for (int b = 0; b < 4; b++) {
            MemoryRecordsBuilder kafka = MemoryRecords.builder(records, (byte) 2,
                    b % 2 == 0 ? Compression.NONE : Compression.gzip().build(),
                    org.apache.kafka.common.record.TimestampType.CREATE_TIME, b * 10L);
            for (int i = 0; i < 10; i++) {
                kafka.append(i, utf8("k" + b + i), utf8("v" + b + i));
            }
            kafka.close();
            records = kafka.buffer();
        }
        records.flip();

        RecordBatchReader.BatchIterator batches = RecordBatchReader.defaults().batches(records);
        List<Long> baseOffsets = new ArrayList<>();
        List<Long> offsets = new ArrayList<>();
        while (batches.hasNext()) {
            RecordBatch batch = batches.next();
            baseOffsets.add(batch.baseOffset());
            batch.records().forEach(r -> offsets.add(r.offset()));
        }

        assertThat(baseOffsets).containsExactly(0L, 10L, 20L, 30L);
        assertThat(offsets).hasSize(40).isSorted().doesNotHaveDuplicates();
        assertThat(batches.trailingBytes()).isZero();
        assertThat(records.position()).isZero();
    }

    @Test
    void markerWrittenByKafkaParsesAsCommit() {
        MemoryRecords kafka = MemoryRecords.withEndTransactionMarker(500L, 9L, 2, 33L, (short) 5,
                new org.apache.kafka.common.record.internal.EndTransactionMarker(
                        org.apache.kafka.common.record.internal.ControlRecordType.COMMIT, 44));

        RecordBatch batch = RecordBatchReader.defaults().batches(kafka.buffer()).next();

        assertThat(batch.isControlBatch()).isTrue();
        assertThat(batch.records()).singleElement().extracting(ControlRecord::parse)
                .isEqualTo(ControlRecord.commit(44));
    }

    @Test
    void controlRecordOfAnotherTypeIsUnknownButNotAnError() {
        Record leaderChange = new Record(0L, 0L, new byte[] {0, 0, 0, 2}, new byte[] {1, 2, 3}, List.of());
        Record future = new Record(0L, 0L, new byte[] {0, 1, 0, 99, 9}, null, List.of());

        assertThat(ControlRecord.parse(leaderChange).type()).isEqualTo(ControlRecord.Type.LEADER_CHANGE);
        assertThat(ControlRecord.parse(future)).isEqualTo(new ControlRecord(ControlRecord.Type.UNKNOWN, -1));
    }

    @Test
    void malformedControlRecordIsAProtocolError() {
        assertThatThrownBy(() -> ControlRecord.parse(new Record(8L, 0L, new byte[] {0, 0}, null, List.of())))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("offset 8");
        assertThatThrownBy(() -> ControlRecord.parse(new Record(8L, 0L, new byte[] {(byte) 0xFF, 0, 0, 1},
                new byte[6], List.of()))).isInstanceOf(ProtocolException.class).hasMessageContaining("version");
        assertThatThrownBy(() -> ControlRecord.parse(new Record(8L, 0L, new byte[] {0, 0, 0, 1},
                new byte[] {0, 0, 0}, List.of()))).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("coordinator epoch");
    }
}
