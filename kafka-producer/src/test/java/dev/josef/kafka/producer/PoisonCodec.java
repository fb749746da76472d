package dev.josef.kafka.producer;

import dev.josef.kafka.protocol.CompressionCodecs;
import dev.josef.kafka.protocol.spi.CompressionCodec;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * gzip, except that it refuses to compress a batch holding the word
 * {@code poison}, or every batch after the first {@code goodBatches}: a codec
 * that throws, for the ordering policy's sake. Its output is real gzip (id 1),
 * so brokers and readers take it as such.
 */
final class PoisonCodec implements CompressionCodec {
    private final int goodBatches;
    private final AtomicInteger built = new AtomicInteger();

    /** Refuses only batches holding {@code poison}. */
    PoisonCodec() {
        this(Integer.MAX_VALUE);
    }

    /** Also refuses every batch after the first {@code goodBatches}. */
    PoisonCodec(int goodBatches) {
        this.goodBatches = goodBatches;
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
    public OutputStream compress(OutputStream out, int level) throws IOException {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        OutputStream gzip = CompressionCodecs.gzip().compress(out, CompressionCodecs.gzip().defaultLevel());
        return new FilterOutputStream(seen) {
            @Override
            public void close() throws IOException {
                if (seen.toString(StandardCharsets.ISO_8859_1).contains("poison")) {
                    throw new IOException("the test codec refuses a batch holding a poison record");
                }
                if (built.incrementAndGet() > goodBatches) {
                    throw new IOException("the test codec refuses every batch after the first " + goodBatches);
                }
                try (gzip) {
                    seen.writeTo(gzip);
                }
            }
        };
    }

    @Override
    public InputStream decompress(ByteBuffer compressed) throws IOException {
        return CompressionCodecs.gzip().decompress(compressed);
    }
}
