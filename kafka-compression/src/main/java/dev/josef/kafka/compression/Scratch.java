package dev.josef.kafka.compression;

import io.airlift.compress.lz4.Lz4Compressor;
import io.airlift.compress.lz4.Lz4Decompressor;
import io.airlift.compress.snappy.SnappyCompressor;
import io.airlift.compress.snappy.SnappyDecompressor;
import io.airlift.compress.zstd.ZstdCompressor;
import io.airlift.compress.zstd.ZstdDecompressor;
import io.airlift.compress.zstd.ZstdIncrementalFrameDecompressor;

/**
 * One thread's codec state and buffers, reused from batch to batch so that a
 * compressed batch costs no allocation beyond what the codec itself makes.
 *
 * <p>A stream {@linkplain #acquire() acquires} its thread's scratch and releases
 * it on close. A second stream opened on the same thread while the first is
 * still open gets a fresh, unshared scratch instead, so interleaved streams
 * never see each other's bytes. Buffers that grew past {@link #RETAIN_LIMIT}
 * for one unusually large batch are dropped on release rather than kept.
 */
final class Scratch {
    /** The largest buffer kept between batches; a bigger one is for one batch only. */
    static final int RETAIN_LIMIT = 4 << 20;

    private static final ThreadLocal<Scratch> PER_THREAD = ThreadLocal.withInitial(() -> new Scratch(true));

    private final boolean cached;
    private boolean inUse;

    private byte[] first = new byte[0];
    private byte[] second = new byte[0];

    // aircompressor's compressors hold their hash tables; they are not thread-safe,
    // which is exactly why each thread has its own.
    private SnappyCompressor snappyCompressor;
    private SnappyDecompressor snappyDecompressor;
    private Lz4Compressor lz4Compressor;
    private Lz4Decompressor lz4Decompressor;
    private ZstdCompressor zstdCompressor;
    private ZstdIncrementalFrameDecompressor zstdDecompressor;
    private ZstdDecompressor zstdWholeDecompressor;

    private Scratch(boolean cached) {
        this.cached = cached;
    }

    static Scratch acquire() {
        Scratch scratch = PER_THREAD.get();
        if (scratch.inUse) {
            return new Scratch(false);
        }
        scratch.inUse = true;
        return scratch;
    }

    void release() {
        if (!cached || !inUse) {
            return;
        }
        if (first.length > RETAIN_LIMIT) {
            first = new byte[0];
        }
        if (second.length > RETAIN_LIMIT) {
            second = new byte[0];
        }
        inUse = false;
    }

    /** The first buffer, at least {@code size} bytes; its contents are not kept when it grows. */
    byte[] first(int size) {
        if (first.length < size) {
            first = new byte[size];
        }
        return first;
    }

    /** The second buffer, at least {@code size} bytes; its contents are not kept when it grows. */
    byte[] second(int size) {
        if (second.length < size) {
            second = new byte[size];
        }
        return second;
    }

    /** The first buffer grown to {@code size} bytes, keeping its first {@code keep} bytes. */
    byte[] growFirst(int size, int keep) {
        if (first.length < size) {
            byte[] grown = new byte[size];
            System.arraycopy(first, 0, grown, 0, keep);
            first = grown;
        }
        return first;
    }

    SnappyCompressor snappyCompressor() {
        if (snappyCompressor == null) {
            snappyCompressor = new SnappyCompressor();
        }
        return snappyCompressor;
    }

    SnappyDecompressor snappyDecompressor() {
        if (snappyDecompressor == null) {
            snappyDecompressor = new SnappyDecompressor();
        }
        return snappyDecompressor;
    }

    Lz4Compressor lz4Compressor() {
        if (lz4Compressor == null) {
            lz4Compressor = new Lz4Compressor();
        }
        return lz4Compressor;
    }

    Lz4Decompressor lz4Decompressor() {
        if (lz4Decompressor == null) {
            lz4Decompressor = new Lz4Decompressor();
        }
        return lz4Decompressor;
    }

    ZstdCompressor zstdCompressor() {
        if (zstdCompressor == null) {
            zstdCompressor = new ZstdCompressor();
        }
        return zstdCompressor;
    }

    /** aircompressor's one-call zstd decoder, which holds its entropy tables between calls. */
    ZstdDecompressor zstdWholeDecompressor() {
        if (zstdWholeDecompressor == null) {
            zstdWholeDecompressor = new ZstdDecompressor();
        }
        return zstdWholeDecompressor;
    }

    /**
     * A zstd decoder ready for a new frame. The one kept from the last batch is
     * reused (with its window buffer) when that batch was read to its end; after
     * an error, or a stream closed early, its state is unknown, so it is replaced.
     */
    ZstdIncrementalFrameDecompressor zstdDecompressor() {
        boolean readyForAFrame = zstdDecompressor != null
                && zstdDecompressor.isAtStoppingPoint() && zstdDecompressor.getRequestedOutputSize() == 0;
        if (!readyForAFrame) {
            zstdDecompressor = new ZstdIncrementalFrameDecompressor();
        }
        return zstdDecompressor;
    }
}
