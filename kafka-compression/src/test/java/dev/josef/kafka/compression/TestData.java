package dev.josef.kafka.compression;

import dev.josef.kafka.protocol.CompressionCodecs;
import dev.josef.kafka.protocol.spi.CompressionCodec;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.ByteBufferOutputStream;
import org.junit.jupiter.params.provider.Arguments;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/** Test inputs, and the two implementations under comparison: Josef's codecs and kafka-clients' JNI ones. */
final class TestData {
    static final List<String> CODECS = List.of("snappy", "lz4", "zstd");

    private TestData() {
    }

    /** Text shaped like log or JSON records: repeated field names, varying values. Compresses 3-6x. */
    static byte[] compressible(int size, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
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
        byte[] all = text.toString().getBytes(StandardCharsets.US_ASCII);
        return java.util.Arrays.copyOf(all, size);
    }

    /** Uniformly random bytes: no codec can shrink them. */
    static byte[] incompressible(int size, long seed) {
        byte[] bytes = new byte[size];
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) random.nextInt(256);
        }
        return bytes;
    }

    /** (codec, size, compressible) for every codec and size, both kinds of data. */
    static Stream<Arguments> codecSizeData(int... sizes) {
        List<Arguments> cases = new ArrayList<>();
        for (String codec : CODECS) {
            for (int size : sizes) {
                cases.add(Arguments.of(codec, size, true));
                cases.add(Arguments.of(codec, size, false));
            }
        }
        return cases.stream();
    }

    static byte[] data(boolean compressible, int size, long seed) {
        return compressible ? compressible(size, seed) : incompressible(size, seed);
    }

    static CompressionCodec josef(String name) {
        return CompressionCodecs.installed().byName(name);
    }

    static byte[] josefCompress(CompressionCodec codec, int level, byte[] data) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = codec.compress(bytes, level)) {
            out.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static byte[] josefDecompress(CompressionCodec codec, ByteBuffer compressed) throws IOException {
        try (InputStream in = codec.decompress(compressed)) {
            return in.readAllBytes();
        }
    }

    static Compression kafka(String name, Integer level) {
        return switch (name) {
            case "snappy" -> Compression.snappy().build();
            case "lz4" -> level == null ? Compression.lz4().build() : Compression.lz4().level(level).build();
            case "zstd" -> level == null ? Compression.zstd().build() : Compression.zstd().level(level).build();
            case "gzip" -> Compression.gzip().build();
            default -> throw new IllegalArgumentException(name);
        };
    }

    static byte[] kafkaCompress(Compression compression, byte[] data) throws IOException {
        ByteBufferOutputStream buffer = new ByteBufferOutputStream(Math.max(64, data.length / 2));
        try (OutputStream out = compression.wrapForOutput(buffer, RecordBatch.CURRENT_MAGIC_VALUE)) {
            out.write(data);
        }
        ByteBuffer written = buffer.buffer().flip();
        byte[] bytes = new byte[written.remaining()];
        written.get(bytes);
        return bytes;
    }

    static byte[] kafkaDecompress(Compression compression, byte[] compressed) throws IOException {
        try (InputStream in = compression.wrapForInput(ByteBuffer.wrap(compressed), RecordBatch.CURRENT_MAGIC_VALUE,
                BufferSupplier.create())) {
            return in.readAllBytes();
        }
    }
}
