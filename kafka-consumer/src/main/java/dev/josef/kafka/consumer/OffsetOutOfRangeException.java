package dev.josef.kafka.consumer;

import dev.josef.kafka.protocol.KafkaException;
import dev.josef.kafka.protocol.TopicPartition;

/**
 * A partition's position is outside its log and the reset policy is
 * {@link OffsetReset#NONE}: the partition fetches nothing until the application seeks.
 */
public final class OffsetOutOfRangeException extends KafkaException {
    private final TopicPartition partition;
    private final long offset;

    public OffsetOutOfRangeException(TopicPartition partition, long offset, long logStartOffset) {
        super(partition + ": offset " + offset + " is out of range (log start offset "
                + (logStartOffset < 0 ? "unknown" : Long.toString(logStartOffset))
                + ") and the reset policy is none; seek to go on");
        this.partition = partition;
        this.offset = offset;
    }

    public TopicPartition partition() {
        return partition;
    }

    public long offset() {
        return offset;
    }
}
