package dev.josef.kafka.producer;

/**
 * Where an acknowledged record landed.
 *
 * @param offset    its offset in the partition; -1 when the broker did not say:
 *                  with {@code acks=0}, and for a retried record an old broker
 *                  answered DUPLICATE_SEQUENCE_NUMBER for (it is in the log, at an
 *                  offset that answer does not carry)
 * @param timestamp its timestamp: the create time it was sent with, or the
 *                  broker's append time on a topic with
 *                  {@code message.timestamp.type=LogAppendTime}
 */
public record RecordMetadata(String topic, int partition, long offset, long timestamp) {

    /** Whether {@link #offset()} is known. */
    public boolean hasOffset() {
        return offset >= 0;
    }
}
