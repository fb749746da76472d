package dev.josef.kafka.producer;

/**
 * A partition's idempotence sequence: which producer id and epoch its
 * sequence numbers belong to, the next one to give, and what the broker
 * acknowledged. Read and written by the sender thread only; {@link Idempotence}
 * decides with it.
 */
final class PartitionSequence {
    /** The next sequence to give a batch; wraps at 2^31 as Kafka's do. */
    int nextSequence;
    /** The producer id and epoch the sequences belong to; the sender moves them to the current ones. */
    long producerId = -1;
    short epoch = -1;
    /**
     * The sequences must start again at 0 under a newer epoch before anything
     * more is sent: a batch failed for good or was split, leaving a gap, or the
     * broker lost the producer's state.
     */
    boolean needsReset;
    /** A batch failed and is being resent: one batch at a time until the ones sent before are through. */
    boolean resending;
    /**
     * The broker acknowledged a batch under the current id and epoch, so it
     * holds the producer's state here and checks each batch's sequence against
     * the one before. Until then it takes any sequence as the first, and a batch
     * pipelined behind one it refused would overtake it: the partition sends one
     * batch at a time until this is set. Cleared at every sequence restart, and
     * again after the partition was idle (a broker forgets an idle producer).
     */
    boolean sequenceHeld;
    /** The last sequence acknowledged under the current id and epoch; -1 before the first. */
    int lastAckedSequence = -1;
    /** The last offset the broker acknowledged to this producer here, under any epoch; -1 before the first. */
    long lastAckedOffset = -1;
    /** When the last acknowledgment came (clock nanos); 0 before the first. */
    long lastAckNanos;
}
