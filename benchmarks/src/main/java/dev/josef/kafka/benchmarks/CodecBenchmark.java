package dev.josef.kafka.benchmarks;

import dev.josef.kafka.protocol.CompressionCodecs;
import dev.josef.kafka.protocol.spi.CompressionCodec;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.ByteBufferOutputStream;
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

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Compressing and decompressing one records section, the unit a Kafka client
 * compresses: Josef's pure-Java codecs (kafka-compression, on aircompressor)
 * against the JNI libraries kafka-clients 4.3.1 uses (snappy-java, lz4-java,
 * zstd-jni), each through its client's own framing code, at each codec's default
 * level. Both sides write into a reused buffer and read into a reused array, and
 * kafka-clients decompresses with a cached BufferSupplier, as its consumer does.
 *
 * <p>{@code compressible} is JSON-like log lines (3-6x smaller compressed);
 * {@code incompressible} is random bytes. Scores are operations per second; one
 * operation is one {@code size}-byte input, so MB/s = score x size / 10^6.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CodecBenchmark {

    @Param({"snappy", "lz4", "zstd"})
    String codec;

    @Param({"1024", "16384", "1048576"})
    int size;

    @Param({"true", "false"})
    boolean compressible;

    private byte[] input;
    private CompressionCodec josef;
    private Compression kafka;
    private ByteBuffer josefCompressed;
    private ByteBuffer kafkaCompressed;
    private byte[] output;
    private Sink sink;
    private ByteBufferOutputStream kafkaSink;
    private BufferSupplier buffers;

    @Setup
    public void setUp() throws IOException {
        input = compressible ? text(size) : noise(size);
        josef = CompressionCodecs.installed().byName(codec);
        kafka = switch (codec) {
            case "snappy" -> Compression.snappy().build();
            case "lz4" -> Compression.lz4().build();
            case "zstd" -> Compression.zstd().build();
            default -> throw new IllegalArgumentException(codec);
        };
        sink = new Sink(2 * size + 4096);
        kafkaSink = new ByteBufferOutputStream(ByteBuffer.allocate(2 * size + 4096));
        output = new byte[size];
        buffers = BufferSupplier.create();
        josefCompress();
        josefCompressed = ByteBuffer.wrap(Arrays.copyOf(sink.bytes, sink.count));
        kafkaCompress();
        kafkaCompressed = ByteBuffer.wrap(Arrays.copyOf(kafkaSink.buffer().array(), kafkaSink.position()));
        if (!Arrays.equals(input, Arrays.copyOf(output, josefDecompress())) || kafkaDecompress() != size) {
            throw new IllegalStateException("round trip failed for " + codec);
        }
    }

    @Benchmark
    public int josefCompress() throws IOException {
        sink.count = 0;
        try (OutputStream out = josef.compress(sink, josef.defaultLevel())) {
            out.write(input);
        }
        return sink.count;
    }

    @Benchmark
    public int kafkaCompress() throws IOException {
        kafkaSink.position(0);
        try (OutputStream out = kafka.wrapForOutput(kafkaSink, RecordBatch.CURRENT_MAGIC_VALUE)) {
            out.write(input);
        }
        return kafkaSink.position();
    }

    @Benchmark
    public int josefDecompress() throws IOException {
        try (InputStream in = josef.decompress(josefCompressed)) {
            return drain(in);
        }
    }

    @Benchmark
    public int kafkaDecompress() throws IOException {
        try (InputStream in = kafka.wrapForInput(kafkaCompressed.duplicate(), RecordBatch.CURRENT_MAGIC_VALUE, buffers)) {
            return drain(in);
        }
    }

    private int drain(InputStream in) throws IOException {
        int total = 0;
        int n;
        while ((n = in.read(output, total, output.length - total)) > 0) {
            total += n;
        }
        return total;
    }

    static byte[] text(int size) {
        SplittableRandom random = new SplittableRandom(42);
        String[] services = {"checkout", "payments", "inventory", "search", "auth"};
        String[] levels = {"INFO", "WARN", "DEBUG", "ERROR"};
        StringBuilder text = new StringBuilder(size + 200);
        while (text.length() < size) {
            text.append("{\"ts\":").append(1_700_000_000_000L + random.nextInt(1_000_000))
                    .append(",\"service\":\"").append(services[random.nextInt(services.length)])
                    .append("\",\"level\":\"").append(levels[random.nextInt(levels.length)])
                    .append("\",\"user\":").append(random.nextInt(100_000))
                    .append(",\"latencyMs\":").append(random.nextInt(5000))
                    .append(",\"msg\":\"request handled\"}\n");
        }
        return Arrays.copyOf(text.toString().getBytes(StandardCharsets.US_ASCII), size);
    }

    static byte[] noise(int size) {
        byte[] bytes = new byte[size];
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) random.nextInt(256);
        }
        return bytes;
    }

    /** A reused output buffer without ByteArrayOutputStream's locking or growth. */
    static final class Sink extends OutputStream {
        final byte[] bytes;
        int count;

        Sink(int capacity) {
            bytes = new byte[capacity];
        }

        @Override
        public void write(int b) {
            bytes[count++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            System.arraycopy(b, off, bytes, count, len);
            count += len;
        }
    }
}
