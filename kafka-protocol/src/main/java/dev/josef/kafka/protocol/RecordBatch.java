package dev.josef.kafka.protocol;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * One batch of a records field, as {@link RecordBatchReader} finds it: a magic v2
 * record batch, or for data written in the older formats, one magic v0/v1
 * message (a compressed v0/v1 "wrapper" message holds a whole set of inner ones,
 * and counts as one batch).
 *
 * <p>A batch is a view of the buffer it was read from: its header fields are
 * read on demand and nothing is decoded until {@link #records()} is called. Reading
 * the header never fails (save {@link #baseOffset()} of a compressed v0/v1 wrapper),
 * so a batch whose records cannot be decoded can still be reported by its offsets
 * and skipped. The buffer must not change while batches of
 * it are in use.
 *
 * <p>The checksum covers most of the header too: for v2 everything from the
 * attributes on (the control and transactional bits, the last offset delta,
 * the producer id), not the base offset, size or leader epoch. A reader that
 * must not act on a flipped bit in those fields checks {@link #isValid()}
 * first; it is computed once per batch, so decoding does not compute it again.
 *
 * <p>Immutable and safe to share between threads.
 */
public abstract sealed class RecordBatch permits DefaultRecordBatch, LegacyRecordBatch {
    private static final byte UNCHECKED = 0;
    private static final byte VALID = 1;
    private static final byte INVALID = 2;

    final ByteBuffer batch;
    final RecordBatchReader reader;
    /**
     * The outcome of the checksum, computed once: a consumer checks it before it trusts the header, and
     * decoding checks it again. Written without a lock, as String's hash is: every thread computes the
     * same value over bytes that must not change.
     */
    private byte validity = UNCHECKED;

    RecordBatch(ByteBuffer batch, RecordBatchReader reader) {
        this.batch = batch;
        this.reader = reader;
    }

    /** The format version: 2 for record batches, 0 or 1 for the older message sets. */
    public abstract byte magic();

    /**
     * The offset of the first record. For a compressed v0/v1 wrapper the header
     * does not say, so this decompresses the inner messages, and throws
     * {@link ProtocolException} if they cannot be decoded; {@link #lastOffset()}
     * never needs to.
     */
    public abstract long baseOffset();

    /**
     * The offset of the last record. For v2 it survives compaction even when the
     * last records were removed.
     */
    public abstract long lastOffset();

    /** The offset to fetch from after this batch: {@code lastOffset() + 1}. */
    public final long nextOffset() {
        return lastOffset() + 1;
    }

    /** The leader epoch of the broker that appended the batch; -1 for v0/v1 or when unknown. */
    public abstract int partitionLeaderEpoch();

    public abstract TimestampType timestampType();

    /**
     * The largest record timestamp, or with {@link TimestampType#LOG_APPEND_TIME} the
     * broker's append time; -1 for v0.
     */
    public abstract long maxTimestamp();

    /** The Kafka codec id the records are compressed with; 0 for none. */
    public abstract byte compressionId();

    /** Whether the batch is part of a transaction (v2 only). */
    public abstract boolean isTransactional();

    /** Whether the batch holds control records, e.g. end-transaction markers (v2 only). */
    public abstract boolean isControlBatch();

    /** The idempotent producer's id, or -1. */
    public abstract long producerId();

    /** The idempotent producer's epoch, or -1. */
    public abstract short producerEpoch();

    /** The sequence number of the first record, or -1. */
    public abstract int baseSequence();

    /**
     * How many records the header declares; -1 where it does not say (a compressed
     * v0/v1 wrapper).
     */
    public abstract int recordCount();

    /** The batch's size in bytes, offset and size fields included. */
    public final int sizeInBytes() {
        return batch.limit();
    }

    /** The batch exactly as it was received, read-only; for reporting a corrupt batch. */
    public final ByteBuffer buffer() {
        return batch.asReadOnlyBuffer();
    }

    /** The checksum stored in the batch: CRC-32C for v2, CRC-32 for v0/v1. */
    public abstract long checksum();

    /** Whether the stored checksum matches the bytes; computed on the first call only. */
    public boolean isValid() {
        byte v = validity;
        if (v == UNCHECKED) {
            v = checksum() == computeChecksum() ? VALID : INVALID;
            validity = v;
        }
        return v == VALID;
    }

    /**
     * Checks the stored checksum against the bytes.
     *
     * @throws ProtocolException naming the batch's offsets, if they do not match
     */
    public final void ensureValid() {
        if (!isValid()) {
            throw new ProtocolException(describe() + " is corrupt: stored checksum " + checksum()
                    + " does not match the one computed over its bytes (" + computeChecksum() + ")");
        }
    }

    /**
     * Decodes the records, decompressing them if needed. Checks the checksum first
     * when the reader was told to (the default). Decodes anew on every call.
     *
     * @return the records in offset order; for a control batch, its control records
     *         (see {@link ControlRecord#parse})
     * @throws ProtocolException naming the batch's offsets, if the checksum does not
     *         match, the records are malformed, the codec is not installed, or they
     *         decompress to more than the reader's {@code maxDecompressedBytes}
     */
    public abstract List<Record> records();

    /**
     * Walks the records in place, without copying keys and values; checks the CRC
     * first when the reader verifies checksums, and decompresses under the reader's cap.
     */
    public abstract RecordCursor cursor();

    /**
     * As {@link #cursor()}, decompressing into {@code buffer}'s memory, which is
     * kept for the next batch: the cursor's views are valid until {@code buffer}
     * is used again. A batch that is not compressed is read where it lies.
     */
    public abstract RecordCursor cursor(DecodeBuffer buffer);

    abstract long computeChecksum();

    /** How errors name this batch: by its offsets, which a consumer can skip to. */
    abstract String describe();

    final void verifyIfAsked() {
        if (reader.verifiesChecksums()) {
            ensureValid();
        }
    }

    @Override
    public String toString() {
        return "RecordBatch(magic=" + magic() + ", lastOffset=" + lastOffset() + ", records=" + recordCount()
                + ", bytes=" + sizeInBytes() + ", compressionId=" + compressionId() + ", timestampType="
                + timestampType() + (isTransactional() ? ", transactional" : "")
                + (isControlBatch() ? ", control" : "") + ")";
    }
}
