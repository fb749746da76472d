package dev.josef.kafka.compression;

import dev.josef.kafka.protocol.RecordBatchReader;
import dev.josef.kafka.protocol.spi.DecompressionLimitException;
import io.airlift.compress.zstd.ZstdCompressor;
import io.airlift.compress.zstd.ZstdIncrementalFrameDecompressor;
import sun.misc.Unsafe;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
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

    private static final class FrameInputStream extends InputStream {
        private final Scratch scratch;
        private final int maxBytes;
        private final byte[] input;
        private int position;
        private final int limit;
        /** The frames, walked before anything is decoded; null when the walk failed. */
        private final List<ZstdFrames.Frame> frames;
        private final IOException malformed;
        private boolean closed;
        private boolean started;
        private byte[] one;

        // One of three ways of reading, chosen by the first read:
        /** Everything was decoded by the first read, straight into the caller's buffer. */
        private boolean whole;
        /** A large single segment decoded up front, handed out from {@code heldPosition}. */
        private byte[] held;
        private int heldPosition;
        private int heldLimit;
        /** Otherwise: the streaming decoder, fed one frame at a time. */
        private ZstdIncrementalFrameDecompressor decoder;
        private int frame;

        FrameInputStream(ByteBuffer compressed, int maxBytes) {
            this.maxBytes = maxBytes;
            this.scratch = Scratch.acquire();
            CompressedInput source = CompressedInput.of(compressed, scratch);
            input = source.array();
            position = source.start();
            limit = source.limit();
            List<ZstdFrames.Frame> scanned = null;
            IOException failure = null;
            try {
                scanned = ZstdFrames.scan(input, position, limit);
            } catch (IOException e) {
                failure = e;
            }
            frames = scanned;
            malformed = failure;
        }

        /**
         * The content size the frames declare, when every frame declares one: the
         * caller can size its buffer once, which lets the first read decode
         * everything straight into it. Only a hint, as {@code available()} always
         * is; the reader bounds it before believing it.
         */
        @Override
        public int available() {
            long declared = declaredSize();
            return closed || started || declared < 0 ? 0 : (int) Math.min(declared, Integer.MAX_VALUE - 8);
        }

        private long declaredSize() {
            if (frames == null || frames.isEmpty()) {
                return -1;
            }
            long total = 0;
            for (ZstdFrames.Frame f : frames) {
                if (f.header().contentSize() < 0) {
                    return -1;
                }
                total += f.header().contentSize();
            }
            return total;
        }

        @Override
        public int read() throws IOException {
            if (one == null) {
                one = new byte[1];
            }
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xFF;
        }

        /**
         * Reads decoded bytes. When the first read's buffer can hold everything
         * the frames declare, it is decoded there in one call; should that fail
         * (corrupt input), the bytes that call wrote into {@code b} are not
         * cleared before the stream decoder starts over and reports the error.
         */
        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (closed) {
                throw new IOException("the decompressing stream is closed");
            }
            if (malformed != null) {
                throw new IOException(malformed.getMessage(), malformed);
            }
            if (len == 0) {
                return 0;
            }
            if (!started) {
                started = true;
                if (frames.isEmpty()) {
                    whole = true;
                    return -1;
                }
                int n = decodeWhole(b, off, len);
                if (n > 0 || whole) {
                    return whole && n == 0 ? -1 : n;
                }
                if (!holdLargeSingleSegment()) {
                    decoder = scratch.zstdDecompressor();
                    startFrame(b, off, len);
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
            return whole ? -1 : stream(b, off, len);
        }

        /**
         * When the caller's buffer can hold the declared content, the frames are
         * decoded in one call straight into it: no window, no copy, about 15%
         * faster on compressible data and twice as fast on incompressible.
         *
         * @return the bytes decoded, or 0 when this does not apply or failed
         */
        private int decodeWhole(byte[] b, int off, int len) {
            long declared = declaredSize();
            if (declared < 0 || declared > len) {
                return 0;
            }
            for (ZstdFrames.Frame f : frames) {
                // aircompressor refuses a window over 8 MiB even when decoding in one call.
                if (!f.header().singleSegment() && f.header().window() > MAX_WINDOW) {
                    return 0;
                }
            }
            try {
                int n = scratch.zstdWholeDecompressor().decompress(input, position, limit - position, b, off, len);
                position = limit;
                whole = true;
                return n;
            } catch (RuntimeException e) {
                return 0;
            }
        }

        /**
         * A single-segment frame has no window: its decoder must keep the whole
         * content until the frame ends, and aircompressor's stream decoder would
         * grow its buffer to all of it before handing out a byte, past any limit
         * of the reader's. So a single segment larger than the 8 MiB window Josef
         * streams with is decoded in one call into a buffer of its declared size:
         * only when it is the batch's one frame, when that size is within the
         * reader's limit, and when its blocks can hold that much (the walk
         * checked).
         *
         * @return whether the frame is now held
         */
        private boolean holdLargeSingleSegment() throws IOException {
            ZstdFrames.Header header = frames.get(0).header();
            if (frames.size() > 1 || !header.singleSegment() || header.contentSize() <= MAX_WINDOW) {
                return false;
            }
            if (header.contentSize() > maxBytes) {
                throw new DecompressionLimitException("zstd frame declares " + header.contentSize()
                        + " bytes in one segment, more than the " + maxBytes + " bytes the reader accepts");
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
         * Hands the decoder the header of the frame at {@link #frame}.
         *
         * <p>zstd writers at levels 20 and up declare windows of 32 to 128 MiB even
         * for small inputs, and aircompressor refuses any window over 8 MiB.
         * Decoding with an 8 MiB window is exact for every frame whose matches
         * reach back at most 8 MiB, which includes every frame of up to 8 MiB of
         * content: so such a header is handed over with its window descriptor
         * lowered to 8 MiB. A frame that really does reach further back fails
         * cleanly ("Input is corrupted"): the decoder checks every match against
         * the history it kept. A single segment has no window byte to lower, and
         * the decoder would keep all of it: past 8 MiB one is refused here (the
         * batch's only frame was held whole instead).
         */
        private void startFrame(byte[] b, int off, int len) throws IOException {
            ZstdFrames.Header header = frames.get(frame).header();
            if (header.singleSegment()) {
                if (header.contentSize() > MAX_WINDOW) {
                    throw new IOException("zstd frame " + (frame + 1) + " of " + frames.size() + " is a single segment of "
                            + header.contentSize() + " bytes; Josef streams at most " + MAX_WINDOW);
                }
                return;
            }
            if (header.window() <= MAX_WINDOW) {
                return;
            }
            byte[] patched = Arrays.copyOfRange(input, position, position + header.size());
            patched[5] = MAX_WINDOW_DESCRIPTOR;
            decoder.partialDecompress(patched, ARRAY_BASE, ARRAY_BASE + header.size(), b, off, off + len);
            position += decoder.getInputConsumed();
        }

        /** Streams the frames one at a time, each decoded with at most 8 MiB of history. */
        private int stream(byte[] b, int off, int len) throws IOException {
            int used = 0;
            while (used == 0) {
                int frameEnd = frames.get(frame).end();
                // The decoder holds back up to a window of output until the frame ends,
                // so output can still be pending after the frame's last byte is consumed.
                if (position == frameEnd && decoder.getRequestedOutputSize() == 0) {
                    if (!decoder.isAtStoppingPoint()) {
                        throw new IOException("truncated zstd frame: the input ends inside frame " + (frame + 1));
                    }
                    if (++frame == frames.size()) {
                        return -1;
                    }
                    startFrame(b, off, len);
                    continue;
                }
                if (decoder.getInputRequired() > frameEnd - position) {
                    throw new IOException("truncated zstd frame: " + decoder.getInputRequired()
                            + " more bytes needed, " + (frameEnd - position) + " left");
                }
                decoder.partialDecompress(input, ARRAY_BASE + position, ARRAY_BASE + frameEnd, b, off, off + len);
                int consumed = decoder.getInputConsumed();
                used = decoder.getOutputBufferUsed();
                if (consumed == 0 && used == 0) {
                    throw new IOException("zstd decoder made no progress at input offset " + position);
                }
                position += consumed;
            }
            return used;
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
