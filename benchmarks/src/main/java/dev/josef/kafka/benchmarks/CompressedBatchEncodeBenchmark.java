package dev.josef.kafka.benchmarks;

import dev.josef.kafka.protocol.CompressionCodecs;
import dev.josef.kafka.protocol.RecordBatchBuilder;
import dev.josef.kafka.protocol.spi.CompressionCodec;
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
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * Encoding one compressed v2 batch as a producer does when it drains a
 * partition: 500 records of a 16-byte key and a 200-byte JSON-like value,
 * appended and compressed into a reused buffer, at each codec's default level.
 * Josef's RecordBatchBuilder with kafka-compression against kafka-clients'
 * MemoryRecordsBuilder with its JNI codecs. One operation is one batch.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CompressedBatchEncodeBenchmark {
    static final int RECORDS = 500;
    static final int VALUE_SIZE = 200;

    @Param({"gzip", "snappy", "lz4", "zstd"})
    String codec;

    private byte[][] keys;
    private byte[][] values;
    private CompressionCodec josefCodec;
    private Compression kafkaCompression;
    private ByteBuffer josefBuffer;
    private ByteBuffer kafkaBuffer;

    @Setup
    public void setUp() {
        BatchData random = new BatchData(RECORDS, 0);
        keys = random.keys;
        byte[] text = CodecBenchmark.text(RECORDS * VALUE_SIZE);
        values = new byte[RECORDS][];
        for (int i = 0; i < RECORDS; i++) {
            values[i] = Arrays.copyOfRange(text, i * VALUE_SIZE, (i + 1) * VALUE_SIZE);
        }
        josefCodec = CompressionCodecs.installed().byName(codec);
        kafkaCompression = switch (codec) {
            case "gzip" -> Compression.gzip().build();
            case "snappy" -> Compression.snappy().build();
            case "lz4" -> Compression.lz4().build();
            case "zstd" -> Compression.zstd().build();
            default -> throw new IllegalArgumentException(codec);
        };
        josefBuffer = ByteBuffer.allocate(RECORDS * (VALUE_SIZE + 64));
        kafkaBuffer = ByteBuffer.allocate(RECORDS * (VALUE_SIZE + 64));
    }

    @Benchmark
    public ByteBuffer josef() {
        josefBuffer.clear();
        RecordBatchBuilder builder = new RecordBatchBuilder(josefBuffer).compression(josefCodec);
        for (int i = 0; i < RECORDS; i++) {
            builder.append(1_700_000_000_000L + i, keys[i], values[i]);
        }
        return builder.build();
    }

    @Benchmark
    public ByteBuffer kafkaClients() {
        kafkaBuffer.clear();
        MemoryRecordsBuilder builder = MemoryRecords.builder(kafkaBuffer, kafkaCompression, TimestampType.CREATE_TIME, 0L);
        for (int i = 0; i < RECORDS; i++) {
            builder.append(1_700_000_000_000L + i, keys[i], values[i]);
        }
        return builder.build().buffer();
    }
}
