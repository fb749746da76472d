package dev.josef.kafka.consumer;

import dev.josef.kafka.protocol.KafkaException;
import dev.josef.kafka.protocol.TopicPartition;

/**
 * A fetched batch that failed its CRC, would not decompress (or decompressed
 * past the cap), or whose records would not parse. It names the offsets the
 * batch spans, so the application knows exactly what it did not get: records
 * {@link #baseOffset()} up to, not including, {@link #nextOffset()}.
 */
public final class CorruptBatchException extends KafkaException {
    private final TopicPartition partition;
    private final long baseOffset;
    private final long nextOffset;
    private final long stoppedAt;

    /**
     * @param stoppedAt -1 when the consumer skipped the batch and goes on at {@code nextOffset}; otherwise
     *                  the offset the partition stopped at (the batch's base offset, or past it when some
     *                  of its records had been returned)
     */
    public CorruptBatchException(TopicPartition partition, long baseOffset, long nextOffset, long stoppedAt,
                                 Throwable cause) {
        super(partition + (nextOffset < 0 ? ": the batch at offset " + baseOffset + " is corrupt and where it ends "
                + "is unknown (" : ": the batch at offsets " + baseOffset + ".." + (nextOffset - 1) + " is corrupt (")
                + (cause == null ? "no detail" : cause.getMessage()) + "); "
                + (stoppedAt < 0 ? "skipped, the partition goes on at offset " + nextOffset
                : "the partition stops at offset " + stoppedAt + " until the application seeks"), cause);
        this.partition = partition;
        this.baseOffset = baseOffset;
        this.nextOffset = nextOffset;
        this.stoppedAt = stoppedAt;
    }

    public TopicPartition partition() {
        return partition;
    }

    /** The batch's first offset. */
    public long baseOffset() {
        return baseOffset;
    }

    /**
     * The offset after the batch: base offset + last offset delta + 1, or where the next batch starts when a
     * header that failed its checksum gives an end past it (or not past the base offset); -1 when the end is
     * unknown (the batch could not be framed, or neither its header nor what follows it says).
     */
    public long nextOffset() {
        return nextOffset;
    }

    /** True when the consumer went on past the batch; false when the partition stopped at it. */
    public boolean skipped() {
        return stoppedAt < 0;
    }

    /** Where the partition stopped (its position until a seek), or -1 when the batch was skipped. */
    public long stoppedAt() {
        return stoppedAt;
    }
}
