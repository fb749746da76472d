package dev.josef.kafka.protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * Finds the record batches in a records field, such as a partition's records in
 * a Fetch response, in any of Kafka's formats (magic v2 batches, v0/v1 message
 * sets).
 *
 * <pre>{@code
 * RecordBatchReader.BatchIterator batches = RecordBatchReader.defaults().batches(records);
 * while (batches.hasNext()) {
 *     RecordBatch batch = batches.next();
 *     for (Record record : batch.records()) { ... }
 * }
 * }</pre>
 *
 * <p>A broker cuts a fetch off at the size the consumer asked for, so the last
 * batch may be incomplete: iteration stops before it, and
 * {@link BatchIterator#trailingBytes()} says how much was left. A batch that cannot
 * even be framed (a size below any format's minimum, an unknown magic) ends the
 * iteration with a {@link ProtocolException}, since nothing after it can be
 * trusted; a batch that frames but whose records are bad fails only when its
 * {@link RecordBatch#records()} are read, so a consumer can skip it by its offsets.
 *
 * <p>Immutable and thread-safe; one reader serves every fetch.
 */
public final class RecordBatchReader {
    /**
     * The default cap on the bytes one batch may decompress to: far above what a
     * producer writes under Kafka's default limits, far below what would hurt the
     * heap.
     */
    public static final int DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

    private static final RecordBatchReader DEFAULTS = new Builder().build();

    private final boolean verifyChecksums;
    private final int maxDecompressedBytes;
    // null: CompressionCodecs.installed(), resolved on first compressed batch so
    // that a reader which never meets one never runs discovery.
    private final CompressionCodecs codecs;

    private RecordBatchReader(Builder builder) {
        this.verifyChecksums = builder.verifyChecksums;
        this.maxDecompressedBytes = builder.maxDecompressedBytes;
        this.codecs = builder.codecs;
    }

    /** Checksums verified, {@value #DEFAULT_MAX_DECOMPRESSED_BYTES} bytes per batch, installed codecs. */
    public static RecordBatchReader defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Whether {@link RecordBatch#records()} checks the batch's checksum first. */
    public boolean verifiesChecksums() {
        return verifyChecksums;
    }

    /** The most bytes one batch may decompress to. */
    public int maxDecompressedBytes() {
        return maxDecompressedBytes;
    }

    /** The codecs compressed batches are read with. */
    public CompressionCodecs codecs() {
        return codecs != null ? codecs : CompressionCodecs.installed();
    }

    /**
     * The batches in the remaining bytes of {@code records}. The buffer's position is
     * not moved; the batches are views of its memory, which must not change while
     * they are in use.
     */
    public BatchIterator batches(ByteBuffer records) {
        Objects.requireNonNull(records, "records");
        return new BatchIterator(records.slice().order(ByteOrder.BIG_ENDIAN), this);
    }

    @Override
    public String toString() {
        return "RecordBatchReader(verifyChecksums=" + verifyChecksums + ", maxDecompressedBytes="
                + maxDecompressedBytes + ")";
    }

    /**
     * Walks the batches of one records field. Not thread-safe: one thread iterates.
     */
    public static final class BatchIterator implements Iterator<RecordBatch> {
        private final ByteBuffer records;
        private final RecordBatchReader reader;
        private int position;
        private RecordBatch next;
        private boolean done;

        BatchIterator(ByteBuffer records, RecordBatchReader reader) {
            this.records = records;
            this.reader = reader;
        }

        /**
         * @throws ProtocolException if the next batch cannot be framed; the iterator
         *         then ends
         */
        @Override
        public boolean hasNext() {
            if (next == null && !done) {
                try {
                    next = frame();
                } catch (ProtocolException e) {
                    done = true;
                    throw e;
                }
                if (next == null) {
                    done = true;
                }
            }
            return next != null;
        }

        @Override
        public RecordBatch next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            RecordBatch batch = next;
            next = null;
            return batch;
        }

        /**
         * The bytes not yet returned as batches. Once {@link #hasNext()} is false,
         * anything here is an incomplete batch the broker cut off at the fetch size
         * (or what followed a batch that could not be framed).
         */
        public int trailingBytes() {
            return records.limit() - position - (next == null ? 0 : next.sizeInBytes());
        }

        private RecordBatch frame() {
            int remaining = records.limit() - position;
            if (remaining < BatchFormat.LOG_OVERHEAD) {
                return null;
            }
            int size = records.getInt(position + BatchFormat.SIZE_OFFSET);
            if (size < BatchFormat.LEGACY_RECORD_OVERHEAD_V0) {
                throw new ProtocolException("batch at offset " + records.getLong(position) + " declares a size of "
                        + size + " bytes, less than the " + BatchFormat.LEGACY_RECORD_OVERHEAD_V0
                        + " of the smallest message");
            }
            if (remaining < BatchFormat.HEADER_SIZE_UP_TO_MAGIC) {
                return null;
            }
            byte magic = records.get(position + BatchFormat.MAGIC_OFFSET);
            int minimum;
            switch (magic) {
                case BatchFormat.MAGIC_V0:
                    minimum = BatchFormat.LEGACY_RECORD_OVERHEAD_V0;
                    break;
                case BatchFormat.MAGIC_V1:
                    minimum = BatchFormat.LEGACY_RECORD_OVERHEAD_V1;
                    break;
                case BatchFormat.MAGIC_V2:
                    minimum = BatchFormat.BATCH_OVERHEAD - BatchFormat.LOG_OVERHEAD;
                    break;
                default:
                    throw new ProtocolException("batch at offset " + records.getLong(position)
                            + " has unknown magic " + magic + " (known: 0, 1, 2)");
            }
            if (size < minimum) {
                throw new ProtocolException("batch at offset " + records.getLong(position) + " (magic v" + magic
                        + ") declares a size of " + size + " bytes, less than the " + minimum + " its header takes");
            }
            long total = (long) BatchFormat.LOG_OVERHEAD + size;
            if (total > remaining) {
                return null;
            }
            ByteBuffer batch = records.slice(position, (int) total);
            position += (int) total;
            return magic == BatchFormat.MAGIC_V2
                    ? new DefaultRecordBatch(batch, reader)
                    : new LegacyRecordBatch(batch, reader);
        }
    }

    /** Settings for a {@link RecordBatchReader}; each is checked as it is set. */
    public static final class Builder {
        private boolean verifyChecksums = true;
        private int maxDecompressedBytes = DEFAULT_MAX_DECOMPRESSED_BYTES;
        private CompressionCodecs codecs;

        private Builder() {
        }

        /**
         * Whether to check each batch's checksum before decoding its records; on by
         * default. Turn it off only where the bytes were checked already.
         */
        public Builder verifyChecksums(boolean verifyChecksums) {
            this.verifyChecksums = verifyChecksums;
            return this;
        }

        /**
         * The most bytes one batch may decompress to; more is a protocol error naming
         * the batch's offsets. Default {@value #DEFAULT_MAX_DECOMPRESSED_BYTES}.
         */
        public Builder maxDecompressedBytes(int maxDecompressedBytes) {
            if (maxDecompressedBytes < 1 || maxDecompressedBytes > ByteArrayOutput.MAX_ARRAY_SIZE) {
                throw new IllegalArgumentException("maxDecompressedBytes must be within 1.."
                        + ByteArrayOutput.MAX_ARRAY_SIZE + ", was " + maxDecompressedBytes);
            }
            this.maxDecompressedBytes = maxDecompressedBytes;
            return this;
        }

        /** The codecs to decompress with, instead of {@link CompressionCodecs#installed()}. */
        public Builder codecs(CompressionCodecs codecs) {
            this.codecs = Objects.requireNonNull(codecs, "codecs");
            return this;
        }

        public RecordBatchReader build() {
            return new RecordBatchReader(this);
        }
    }
}
