package dev.josef.kafka.compression;

import dev.josef.kafka.protocol.RecordBatchReader;
import io.airlift.compress.zstd.ZstdCompressor;
import io.airlift.compress.zstd.ZstdIncrementalFrameDecompressor;
import sun.misc.Unsafe;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * Codec id 4: Zstandard, standard frames, by aircompressor.
 *
 * <p><b>Writing</b> makes one frame per batch, with its content size and an
 * xxHash64 checksum, which every zstd reader accepts.
 *
 * <p><b>Reading</b> streams: the frame is decoded a block at a time into a window
 * buffer that is reused by the thread's next batch. The window is bounded at
 * 8 MiB whatever the frame declares: frames from zstd's levels 20 to 22, which
 * declare up to 128 MiB, are read with an 8 MiB window, which is exact for any
 * batch of up to 8 MiB of records. A larger batch whose matches reach further
 * back is reported as corrupt rather than decoded with unbounded memory.
 *
 * <p><b>Levels:</b> Kafka's {@code compression.zstd.level} range (-131072 to 22,
 * default 3) is accepted so that kafka-clients configurations carry over, but
 * every level compresses at zstd level 3: aircompressor 2.x implements only
 * zstd's "double fast" strategy. Level 3 is Kafka's default.
 */
public final class ZstdCodec extends AirCodec {
    static final int MIN_LEVEL = -131072;
    static final int MAX_LEVEL = 22;
    static final int DEFAULT_LEVEL = 3;

    private static final long ARRAY_BASE = Unsafe.ARRAY_BYTE_BASE_OFFSET;

    private static final int FRAME_MAGIC = 0xFD2FB528;
    /** The largest window aircompressor decodes with, and so the most history Josef keeps. */
    static final int MAX_WINDOW = 8 << 20;
    /** A window descriptor for exactly {@link #MAX_WINDOW}: exponent 13 (2^(10+13)), mantissa 0. */
    private static final byte MAX_WINDOW_DESCRIPTOR = 13 << 3;

    /** For {@link java.util.ServiceLoader}; the codec holds no state, so any instance will do. */
    public ZstdCodec() {
        super(4, "zstd", MIN_LEVEL, MAX_LEVEL, DEFAULT_LEVEL);
    }

    @Override
    public OutputStream compress(OutputStream out, int level) throws IOException {
        checkLevel(level);
        return new FrameOutputStream(out);
    }

    /** Decompresses with the record batch reader's default limit, {@value RecordBatchReader#DEFAULT_MAX_DECOMPRESSED_BYTES} bytes. */
    @Override
    public InputStream decompress(ByteBuffer compressed) throws IOException {
        return decompress(compressed, RecordBatchReader.DEFAULT_MAX_DECOMPRESSED_BYTES);
    }

    @Override
    public InputStream decompress(ByteBuffer compressed, int maxDecompressedBytes) throws IOException {
        return new FrameInputStream(compressed, maxDecompressedBytes);
    }

    /**
     * Collects the batch, then compresses it as one frame on close: a frame that
     * knows its content size is the smallest, and aircompressor compresses whole
     * inputs. The collecting buffer is the thread's, reused.
     */
    private static final class FrameOutputStream extends OutputStream {
        private final OutputStream out;
        private final Scratch scratch;
        private byte[] buffer;
        private int size;
        private boolean closed;

        FrameOutputStream(OutputStream out) {
            this.out = Objects.requireNonNull(out, "out");
            this.scratch = Scratch.acquire();
            this.buffer = scratch.first(16 * 1024);
        }

        @Override
        public void write(int b) throws IOException {
            ensureCapacity(1);
            buffer[size++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            ensureCapacity(len);
            System.arraycopy(b, off, buffer, size, len);
            size += len;
        }

        private void ensureCapacity(int more) throws IOException {
            if (closed) {
                throw new IOException("the compressing stream is closed");
            }
            long needed = (long) size + more;
            if (needed > buffer.length) {
                if (needed > Integer.MAX_VALUE - 8) {
                    throw new IOException("zstd cannot compress more than 2 GiB as one batch");
                }
                buffer = scratch.growFirst((int) Math.min(Integer.MAX_VALUE - 8, Math.max(needed, 2L * buffer.length)),
                        size);
            }
        }

        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            try {
                ZstdCompressor compressor = scratch.zstdCompressor();
                byte[] target = scratch.second(compressor.maxCompressedLength(size));
                int n = compressor.compress(buffer, 0, size, target, 0, target.length);
                out.write(target, 0, n);
            } finally {
                buffer = null;
                scratch.release();
                out.close();
            }
        }
    }

