package dev.josef.kafka.protocol;

import dev.josef.kafka.protocol.internal.ByteBufferInputStream;
import dev.josef.kafka.protocol.spi.CompressionCodec;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/** Codec id 0: the records section is stored as is. */
final class NoCompressionCodec implements CompressionCodec {
    static final NoCompressionCodec INSTANCE = new NoCompressionCodec();

    private NoCompressionCodec() {
    }

    @Override
    public byte id() {
        return 0;
    }

    @Override
    public String name() {
        return "none";
    }

    @Override
    public OutputStream compress(OutputStream out, int level) {
        return out;
    }

    @Override
    public InputStream decompress(ByteBuffer compressed) {
        return new ByteBufferInputStream(compressed.duplicate());
    }

    @Override
    public String toString() {
        return "none";
    }
}
