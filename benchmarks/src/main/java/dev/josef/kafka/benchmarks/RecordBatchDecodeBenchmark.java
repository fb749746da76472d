package dev.josef.kafka.benchmarks;

import dev.josef.kafka.protocol.Record;
import dev.josef.kafka.protocol.RecordBatch;
import dev.josef.kafka.protocol.RecordBatchBuilder;
import dev.josef.kafka.protocol.RecordBatchReader;
import dev.josef.kafka.protocol.RecordCursor;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/**
 * Decoding one uncompressed v2 batch as a consumer does: verify the CRC, then
 * walk every record and hand its offset, timestamp, key and value to the
 * application. Both clients read the same bytes. With {@code crc} both verify
 * the batch's CRC-32C first, as consumers do by default (check.crcs); without it
 * the decoders alone are compared. The CRC is the same JDK intrinsic on both
 * sides, and at 1 KiB per record it is most of the work.
 *
 * <p>{@code josef} uses the zero-copy cursor (key and value are views, like
 * kafka-clients' ByteBuffer slices); {@code josefRecords} builds owned Record
 * values with copied keys and values, for callers that want those.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RecordBatchDecodeBenchmark {

    @Param({"100", "1024"})
    int valueSize;

    @Param({"1", "500"})
    int records;

    /** true: verify CRC-32C first, as consumers do by default (check.crcs); false: the decoder alone. */
    @Param({"true", "false"})
    boolean crc;

    private ByteBuffer batch;
    private RecordBatchReader reader;

    @Setup
    public void setUp() {
        reader = RecordBatchReader.builder().verifyChecksums(crc).build();
        BatchData data = new BatchData(records, valueSize);
        RecordBatchBuilder builder = new RecordBatchBuilder(data.capacity());
        for (int i = 0; i < records; i++) {
            builder.append(data.baseTimestamp + i, data.keys[i], data.values[i]);
        }
        batch = builder.build();
    }

    @Benchmark
    public void josef(Blackhole bh) {
        Iterator<RecordBatch> batches = reader.batches(batch);
        while (batches.hasNext()) {
            RecordCursor cursor = batches.next().cursor();
            while (cursor.next()) {
                bh.consume(cursor.offset());
                bh.consume(cursor.timestamp());
                bh.consume(cursor.key());
                bh.consume(cursor.value());
            }
        }
    }

    @Benchmark
    public void josefRecords(Blackhole bh) {
        Iterator<RecordBatch> batches = reader.batches(batch);
        while (batches.hasNext()) {
            for (Record record : batches.next().records()) {
                bh.consume(record.offset());
                bh.consume(record.timestamp());
                bh.consume(record.key());
                bh.consume(record.value());
            }
        }
    }

    @Benchmark
    public void kafkaClients(Blackhole bh) {
        for (MutableRecordBatch b : MemoryRecords.readableRecords(batch.duplicate()).batches()) {
            if (crc) {
                b.ensureValid();
            }
            for (org.apache.kafka.common.record.internal.Record record : b) {
                bh.consume(record.offset());
                bh.consume(record.timestamp());
                bh.consume(record.key());
                bh.consume(record.value());
            }
        }
    }
}
