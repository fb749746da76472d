package dev.josef.kafka.compression;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;

/**
 * The write side of the block formats Kafka uses for snappy and lz4: bytes are
 * cut into blocks of a fixed size and each block is compressed on its own. A
 * write that covers a whole block is compressed straight from the caller's array;
 * only the ragged ends are copied into the thread's scratch buffer.
 */
abstract class BlockOutputStream extends OutputStream {
    protected final OutputStream out;
    protected final Scratch scratch;
    private final int blockSize;
    private int buffered;
    private boolean closed;

    BlockOutputStream(OutputStream out, int blockSize) {
        this.out = Objects.requireNonNull(out, "out");
        this.blockSize = blockSize;
        this.scratch = Scratch.acquire();
    }

    /** Compresses {@code length} bytes (at most one block) and writes them to {@link #out}. */
    protected abstract void writeBlock(byte[] source, int offset, int length) throws IOException;

    /** The most one block can take compressed, with its length prefix: the size of {@link #target()}. */
    protected abstract int maxFramedBlock();

    /** The thread's buffer for what goes out: a header, a length prefix and a compressed block. */
    protected final byte[] target() {
        return scratch.second(maxFramedBlock());
    }

    /** Writes whatever starts the format, before the first block. */
    protected abstract void start() throws IOException;

    /** Writes whatever ends the format, after the last block. */
    protected abstract void finish() throws IOException;

    // The header is written on first use rather than in the constructor, so that a
    // failing write surfaces where the caller's try-with-resources closes the
    // stream, which returns the thread's scratch.
    private boolean started;

    private void ensureStarted() throws IOException {
        if (!started) {
            started = true;
            start();
        }
    }

    @Override
    public void write(int b) throws IOException {
        ensureOpen();
        ensureStarted();
        byte[] block = scratch.first(blockSize);
        block[buffered++] = (byte) b;
        if (buffered == blockSize) {
            flushBlock();
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        ensureOpen();
        ensureStarted();
        while (len > 0) {
            if (buffered == 0 && len >= blockSize) {
                writeBlock(b, off, blockSize);
                off += blockSize;
                len -= blockSize;
                continue;
            }
            int n = Math.min(len, blockSize - buffered);
            System.arraycopy(b, off, scratch.first(blockSize), buffered, n);
            buffered += n;
            off += n;
            len -= n;
            if (buffered == blockSize) {
                flushBlock();
            }
        }
    }

    private void flushBlock() throws IOException {
        if (buffered > 0) {
            int n = buffered;
            buffered = 0;
            writeBlock(scratch.first(blockSize), 0, n);
        }
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("the compressing stream is closed");
        }
    }

    /**
     * Blocks are whole units of the format, so {@code flush} passes on what is
     * already compressed and leaves a partial block buffered.
     */
    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            ensureStarted();
            flushBlock();
            finish();
        } finally {
            scratch.release();
            out.close();
        }
    }

    static void writeIntLE(byte[] b, int p, int v) {
        b[p] = (byte) v;
        b[p + 1] = (byte) (v >>> 8);
        b[p + 2] = (byte) (v >>> 16);
        b[p + 3] = (byte) (v >>> 24);
    }

    static void writeIntBE(byte[] b, int p, int v) {
        b[p] = (byte) (v >>> 24);
        b[p + 1] = (byte) (v >>> 16);
        b[p + 2] = (byte) (v >>> 8);
        b[p + 3] = (byte) v;
    }
}
