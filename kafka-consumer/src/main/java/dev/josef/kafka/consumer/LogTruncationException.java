package dev.josef.kafka.consumer;

import dev.josef.kafka.protocol.KafkaException;
import dev.josef.kafka.protocol.TopicPartition;

/**
 * The partition's log was truncated below the consumer's position after a leader
 * change (KIP-320): records the consumer already returned, from
 * {@link #divergentOffset()} up to its position, are no longer in the log. With a
 * reset policy the consumer goes on from the divergent offset and reports this
 * once; with {@link OffsetReset#NONE} the partition stops until the application seeks.
 */
public final class LogTruncationException extends KafkaException {
    private final TopicPartition partition;
    private final long position;
    private final long divergentOffset;

    public LogTruncationException(TopicPartition partition, long position, long divergentOffset, boolean resumed) {
        super(partition + ": the log was truncated to offset " + divergentOffset + ", below the consumer's position "
                + position + "; " + (resumed ? "reading goes on from " + divergentOffset
                : "the partition stops until the application seeks"));
        this.partition = partition;
        this.position = position;
        this.divergentOffset = divergentOffset;
    }

    public TopicPartition partition() {
        return partition;
    }

    /** The consumer's position when the truncation was found. */
    public long position() {
        return position;
    }

    /** The first offset the new leader's log does not share with what the consumer read. */
    public long divergentOffset() {
        return divergentOffset;
    }
}
