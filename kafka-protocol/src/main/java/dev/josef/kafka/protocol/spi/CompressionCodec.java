package dev.josef.kafka.protocol.spi;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * One compression codec as Kafka's record batches name it: the codec id sits in
 * bits 0-2 of a batch's attributes, and the whole records section of the batch is
 * compressed as one stream.
 *
 * <p>{@code none} (id 0) and {@code gzip} (id 1) are built in; the others (snappy 2,
 * lz4 3, zstd 4) come from providers found with {@link java.util.ServiceLoader},
 * such as Josef's {@code kafka-compression} module. Whoever implements a codec owns
 * the exact framing Kafka expects for its id (xerial framing for snappy, LZ4 frames
 * for lz4, ...): the bytes must be readable by every other Kafka client.
 *
 * <p>Implementations must be thread-safe: one instance serves every batch of every
 * client in the JVM. The streams they return are used by one thread and closed.
 */
public interface CompressionCodec {

    /** The codec id of Kafka's attributes field, 0 to 7. */
    byte id();

    /** The name Kafka's {@code compression.type} setting uses: "gzip", "snappy", "lz4", "zstd". */
    String name();

    /**
     * The level used when the application does not choose one (KIP-390). A codec
     * without levels returns 0 and accepts only 0.
     */
    default int defaultLevel() {
        return 0;
    }

    /** Whether {@code level} is a level this codec understands (KIP-390). */
    default boolean isValidLevel(int level) {
        return level == defaultLevel();
    }

    /**
     * Wraps {@code out} so that bytes written to the result reach {@code out}
     * compressed. Closing the result finishes the compressed stream and closes
     * {@code out}.
     *
     * @param level a level for which {@link #isValidLevel} holds
     */
    OutputStream compress(OutputStream out, int level) throws IOException;

    /**
     * A stream of the decompressed bytes of {@code compressed} (its remaining bytes).
     * The caller reads as much as it is willing to accept and closes the stream, so
     * an implementation should decompress as it is read rather than all at once:
     * that is what bounds the memory a hostile batch can claim.
     *
     * <p>Malformed input may be reported with an {@link IOException} or any runtime
     * exception; the caller turns either into a protocol error for the batch.
     */
    InputStream decompress(ByteBuffer compressed) throws IOException;

    /**
     * As {@link #decompress(ByteBuffer)}, for a reader that will take at most
     * {@code maxDecompressedBytes}: Josef's record batch reader calls this one.
     * A codec whose format declares sizes up front may refuse at once when the
     * content is larger (with a {@link DecompressionLimitException}), and should
     * bound the memory it holds internally by the limit (a decoder that must keep a whole frame before it can hand out any of
     * it, for instance). The default ignores the limit, which is right for codecs
     * that hand out what they decode as they go: the reader stops at the limit.
     */
    default InputStream decompress(ByteBuffer compressed, int maxDecompressedBytes) throws IOException {
        return decompress(compressed);
    }
}