    /**
     * What the first frame's header declares, read without trusting it: its size,
     * whether it is a single segment (no window: the decoder keeps the whole
     * content), its window (the content size for a single segment) and its
     * content size (-1 when not given).
     */
    record FrameHeader(int size, boolean singleSegment, long window, long contentSize) {
        static FrameHeader parse(byte[] b, int p, int limit) {
            if (limit - p < 6 || BlockInputStream.readIntLE(b, p) != FRAME_MAGIC) {
                return null;
            }
            int descriptor = b[p + 4] & 0xFF;
            boolean singleSegment = (descriptor & 0x20) != 0;
            int dictionaryBytes = new int[] {0, 1, 2, 4}[descriptor & 0x3];
            int contentSizeBytes = new int[] {singleSegment ? 1 : 0, 2, 4, 8}[descriptor >>> 6];
            int size = 5 + (singleSegment ? 0 : 1) + dictionaryBytes + contentSizeBytes;
            if (limit - p < size) {
                return null;
            }
            int q = p + size - contentSizeBytes;
            long contentSize = switch (contentSizeBytes) {
                case 1 -> b[q] & 0xFF;
                case 2 -> ((b[q] & 0xFF) | (b[q + 1] & 0xFF) << 8) + 256;
                case 4 -> BlockInputStream.readIntLE(b, q) & 0xFFFF_FFFFL;
                case 8 -> (BlockInputStream.readIntLE(b, q) & 0xFFFF_FFFFL)
                        | (long) BlockInputStream.readIntLE(b, q + 4) << 32;
                default -> -1;
            };
            if (singleSegment) {
                return new FrameHeader(size, true, contentSize, contentSize);
            }
            int windowByte = b[p + 5] & 0xFF;
            long window = 1L << (10 + (windowByte >>> 3));
            window += (window >>> 3) * (windowByte & 0x7);
            return new FrameHeader(size, false, window, contentSize < 0 ? -1 : contentSize);
        }
    }

    private static final class FrameInputStream extends InputStream {
        private final Scratch scratch;
        /** The streaming decoder, taken from the scratch only when the whole-frame path does not apply. */
        private ZstdIncrementalFrameDecompressor decoder;
        private final byte[] input;
        private int position;
        private final int limit;
        private boolean closed;
        private boolean atStart = true;
        private byte[] one;
        /** The first frame's header, or null when it does not parse (the decoder then says why). */
        private final FrameHeader header;
        /** Whether the whole input was decoded at once by the first read. */
        private boolean whole;
        private final int maxBytes;
        /** A large single segment decoded up front, handed out from {@code heldPosition}. */
        private byte[] held;
        private int heldPosition;
        private int heldLimit;

        FrameInputStream(ByteBuffer compressed, int maxBytes) {
            this.maxBytes = maxBytes;
            this.scratch = Scratch.acquire();
            CompressedInput source = CompressedInput.of(compressed, scratch);
            input = source.array();
            position = source.start();
            limit = source.limit();
            header = FrameHeader.parse(input, position, limit);
        }

        /**
         * The first frame's declared content size when it has one: the caller can
         * size its buffer once, which lets the first read decode the whole frame
         * straight into it. Only a hint, as {@code available()} always is; the
         * reader bounds it before believing it.
         */
        @Override
        public int available() {
            if (closed || !atStart || header == null || header.contentSize() < 0) {
                return 0;
            }
            return (int) Math.min(header.contentSize(), Integer.MAX_VALUE - 8);
        }

        /**
         * When the caller's buffer can hold the frame's declared content, the
         * frame is decoded in one call straight into it: no window, no copy, about
         * 15% faster on compressible data and twice as fast on incompressible.
         * Returns -1 when that does not apply, or when it fails (too little room
         * after all, or corrupt input): the stream decoder then starts over from
         * the first byte, and reports any corruption itself.
         */
        private int decodeWholeFrame(byte[] b, int off, int len) {
            // aircompressor refuses a window over 8 MiB even when decoding in one call.
            if (header == null || header.contentSize() < 0 || header.contentSize() > len
                    || (!header.singleSegment() && header.window() > MAX_WINDOW)) {
                return -1;
            }
            try {
                int n = scratch.zstdWholeDecompressor().decompress(input, position, limit - position, b, off, len);
                position = limit;
                whole = true;
                return n == 0 ? -1 : n;
            } catch (RuntimeException e) {
                return -1;
            }
        }

