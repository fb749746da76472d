package dev.josef.kafka.producer;

import dev.josef.kafka.protocol.TopicPartition;

import java.util.ArrayDeque;

/**
 * One partition's queue of batches and its idempotence sequence. Its own lock
 * (the object) is the one short critical section of {@code produce}; the
 * sender takes it to drain, requeue and complete.
 */
final class PartitionState {
    final TopicPartition partition;
    /** Batches not yet acknowledged and not in flight, oldest first; retried ones go back to the front in sequence order. */
    final ArrayDeque<Batch> queue = new ArrayDeque<>();
    int inFlight;
    /** The next sequence to give a batch (idempotence); wraps at 2^31 as Kafka's do. */
    int nextSequence;
    /** A batch failed and is being resent: one batch at a time until the ones sent before are through. */
    boolean resending;
    /** The producer id and epoch the partition's sequences belong to; the sender moves them to the current ones. */
    long producerId = -1;
    short epoch = -1;
    /**
     * The partition's sequences must start again at 0 under a newer epoch before
     * anything more is sent: a batch failed for good or was split, leaving a gap,
     * or the broker lost the producer's state.
     */
    boolean needsReset;
    /**
     * The broker acknowledged a batch of this partition under its current producer
     * id and epoch, so it holds the producer's state here and checks each batch's
     * sequence against the one before. Until then it takes any sequence as the
     * first, and a batch pipelined behind one it refused would overtake it: the
     * partition sends one batch at a time until this is set.
     */
    boolean sequenceHeld;
    /** The last offset the broker acknowledged to this producer here; -1 before the first. */
    long lastAckedOffset = -1;
    /** OPEN, or FAILED / PAUSED by the ordering policy until the application says otherwise. */
    Mode mode = Mode.OPEN;
    /** Why the partition is FAILED or PAUSED. */
    ProduceException failure;

    enum Mode { OPEN, FAILED, PAUSED }

    PartitionState(TopicPartition partition) {
        this.partition = partition;
    }
}
