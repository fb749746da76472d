package dev.josef.kafka.compression;

import io.airlift.compress.lz4.Lz4Compressor;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * Codec id 3: LZ4 in the frame format Kafka writes (magic {@code 0x184D2204},
 * independent blocks of at most 64 KiB, an xxHash32 header checksum, no block or
 * content checksums), with blocks compressed by aircompressor.
 *
 * <p><b>Reading</b> accepts what every Kafka client writes: block sizes up to
 * 4 MiB, a content size field, block checksums (verified), a content checksum
 * (skipped, as Kafka's own reader does), blocks stored uncompressed, and the
 * wrong header checksum that Kafka wrote for magic v0 messages, which covered the
 * magic number too. Linked (dependent) blocks and dictionaries, which no Kafka
 * client writes, are refused with an error that says so.
 *
 * <p><b>Levels:</b> Kafka's {@code compression.lz4.level} range 1 to 17 is
 * accepted so that kafka-clients configurations carry over, but every level
 * compresses with LZ4's fast compressor (aircompressor has no LZ4-HC). That is
 * what kafka-clients does at its default level 9; at other levels it uses LZ4-HC,
 * which compresses smaller and much slower.
 */
public final class Lz4Codec extends AirCodec {
    static final int MIN_LEVEL = 1;
    static final int MAX_LEVEL = 17;
    static final int DEFAULT_LEVEL = 9;

    static final int MAGIC = 0x184D2204;
    /** FLG: version 01, independent blocks, no checksums, no content size, no dictionary. */
    static final byte FLG = 0x60;
    /** BD: 64 KiB blocks, as Kafka writes. */
    static final byte BD = 0x40;
    static final int BLOCK_SIZE = 64 * 1024;

    private static final int FLG_VERSION_MASK = 0xC0;
    private static final int FLG_VERSION_01 = 0x40;
    private static final int FLG_INDEPENDENT = 0x20;
    private static final int FLG_BLOCK_CHECKSUM = 0x10;
    private static final int FLG_CONTENT_SIZE = 0x08;
    private static final int FLG_CONTENT_CHECKSUM = 0x04;
    private static final int FLG_RESERVED = 0x02;
    private static final int FLG_DICTIONARY = 0x01;
    private static final int UNCOMPRESSED_BIT = 0x80000000;

    /** For {@link java.util.ServiceLoader}; the codec holds no state, so any instance will do. */
    public Lz4Codec() {
        super(3, "lz4", MIN_LEVEL, MAX_LEVEL, DEFAULT_LEVEL);
    }

    @Override
    public OutputStream compress(OutputStream out, int level) throws IOException {
        checkLevel(level);
        return new FrameOutputStream(out);
    }

    @Override
    public InputStream decompress(ByteBuffer compressed) throws IOException {
        return new FrameInputStream(compressed);
    }

    private static final class FrameOutputStream extends BlockOutputStream {
        private final Lz4Compressor compressor;

        FrameOutputStream(OutputStream out) {
            super(out, BLOCK_SIZE);
            this.compressor = scratch.lz4Compressor();
        }

        @Override
        protected void start() throws IOException {
            byte[] header = target();
            BlockOutputStream.writeIntLE(header, 0, MAGIC);
            header[4] = FLG;
            header[5] = BD;
            header[6] = (byte) (XxHash32.hash(header, 4, 2, 0) >>> 8);
            out.write(header, 0, 7);
        }

        @Override
        protected int maxFramedBlock() {
            return 4 + compressor.maxCompressedLength(BLOCK_SIZE);
        }

        @Override
        protected void writeBlock(byte[] source, int offset, int length) throws IOException {
            byte[] target = target();
            int compressed = compressor.compress(source, offset, length, target, 4, target.length - 4);
            if (compressed >= length) {
                // Incompressible: the format stores the block as it is, flagged by the high bit.
                writeIntLE(target, 0, length | UNCOMPRESSED_BIT);
                out.write(target, 0, 4);
                out.write(source, offset, length);
            } else {
                writeIntLE(target, 0, compressed);
                out.write(target, 0, 4 + compressed);
            }
        }

        @Override
        protected void finish() throws IOException {
            byte[] endMark = target();
            writeIntLE(endMark, 0, 0);
            out.write(endMark, 0, 4);
        }
    }

    private static final class FrameInputStream extends BlockInputStream {
        private int maxBlockSize;
        private boolean blockChecksums;
        private boolean contentChecksum;

        FrameInputStream(ByteBuffer compressed) {
            super(compressed);
        }

        @Override
        protected void readHeader() throws IOException {
            require(7, "the LZ4 frame header");
            int start = inputPosition;
            if (readIntLE(input, start) != MAGIC) {
                throw new IOException(String.format("not an LZ4 frame: magic is 0x%08X, not 0x%08X",
                        readIntLE(input, start), MAGIC));
            }
            int flg = input[start + 4] & 0xFF;
            int bd = input[start + 5] & 0xFF;
            if ((flg & FLG_VERSION_MASK) != FLG_VERSION_01) {
                throw new IOException("LZ4 frame version " + (flg >>> 6) + " is not supported (only 1)");
            }
            if ((flg & FLG_RESERVED) != 0 || (bd & 0x8F) != 0) {
                throw new IOException(String.format("LZ4 frame descriptor has reserved bits set (FLG 0x%02X, BD 0x%02X)",
                        flg, bd));
            }
            if ((flg & FLG_INDEPENDENT) == 0) {
                throw new IOException("LZ4 frame with linked blocks is not supported: Kafka writes independent blocks");
            }
            if ((flg & FLG_DICTIONARY) != 0) {
                throw new IOException("LZ4 frame with a dictionary id is not supported: Kafka writes none");
            }
            int blockSizeId = (bd >>> 4) & 0x7;
            if (blockSizeId < 4) {
                throw new IOException("LZ4 frame block size id " + blockSizeId + " is invalid (4 to 7)");
            }
            maxBlockSize = 1 << (2 * blockSizeId + 8);
            blockChecksums = (flg & FLG_BLOCK_CHECKSUM) != 0;
            contentChecksum = (flg & FLG_CONTENT_CHECKSUM) != 0;
            int descriptorLength = (flg & FLG_CONTENT_SIZE) != 0 ? 10 : 2;
            require(4 + descriptorLength + 1, "the LZ4 frame header");
            int checksum = input[start + 4 + descriptorLength] & 0xFF;
            int expected = (XxHash32.hash(input, start + 4, descriptorLength, 0) >>> 8) & 0xFF;
            // Kafka's magic v0 writers hashed the magic number as well.
            int legacy = (XxHash32.hash(input, start, 4 + descriptorLength, 0) >>> 8) & 0xFF;
            if (checksum != expected && checksum != legacy) {
                throw new IOException(String.format("LZ4 frame header checksum is 0x%02X, expected 0x%02X",
                        checksum, expected));
            }
            inputPosition = start + 4 + descriptorLength + 1;
        }

        @Override
        protected boolean nextBlock() throws IOException {
            require(4, "an LZ4 block size (the frame has no end mark)");
            int word = readIntLE(input, inputPosition);
            inputPosition += 4;
            if (word == 0) {
                if (contentChecksum) {
                    require(4, "the LZ4 content checksum");
                    inputPosition += 4;
                }
                return false;
            }
            int size = word & ~UNCOMPRESSED_BIT;
            if (size > maxBlockSize) {
                throw new IOException("LZ4 block of " + size + " bytes is larger than the frame's maximum of "
                        + maxBlockSize);
            }
            require(size + (blockChecksums ? 4 : 0), "an LZ4 block");
            int blockStart = inputPosition;
            inputPosition += size;
            if (blockChecksums) {
                int stored = readIntLE(input, inputPosition);
                inputPosition += 4;
                if (stored != XxHash32.hash(input, blockStart, size, 0)) {
                    throw new IOException("LZ4 block checksum mismatch");
                }
            }
            if ((word & UNCOMPRESSED_BIT) != 0) {
                show(input, blockStart, size);
            } else {
                byte[] target = scratch.first(maxBlockSize);
                int n = scratch.lz4Decompressor().decompress(input, blockStart, size, target, 0, maxBlockSize);
                show(target, 0, n);
            }
            return true;
        }
    }
}