        @Override
        public int read() throws IOException {
            if (one == null) {
                one = new byte[1];
            }
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (closed) {
                throw new IOException("the decompressing stream is closed");
            }
            if (len == 0) {
                return 0;
            }
            if (atStart) {
                atStart = false;
                int n = decodeWholeFrame(b, off, len);
                if (n >= 0) {
                    return n;
                }
                if (!whole && !holdLargeSingleSegment()) {
                    decoder = scratch.zstdDecompressor();
                    boundWindow(b, off, len);
                }
            }
            if (held != null) {
                if (heldPosition == heldLimit) {
                    return -1;
                }
                int n = Math.min(len, heldLimit - heldPosition);
                System.arraycopy(held, heldPosition, b, off, n);
                heldPosition += n;
                return n;
            }
            if (whole) {
                return -1;
            }
            int used = 0;
            while (used == 0) {
                // The decoder holds back up to a window of output until the frame ends,
                // so output can still be pending after the last input byte is consumed.
                if (position == limit && decoder.getRequestedOutputSize() == 0) {
                    if (decoder.isAtStoppingPoint()) {
                        return -1;
                    }
                    throw new IOException("truncated zstd frame: the input ends inside a frame");
                }
                if (decoder.getInputRequired() > limit - position) {
                    throw new IOException("truncated zstd frame: " + decoder.getInputRequired()
                            + " more bytes needed, " + (limit - position) + " left");
                }
                decoder.partialDecompress(input, ARRAY_BASE + position, ARRAY_BASE + limit, b, off, off + len);
                int consumed = decoder.getInputConsumed();
                used = decoder.getOutputBufferUsed();
                if (consumed == 0 && used == 0) {
                    throw new IOException("zstd decoder made no progress at input offset " + position);
                }
                position += consumed;
            }
            return used;
        }

        /**
         * A single-segment frame has no window: its decoder must keep the whole
         * content until the frame ends, and aircompressor's stream decoder would
         * grow its buffer to whatever the frame decodes to before handing out a
         * byte, past any limit of the reader's. So a single segment larger than
         * the 8 MiB window Josef streams with is decoded in one call into a buffer
         * of its declared size, and only when that size is within the reader's
         * limit: the memory it takes is what the reader accepts anyway.
         *
         * @return whether the frame is now held
         */
        private boolean holdLargeSingleSegment() throws IOException {
            if (header == null || !header.singleSegment() || header.contentSize() <= MAX_WINDOW) {
                return false;
            }
            if (header.contentSize() > maxBytes) {
                throw new IOException("zstd frame declares " + header.contentSize() + " bytes in one segment, more than the "
                        + maxBytes + " bytes the reader accepts");
            }
            held = new byte[(int) header.contentSize()];
            try {
                heldLimit = scratch.zstdWholeDecompressor().decompress(input, position, limit - position, held, 0,
                        held.length);
            } catch (RuntimeException e) {
                throw new IOException("zstd frame does not decode: " + e.getMessage(), e);
            }
            position = limit;
            return true;
        }

        /**
         * zstd writers at levels 20 and up declare windows of 32 to 128 MiB even for
         * small inputs, and aircompressor refuses any window over 8 MiB. Decoding
         * with an 8 MiB window is exact for every frame whose matches reach back at
         * most 8 MiB, which includes every frame of up to 8 MiB of content: so the
         * first frame's header is handed to the decoder with its window descriptor
         * lowered to 8 MiB. A frame that really does reach further back fails
         * cleanly ("Input is corrupted"): the decoder checks every match against the
         * history it kept. Memory stays bounded by 8 MiB whatever a frame declares.
         */
        private void boundWindow(byte[] b, int off, int len) {
            // A single segment has no window byte to lower; aircompressor's stream
            // decoder holds at most 8 MiB of it and refuses more by itself.
            if (header == null || header.singleSegment() || header.window() <= MAX_WINDOW) {
                return;
            }
            byte[] patched = Arrays.copyOfRange(input, position, position + header.size());
            patched[5] = MAX_WINDOW_DESCRIPTOR;
            decoder.partialDecompress(patched, ARRAY_BASE, ARRAY_BASE + header.size(), b, off, off + len);
            position += decoder.getInputConsumed();
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                held = null;
                scratch.release();
            }
        }
    }
}
