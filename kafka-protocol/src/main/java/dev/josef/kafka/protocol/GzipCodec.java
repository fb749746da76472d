package dev.josef.kafka.protocol;

import dev.josef.kafka.protocol.internal.ByteBufferInputStream;
import dev.josef.kafka.protocol.spi.CompressionCodec;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Codec id 1: RFC 1952 gzip through the JDK's zlib. Levels are zlib's 1 to 9, and
 * -1 for zlib's own default, as Kafka's {@code compression.gzip.level} (KIP-390).
 */
final class GzipCodec implements CompressionCodec {
    static final GzipCodec INSTANCE = new GzipCodec();

    static final int MIN_LEVEL = Deflater.BEST_SPEED;
    static final int MAX_LEVEL = Deflater.BEST_COMPRESSION;
    static final int DEFAULT_LEVEL = Deflater.DEFAULT_COMPRESSION;

    // Kafka uses 8 KiB for both directions: large enough that zlib is not called
    // for every few bytes, small enough to stay out of the way of many partitions.
    private static final int BUFFER_SIZE = 8 * 1024;

    private GzipCodec() {
    }

    @Override
    public byte id() {
        return 1;
    }

    @Override
    public String name() {
        return "gzip";
    }

    @Override
    public int defaultLevel() {
        return DEFAULT_LEVEL;
    }

    @Override
    public boolean isValidLevel(int level) {
        return level == DEFAULT_LEVEL || (level >= MIN_LEVEL && level <= MAX_LEVEL);
    }

    @Override
    public OutputStream compress(OutputStream out, int level) throws IOException {
        if (!isValidLevel(level)) {
            throw new IllegalArgumentException("gzip level " + level + " is outside " + MIN_LEVEL + ".." + MAX_LEVEL
                    + " (or " + DEFAULT_LEVEL + " for the default)");
        }
        return new LeveledGzipOutputStream(out, level);
    }

    @Override
    public InputStream decompress(ByteBuffer compressed) throws IOException {
        return new GZIPInputStream(new ByteBufferInputStream(compressed.duplicate()), BUFFER_SIZE);
    }

    @Override
    public String toString() {
        return "gzip";
    }

    /** The JDK's stream fixes the level at zlib's default; its deflater is reachable from a subclass. */
    private static final class LeveledGzipOutputStream extends GZIPOutputStream {
        LeveledGzipOutputStream(OutputStream out, int level) throws IOException {
            super(out, BUFFER_SIZE);
            def.setLevel(level);
        }
    }
}
