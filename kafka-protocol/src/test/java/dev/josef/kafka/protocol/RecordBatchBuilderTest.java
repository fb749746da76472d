package dev.josef.kafka.protocol;

import dev.josef.kafka.protocol.KafkaRecords.Input;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RecordBatchBuilderTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Producer-side batch header fields, as a producer or a test would set them. */
    record Producer(long baseOffset, int leaderEpoch, long producerId, short producerEpoch, int baseSequence,
                    boolean transactional) {
        static final Producer PLAIN = new Producer(0, -1, -1, (short) -1, -1, false);
    }

    static Stream<Arguments> batches() {
        byte[] big = new byte[70_000];
        Arrays.fill(big, (byte) 7);
        List<Input> many = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            many.add(new Input(1_700_000_000_000L + i * 3L, utf8("key-" + i), utf8("value-" + i)));
        }
        return Stream.of(
                Arguments.of("one record", Producer.PLAIN,
                        List.of(new Input(1_700_000_000_000L, utf8("k"), utf8("v")))),
                Arguments.of("null key and null value", Producer.PLAIN,
                        List.of(new Input(1L, null, utf8("v")), new Input(2L, utf8("k"), null),
                                new Input(3L, null, null))),
                Arguments.of("empty key and value", Producer.PLAIN,
                        List.of(new Input(5L, new byte[0], new byte[0]))),
                Arguments.of("headers, repeated keys, null values, non-ASCII keys", Producer.PLAIN,
                        List.of(new Input(10L, utf8("k"), utf8("v"), List.of(
                                Header.of("trace", "abc"), Header.of("trace", "def"),
                                new Header("nothing", null), Header.of("clé-😀", "ü"),
                                new Header("", new byte[0]))))),
                Arguments.of("timestamps going back and forth", Producer.PLAIN,
                        List.of(new Input(1_000_000L, utf8("a"), utf8("1")),
                                new Input(999_000L, utf8("b"), utf8("2")),
                                new Input(5_000_000L, utf8("c"), utf8("3")),
                                new Input(0L, utf8("d"), utf8("4")))),
                Arguments.of("no timestamp", Producer.PLAIN,
                        List.of(new Input(-1L, utf8("a"), utf8("1")), new Input(-1L, utf8("b"), utf8("2")))),
                Arguments.of("idempotent producer", new Producer(0, -1, 4711L, (short) 3, 1234, false),
                        List.of(new Input(1L, utf8("a"), utf8("1")), new Input(2L, utf8("b"), utf8("2")))),
                Arguments.of("transactional producer",
                        new Producer(0, -1, 99L, (short) 0, Integer.MAX_VALUE - 1, true),
                        List.of(new Input(1L, utf8("a"), utf8("1")), new Input(2L, utf8("b"), utf8("2")))),
                Arguments.of("broker-side base offset and leader epoch", new Producer(1L << 40, 17, -1, (short) -1, -1,
                        false), List.of(new Input(1L, utf8("a"), utf8("1")))),
                Arguments.of("large value", Producer.PLAIN, List.of(new Input(1L, utf8("big"), big))),
                Arguments.of("many records", Producer.PLAIN, many));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("batches")
    void uncompressedBatchIsByteIdenticalToKafkas(String name, Producer p, List<Input> inputs) {
        RecordBatchBuilder josef = new RecordBatchBuilder(16)
                .baseOffset(p.baseOffset())
                .partitionLeaderEpoch(p.leaderEpoch())
                .producerState(p.producerId(), p.producerEpoch(), p.baseSequence())
                .transactional(p.transactional());
        for (Input in : inputs) {
            josef.append(in.timestamp(), in.key(), in.value(), in.headers());
        }

        MemoryRecordsBuilder kafka = KafkaRecords.builder((byte) 2, Compression.NONE,
                org.apache.kafka.common.record.TimestampType.CREATE_TIME, p.baseOffset(), -1L, p.producerId(),
                p.producerEpoch(), p.baseSequence(), p.transactional(), p.leaderEpoch());
        KafkaRecords.append(kafka, inputs);

        assertThat(KafkaRecords.bytes(josef.build()))
                .isEqualTo(KafkaRecords.bytes(kafka.build().buffer()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("batches")
    void builtBatchReadsBackToTheSameRecords(String name, Producer p, List<Input> inputs) {
        RecordBatchBuilder josef = new RecordBatchBuilder(64).baseOffset(p.baseOffset())
                .producerState(p.producerId(), p.producerEpoch(), p.baseSequence())
                .transactional(p.transactional());
        for (Input in : inputs) {
            josef.append(in.timestamp(), in.key(), in.value(), in.headers());
        }
        ByteBuffer batch = josef.build();

        List<Record> records = KafkaRecords.readWithJosef(RecordBatchReader.defaults(), batch);

        assertThat(records).hasSize(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            Input in = inputs.get(i);
            assertThat(records.get(i))
                    .isEqualTo(new Record(p.baseOffset() + i, in.timestamp(), in.key(), in.value(), in.headers()));
        }
    }

    @Test
    void commitMarkerIsByteIdenticalToKafkas() {
        ByteBuffer josef = new RecordBatchBuilder(0)
                .baseOffset(42L)
                .partitionLeaderEpoch(5)
                .producerState(1001L, (short) 7, -1)
                .transactional(true)
                .appendControlRecord(1_700_000_000_123L, ControlRecord.commit(13))
                .build();

        MemoryRecords kafka = MemoryRecords.withEndTransactionMarker(42L, 1_700_000_000_123L, 5, 1001L, (short) 7,
                new EndTransactionMarker(ControlRecordType.COMMIT, 13));

        assertThat(KafkaRecords.bytes(josef)).isEqualTo(KafkaRecords.bytes(kafka.buffer()));
    }

    @Test
    void abortMarkerIsByteIdenticalToKafkas() {
        ByteBuffer josef = new RecordBatchBuilder(0)
                .producerState(7L, (short) 0, -1)
                .transactional(true)
                .appendControlRecord(3L, ControlRecord.abort(0))
                .build();

        MemoryRecords kafka = MemoryRecords.withEndTransactionMarker(0L, 3L, -1, 7L, (short) 0,
                new EndTransactionMarker(ControlRecordType.ABORT, 0));

        assertThat(KafkaRecords.bytes(josef)).isEqualTo(KafkaRecords.bytes(kafka.buffer()));
    }

    @Test
    void controlBatchReadsBackAsAMarker() {
        ByteBuffer josef = new RecordBatchBuilder(0)
                .baseOffset(9L)
                .producerState(7L, (short) 2, -1)
                .transactional(true)
                .appendControlRecord(3L, ControlRecord.abort(21))
                .build();

        RecordBatch batch = RecordBatchReader.defaults().batches(josef).next();

        assertThat(batch.isControlBatch()).isTrue();
        assertThat(batch.isTransactional()).isTrue();
        assertThat(batch.producerId()).isEqualTo(7L);
        assertThat(batch.producerEpoch()).isEqualTo((short) 2);
        assertThat(batch.records()).singleElement()
                .satisfies(r -> assertThat(r.offset()).isEqualTo(9L))
                .extracting(ControlRecord::parse)
                .isEqualTo(ControlRecord.abort(21));
    }

    @Test
    void writesFromTheGivenBuffersPositionAndKeepsWhatWasBefore() {
        ByteBuffer given = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        given.put((byte) 0x55).put((byte) 0x66);

        ByteBuffer batch = new RecordBatchBuilder(given)
                .append(1L, utf8("k"), new byte[1000])
                .build();

        ByteBuffer kafka = MemoryRecords.withRecords(Compression.NONE,
                new org.apache.kafka.common.record.internal.SimpleRecord(1L, utf8("k"), new byte[1000])).buffer();
        assertThat(KafkaRecords.bytes(batch)).isEqualTo(KafkaRecords.bytes(kafka));
        assertThat(batch.hasArray()).isTrue();
        assertThat(batch.array()[batch.arrayOffset() - 2]).isEqualTo((byte) 0x55);
        assertThat(batch.array()[batch.arrayOffset() - 1]).isEqualTo((byte) 0x66);
    }

    @Test
    void rewrittenProducerStateEqualsABatchBuiltWithIt() {
        RecordBatchBuilder first = new RecordBatchBuilder(0).compression(CompressionCodecs.gzip(), 6)
                .producerState(4711L, (short) 3, 1234)
                .append(1L, utf8("a"), utf8("1")).append(2L, utf8("b"), utf8("2"));
        ByteBuffer batch = first.build();
        ByteBuffer expected = new RecordBatchBuilder(0).compression(CompressionCodecs.gzip(), 6)
                .producerState(4711L, (short) 4, 0)
                .append(1L, utf8("a"), utf8("1")).append(2L, utf8("b"), utf8("2")).build();

        RecordBatchBuilder.rewriteProducerState(batch, 4711L, (short) 4, 0);

        assertThat(KafkaRecords.bytes(batch)).isEqualTo(KafkaRecords.bytes(expected));
        RecordBatch read = RecordBatchReader.defaults().batches(batch.duplicate()).next();
        assertThat(read.producerEpoch()).isEqualTo((short) 4);
        assertThat(read.baseSequence()).isZero();
    }

    @Test
    void rewriteRefusesWhatIsNotOneWholeBatch() {
        ByteBuffer batch = new RecordBatchBuilder(0).append(1L, utf8("a"), utf8("1")).build();
        ByteBuffer cut = batch.duplicate().limit(batch.limit() - 1);

        assertThatThrownBy(() -> RecordBatchBuilder.rewriteProducerState(cut, 1L, (short) 0, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not one whole magic v2 record batch");
    }

    @Test
    void directBufferWorksWithCompression() {
        ByteBuffer direct = ByteBuffer.allocateDirect(1 << 16);
        ByteBuffer batch = new RecordBatchBuilder(direct)
                .compression(CompressionCodecs.gzip(), 9)
                .append(1L, utf8("k"), utf8("v".repeat(5000)))
                .build();

        assertThat(KafkaRecords.read(batch)).singleElement()
                .isEqualTo(new Record(0L, 1L, utf8("k"), utf8("v".repeat(5000)), List.of()));
    }

    @Test
    void refusedRecordLeavesTheBatchUnchanged() {
        RecordBatchBuilder builder = new RecordBatchBuilder(0).append(1L, utf8("a"), utf8("1"));
        int size = builder.sizeInBytes();

        assertThatThrownBy(() -> builder.append(-5L, utf8("b"), utf8("2")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-5");
        List<Header> withNull = new ArrayList<>();
        withNull.add(null);
        assertThatThrownBy(() -> builder.append(2L, utf8("b"), utf8("2"), withNull))
                .isInstanceOf(NullPointerException.class);

        assertThat(builder.sizeInBytes()).isEqualTo(size);
        assertThat(builder.recordCount()).isEqualTo(1);
    }

    @Test
    void dataAndControlRecordsDoNotMix() {
        RecordBatchBuilder data = new RecordBatchBuilder(0).append(1L, null, null);
        assertThatThrownBy(() -> data.appendControlRecord(1L, ControlRecord.commit(0)))
                .isInstanceOf(IllegalStateException.class);

        RecordBatchBuilder control = new RecordBatchBuilder(0).appendControlRecord(1L, ControlRecord.commit(0));
        assertThatThrownBy(() -> control.append(1L, null, null)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void buildRefusesBatchesKafkaWouldNotAccept() {
        assertThatThrownBy(() -> new RecordBatchBuilder(0).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("at least one record");
        assertThatThrownBy(() -> new RecordBatchBuilder(0).transactional(true).append(1L, null, null).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("producer id");
        assertThatThrownBy(() -> new RecordBatchBuilder(0).producerState(1L, (short) 0, -1)
                .appendControlRecord(1L, ControlRecord.commit(0)).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("transactional");
        assertThatThrownBy(() -> new RecordBatchBuilder(0).producerState(1L, (short) -1, 0)
                .append(1L, null, null).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("epoch");
        assertThatThrownBy(() -> new RecordBatchBuilder(0).producerState(1L, (short) 0, -1)
                .append(1L, null, null).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("sequence");
        assertThatThrownBy(() -> new RecordBatchBuilder(0).appendControlRecord(1L,
                new ControlRecord(ControlRecord.Type.LEADER_CHANGE, -1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void builderIsClosedAfterBuild() {
        RecordBatchBuilder builder = new RecordBatchBuilder(0).append(1L, null, null);
        builder.build();

        assertThat(builder.isBuilt()).isTrue();
        assertThatThrownBy(() -> builder.append(2L, null, null)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void settersRefuseValuesOutsideTheirRange() {
        RecordBatchBuilder builder = new RecordBatchBuilder(0);
        assertThatThrownBy(() -> builder.baseOffset(-1)).hasMessageContaining("baseOffset");
        assertThatThrownBy(() -> builder.partitionLeaderEpoch(-2)).hasMessageContaining("partitionLeaderEpoch");
        assertThatThrownBy(() -> builder.producerState(-2, (short) 0, 0)).hasMessageContaining("producerId");
        assertThatThrownBy(() -> builder.producerState(1, (short) -2, 0)).hasMessageContaining("producerEpoch");
        assertThatThrownBy(() -> builder.producerState(1, (short) 0, -2)).hasMessageContaining("baseSequence");
        assertThatThrownBy(() -> builder.compression(CompressionCodecs.gzip(), 10))
                .hasMessageContaining("10").hasMessageContaining("gzip");
        assertThatThrownBy(() -> new RecordBatchBuilder(-1)).hasMessageContaining("initialCapacity");
        assertThatThrownBy(() -> new RecordBatchBuilder(ByteBuffer.allocate(10).asReadOnlyBuffer()))
                .hasMessageContaining("read-only");
    }
}
