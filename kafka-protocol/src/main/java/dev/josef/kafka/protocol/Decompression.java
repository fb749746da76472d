package dev.josef.kafka.protocol;

import dev.josef.kafka.protocol.spi.CompressionCodec;
import dev.josef.kafka.protocol.spi.DecompressionLimitException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/** Decompresses a records section through a codec, bounded by the reader's limit. */
final class Decompression {
    private static final long INITIAL_GUESS_LIMIT = 4L * 1024 * 1024;
    private static final int MAX_HINTED_RATIO = 64;

    private Decompression() {
    }

    /**
     * @param batch the batch being decoded, which errors name
     * @return the decompressed bytes, from position 0
     */
    static ByteBuffer decompress(CompressionCodec codec, ByteBuffer compressed, int maxBytes, RecordBatch batch) {
        return decompress(codec, compressed, maxBytes, batch, null);
    }

    /** As above, into {@code reuse}'s memory when it is given. */
    static ByteBuffer decompress(CompressionCodec codec, ByteBuffer compressed, int maxBytes, RecordBatch batch,
                                 DecodeBuffer reuse) {
        ByteArrayOutput out = null;
        InputStream in = null;
        try {
            in = codec.decompress(compressed.duplicate(), maxBytes);
            if (in == null) {
                throw new ProtocolException(batch.describe() + ": codec " + codec.name() + " returned no stream");
            }
            int initial = initialCapacity(compressed.remaining(), in.available(), maxBytes);
            out = reuse != null ? reuse.output(initial, maxBytes) : new ByteArrayOutput(initial, maxBytes);
            out.readFully(in);
        } catch (ByteArrayOutput.LimitExceeded e) {
            throw new ProtocolException(batch.describe() + " decompresses (" + codec.name() + ") to more than "
                    + maxBytes + " bytes, the reader's maxDecompressedBytes");
        } catch (DecompressionLimitException e) {
            throw new ProtocolException(batch.describe() + " decompresses (" + codec.name() + ") to more than "
                    + maxBytes + " bytes, the reader's maxDecompressedBytes: " + e.getMessage(), e);
        } catch (ProtocolException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new ProtocolException(batch.describe() + " does not decompress with " + codec.name() + ": " + e, e);
        } finally {
            closeQuietly(in);
        }
        return ByteBuffer.wrap(out.array(), 0, out.size());
    }

    /**
     * Twice the compressed size to start with, but no more than a few MiB up front:
     * a hostile batch should have to produce its bytes to claim memory. A codec
     * that knows the decompressed size (zstd frames declare it) says so through
     * {@code available()}, and the buffer is then sized once, no further than
     * {@value #MAX_HINTED_RATIO} times the compressed size: a declared size is
     * only a claim.
     */
    static int initialCapacity(int compressedSize, int hint, int maxBytes) {
        long guess = Math.min(INITIAL_GUESS_LIMIT, Math.max(1024L, 2L * compressedSize));
        long believable = Math.min(hint, MAX_HINTED_RATIO * (long) compressedSize + 1024);
        return (int) Math.min(maxBytes, Math.max(guess, believable));
    }

    private static void closeQuietly(InputStream in) {
        if (in == null) {
            return;
        }
        try {
            in.close();
        } catch (IOException | RuntimeException ignored) {
            // The bytes are read, or the error that stopped the read is reported; a
            // failure to release the codec's state adds nothing to either.
        }
    }
}
