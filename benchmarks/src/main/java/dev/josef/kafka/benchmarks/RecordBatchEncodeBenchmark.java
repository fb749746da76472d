package dev.josef.kafka.benchmarks;

import dev.josef.kafka.protocol.RecordBatchBuilder;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
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

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * Encoding one uncompressed v2 batch, as a producer does when it drains a
 * partition: both builders write into a buffer that is reused, as a producer's
 * buffer pool would hand out. The two produce byte-identical batches (see
 * kafka-protocol's RecordBatchInteropTest). One operation is one batch; records
 * per second = operations per second x records.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RecordBatchEncodeBenchmark {

    @Param({"100", "1024"})
    int valueSize;

    @Param({"1", "500"})
    int records;

    private BatchData data;
    private ByteBuffer josefBuffer;
    private ByteBuffer kafkaBuffer;

    @Setup
    public void setUp() {
        data = new BatchData(records, valueSize);
        josefBuffer = ByteBuffer.allocate(data.capacity());
        kafkaBuffer = ByteBuffer.allocate(data.capacity());
    }

    @Benchmark
    public ByteBuffer josef() {
        josefBuffer.clear();
        RecordBatchBuilder builder = new RecordBatchBuilder(josefBuffer);
        for (int i = 0; i < records; i++) {
            builder.append(data.baseTimestamp + i, data.keys[i], data.values[i]);
        }
        return builder.build();
    }

    @Benchmark
    public ByteBuffer kafkaClients() {
        kafkaBuffer.clear();
        MemoryRecordsBuilder builder = MemoryRecords.builder(kafkaBuffer, Compression.NONE, TimestampType.CREATE_TIME, 0L);
        for (int i = 0; i < records; i++) {
            builder.append(data.baseTimestamp + i, data.keys[i], data.values[i]);
        }
        return builder.build().buffer();
    }
}
