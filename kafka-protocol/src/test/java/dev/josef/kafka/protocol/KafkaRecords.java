package dev.josef.kafka.protocol;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.MutableRecordBatch;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** kafka-clients as the reference peer: writes batches with it and reads them back through it. */
final class KafkaRecords {
    private KafkaRecords() {
    }

    /** What a test appends, to both Josef's builder and Kafka's. */
    record Input(long timestamp, byte[] key, byte[] value, List<Header> headers) {
        Input(long timestamp, byte[] key, byte[] value) {
            this(timestamp, key, value, List.of());
        }
    }

    static org.apache.kafka.common.header.Header[] toKafka(List<Header> headers) {
        org.apache.kafka.common.header.Header[] out = new org.apache.kafka.common.header.Header[headers.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = new RecordHeader(headers.get(i).key(), headers.get(i).value());
        }
        return out;
    }

    static MemoryRecordsBuilder builder(byte magic, Compression compression,
                                        org.apache.kafka.common.record.TimestampType timestampType,
                                        long baseOffset, long logAppendTime, long producerId, short producerEpoch,
                                        int baseSequence, boolean transactional, int partitionLeaderEpoch) {
        return MemoryRecords.builder(ByteBuffer.allocate(256), magic, compression, timestampType, baseOffset,
                logAppendTime, producerId, producerEpoch, baseSequence, transactional, partitionLeaderEpoch);
    }

    static void append(MemoryRecordsBuilder builder, List<Input> inputs) {
        for (Input in : inputs) {
            builder.append(in.timestamp(), in.key(), in.value(), toKafka(in.headers()));
        }
    }

    static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }

    /** Every record Kafka finds in {@code buffer}, in Josef's terms, for comparison. */
    static List<Record> read(ByteBuffer buffer) {
        List<Record> records = new ArrayList<>();
        for (MutableRecordBatch batch : MemoryRecords.readableRecords(buffer.duplicate()).batches()) {
            batch.ensureValid();
            for (org.apache.kafka.common.record.internal.Record r : batch) {
                List<Header> headers = new ArrayList<>();
                for (org.apache.kafka.common.header.Header h : r.headers()) {
                    headers.add(new Header(h.key(), h.value()));
                }
                records.add(new Record(r.offset(), r.timestamp(), orNull(r.key()), orNull(r.value()), headers));
            }
        }
        return records;
    }

    private static byte[] orNull(ByteBuffer buffer) {
        return buffer == null ? null : bytes(buffer);
    }

    /** Every record Josef finds in {@code buffer}. */
    static List<Record> readWithJosef(RecordBatchReader reader, ByteBuffer buffer) {
        List<Record> records = new ArrayList<>();
        RecordBatchReader.BatchIterator batches = reader.batches(buffer);
        while (batches.hasNext()) {
            records.addAll(batches.next().records());
        }
        return records;
    }
}
