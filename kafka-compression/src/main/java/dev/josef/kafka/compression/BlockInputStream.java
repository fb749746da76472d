package dev.josef.kafka.compression;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * The read side of a block format: the compressed bytes are walked block by
 * block, each block decoded into the thread's scratch buffer (or, when stored
 * uncompressed, served straight from the input) and handed out from there.
 *
 * <p>Every length read from the input is checked against what is left of the
 * input and against the format's own bounds before anything is allocated, so a
 * hostile payload can claim no more memory than its honest size would.
 */
abstract class BlockInputStream extends InputStream {
    protected final Scratch scratch;
    /** The compressed bytes: {@code input[inputPosition..inputLimit)}. */
    protected final byte[] input;
    protected int inputPosition;
    protected final int inputLimit;

    // The block being handed out.
    private byte[] block;
    private int blockPosition;
    private int blockLimit;
    private boolean headerRead;
    private boolean ended;
    private boolean closed;

    BlockInputStream(ByteBuffer compressed) {
        this.scratch = Scratch.acquire();
        CompressedInput source = CompressedInput.of(compressed, scratch);
        input = source.array();
        inputPosition = source.start();
        inputLimit = source.limit();
    }

    /**
     * Reads the format's header, on the first read rather than in the constructor:
     * a bad header then fails where the caller closes the stream, which returns
     * the thread's scratch.
     */
    protected abstract void readHeader() throws IOException;

    /**
     * Decodes the next block and shows it with {@link #show}, or returns false at
     * the end of the stream.
     */
    protected abstract boolean nextBlock() throws IOException;

    protected final void show(byte[] bytes, int offset, int length) {
        block = bytes;
        blockPosition = offset;
        blockLimit = offset + length;
    }

    protected final int remainingInput() {
        return inputLimit - inputPosition;
    }

    /** Fails unless {@code n} more input bytes are there; {@code what} names what was expected. */
    protected final void require(int n, String what) throws IOException {
        if (n < 0 || remainingInput() < n) {
            throw new IOException("truncated: " + what + " needs " + n + " bytes, "
                    + remainingInput() + " left");
        }
    }

    private boolean fill() throws IOException {
        if (!headerRead) {
            readHeader();
            headerRead = true;
        }
        while (blockPosition == blockLimit) {
            if (ended) {
                return false;
            }
            if (!nextBlock()) {
                ended = true;
                return false;
            }
        }
        return true;
    }

    @Override
    public int read() throws IOException {
        ensureOpen();
        if (!fill()) {
            return -1;
        }
        return block[blockPosition++] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        ensureOpen();
        if (len == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(len, blockLimit - blockPosition);
        System.arraycopy(block, blockPosition, b, off, n);
        blockPosition += n;
        return n;
    }

    @Override
    public int available() {
        return closed ? 0 : blockLimit - blockPosition;
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("the decompressing stream is closed");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            block = null;
            scratch.release();
        }
    }

    static int readIntLE(byte[] b, int p) {
        return XxHash32.intLE(b, p);
    }

    static int readIntBE(byte[] b, int p) {
        return (b[p] & 0xFF) << 24 | (b[p + 1] & 0xFF) << 16 | (b[p + 2] & 0xFF) << 8 | (b[p + 3] & 0xFF);
    }
}
