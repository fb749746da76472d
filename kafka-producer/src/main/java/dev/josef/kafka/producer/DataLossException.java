package dev.josef.kafka.producer;

/**
 * The explicit data-loss signal: a broker no longer knew this producer's
 * sequence for a partition (UNKNOWN_PRODUCER_ID or OUT_OF_ORDER_SEQUENCE_NUMBER)
 * although the partition's log start offset had not moved past the last offset
 * the producer had acknowledged there. The log lost records it had accepted, or
 * another writer broke the sequence; records acknowledged after
 * {@link #logStartOffset()} up to {@link #lastAcknowledgedOffset()} may be
 * gone. The batch that found it is not in the log (NOT_PERSISTED); the
 * partition's {@code OrderingPolicy} decides what happens next.
 */
public final class DataLossException extends ProduceException {
    private static final long serialVersionUID = 1L;

    private final long lastAcknowledgedOffset;
    private final long logStartOffset;

    public DataLossException(String topic, int partition, long lastAcknowledgedOffset, long logStartOffset,
                             String message, Throwable cause) {
        super(Persistence.NOT_PERSISTED, topic, partition, message, cause);
        this.lastAcknowledgedOffset = lastAcknowledgedOffset;
        this.logStartOffset = logStartOffset;
    }

    /** The last offset this producer had acknowledged in the partition; -1 if none. */
    public long lastAcknowledgedOffset() {
        return lastAcknowledgedOffset;
    }

    /** The partition's log start offset as the broker reported it; -1 if the broker did not say. */
    public long logStartOffset() {
        return logStartOffset;
    }
}
