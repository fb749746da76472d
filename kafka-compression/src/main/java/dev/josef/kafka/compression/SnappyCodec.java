package dev.josef.kafka.compression;

import dev.josef.kafka.protocol.spi.DecompressionLimitException;
import io.airlift.compress.snappy.SnappyCompressor;
import io.airlift.compress.snappy.SnappyDecompressor;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * Codec id 2: snappy in the "xerial" stream kafka-clients writes (snappy-java's
 * {@code SnappyOutputStream}): a 16-byte header (magic {@code 0x82 "SNAPPY" 0},
 * version 1, compatible version 1), then chunks of at most 32 KiB, each a
 * big-endian length and one raw snappy block, compressed by aircompressor.
 *
 * <p>Reading also accepts a payload that is one raw snappy block with no xerial
 * header, which some non-Java clients write, and xerial streams concatenated
 * back to back.
 *
 * <p>Snappy has no levels: only level 0 is valid, as Kafka has no
 * {@code compression.snappy.level}.
 */
public final class SnappyCodec extends AirCodec {
    static final byte[] MAGIC = {(byte) 0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
    static final int HEADER_SIZE = 16;
    static final int VERSION = 1;
    static final int COMPATIBLE_VERSION = 1;
    static final int BLOCK_SIZE = 32 * 1024;

    /**
     * A snappy block decodes to at most about 21 times its size (a 3-byte copy
     * makes 64 bytes); a block that declares more is lying.
     */
    private static final int MAX_EXPANSION = 22;

    /** For {@link java.util.ServiceLoader}; the codec holds no state, so any instance will do. */
    public SnappyCodec() {
        super(2, "snappy", 0, 0, 0);
    }

    @Override
    public OutputStream compress(OutputStream out, int level) throws IOException {
        checkLevel(level);
        return new XerialOutputStream(out);
    }

    @Override
    public InputStream decompress(ByteBuffer compressed) throws IOException {
        return new XerialInputStream(compressed, Integer.MAX_VALUE);
    }

    /**
     * Each snappy block declares its decoded size and is decoded whole, so a
     * block that would take the stream past {@code maxDecompressedBytes} is
     * refused before it is decoded, rather than decoded and then cut off.
     */
    @Override
    public InputStream decompress(ByteBuffer compressed, int maxDecompressedBytes) throws IOException {
        return new XerialInputStream(compressed, maxDecompressedBytes);
    }

    static boolean startsWithMagic(byte[] b, int p, int limit) {
        if (limit - p < MAGIC.length) {
            return false;
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (b[p + i] != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    private static final class XerialOutputStream extends BlockOutputStream {
        private final SnappyCompressor compressor;

        XerialOutputStream(OutputStream out) {
            super(out, BLOCK_SIZE);
            this.compressor = scratch.snappyCompressor();
        }

        @Override
        protected void start() throws IOException {
            byte[] header = target();
            System.arraycopy(MAGIC, 0, header, 0, MAGIC.length);
            writeIntBE(header, 8, VERSION);
            writeIntBE(header, 12, COMPATIBLE_VERSION);
            out.write(header, 0, HEADER_SIZE);
        }

        @Override
        protected int maxFramedBlock() {
            return 4 + compressor.maxCompressedLength(BLOCK_SIZE);
        }

        @Override
        protected void writeBlock(byte[] source, int offset, int length) throws IOException {
            byte[] target = target();
            int compressed = compressor.compress(source, offset, length, target, 4, target.length - 4);
            writeIntBE(target, 0, compressed);
            out.write(target, 0, 4 + compressed);
        }

        @Override
        protected void finish() {
            // The xerial stream simply ends after its last chunk.
        }
    }

    private static final class XerialInputStream extends BlockInputStream {
        private final long maxBytes;
        private long decoded;
        private boolean raw;

        XerialInputStream(ByteBuffer compressed, int maxBytes) {
            super(compressed);
            this.maxBytes = maxBytes;
        }

        @Override
        protected void readHeader() throws IOException {
            raw = !startsWithMagic(input, inputPosition, inputLimit);
            if (!raw) {
                skipHeader();
            }
        }

        private void skipHeader() throws IOException {
            require(HEADER_SIZE, "the xerial snappy header");
            int compatible = readIntBE(input, inputPosition + 12);
            if (compatible > VERSION) {
                throw new IOException("xerial snappy stream needs reader version " + compatible + "; this reads "
                        + VERSION);
            }
            inputPosition += HEADER_SIZE;
        }

        @Override
        protected boolean nextBlock() throws IOException {
            if (remainingInput() == 0) {
                return false;
            }
            int length;
            if (raw) {
                length = remainingInput();
            } else {
                if (startsWithMagic(input, inputPosition, inputLimit)) {
                    // Another xerial stream follows, as snappy-java's reader allows.
                    skipHeader();
                    return true;
                }
                require(4, "a snappy chunk length");
                length = readIntBE(input, inputPosition);
                inputPosition += 4;
                if (length <= 0) {
                    throw new IOException("snappy chunk length " + length + " is not positive");
                }
                require(length, "a snappy chunk");
            }
            int start = inputPosition;
            inputPosition += length;
            int size = SnappyDecompressor.getUncompressedLength(input, start);
            if (size < 0 || (long) size > (long) length * MAX_EXPANSION + 16) {
                throw new IOException("snappy block of " + length + " bytes claims to decompress to " + size
                        + " bytes, more than snappy can expand");
            }
            if (decoded + size > maxBytes) {
                throw new DecompressionLimitException("snappy block declares " + size
                        + " bytes, which would take the batch past the " + maxBytes + " bytes the reader accepts");
            }
            decoded += size;
            byte[] target = scratch.first(size);
            int n = scratch.snappyDecompressor().decompress(input, start, length, target, 0, size);
            show(target, 0, n);
            return true;
        }
    }
}
