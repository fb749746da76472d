package dev.josef.kafka.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Objects;

/**
 * A growable byte array to compress into or decompress into. Unlike
 * {@link java.io.ByteArrayOutputStream} it takes no lock, and it refuses to grow
 * past a limit, which is how a decompression bomb is stopped.
 */
final class ByteArrayOutput extends OutputStream {
    /** Thrown, and caught by the owner, when a write would pass the limit. */
    static final class LimitExceeded extends RuntimeException {
        private static final long serialVersionUID = 1L;

        LimitExceeded() {
            super(null, null, false, false);
        }
    }

    private static final int MAX_IDLE_READS = 1000;

    // Arrays near Integer.MAX_VALUE cannot be allocated on most JVMs.
    static final int MAX_ARRAY_SIZE = Integer.MAX_VALUE - 8;

    private final int limit;
    private byte[] bytes;
    private int count;

    ByteArrayOutput(int initialCapacity, int limit) {
        this.limit = limit;
        this.bytes = new byte[Math.min(limit, Math.max(16, initialCapacity))];
    }

    @Override
    public void write(int b) {
        ensureCapacity(1);
        bytes[count++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
        Objects.checkFromIndexSize(off, len, b.length);
        ensureCapacity(len);
        System.arraycopy(b, off, bytes, count, len);
        count += len;
    }

    private void ensureCapacity(int more) {
        int needed = count + more;
        if (needed < 0 || needed > limit) {
            throw new LimitExceeded();
        }
        if (needed > bytes.length) {
            // Doubling keeps the copies amortised; the limit caps the last step.
            long grown = Math.max((long) bytes.length * 2, needed);
            bytes = Arrays.copyOf(bytes, (int) Math.min(grown, limit));
        }
    }

    /**
     * Reads {@code in} to its end straight into the array, refusing to hold more
     * than the limit. A stream that keeps answering "0 bytes" is treated as broken
     * rather than waited on, so a faulty codec cannot spin the caller forever.
     */
    void readFully(InputStream in) throws IOException {
        int idleReads = 0;
        while (true) {
            if (count == bytes.length) {
                if (count >= limit) {
                    if (in.read() != -1) {
                        throw new LimitExceeded();
                    }
                    return;
                }
                ensureCapacity(1);
            }
            int n = in.read(bytes, count, bytes.length - count);
            if (n < 0) {
                return;
            }
            if (n == 0) {
                if (++idleReads > MAX_IDLE_READS) {
                    throw new IOException("the decompressing stream returned no data " + MAX_IDLE_READS
                            + " times in a row without reaching its end");
                }
            } else {
                idleReads = 0;
                count += n;
            }
        }
    }

    byte[] array() {
        return bytes;
    }

    /** Empties it for reuse, keeping its array. */
    void reset() {
        count = 0;
    }

    int limit() {
        return limit;
    }

    int capacity() {
        return bytes.length;
    }

    int size() {
        return count;
    }
}
