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

    PartitionState(TopicPartition partition) {
        this.partition = partition;
    }
}
