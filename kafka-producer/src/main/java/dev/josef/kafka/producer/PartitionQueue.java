package dev.josef.kafka.producer;

import dev.josef.kafka.protocol.TopicPartition;

import java.util.ArrayDeque;

/**
 * One partition as the producer holds it: its queue of batches, how many of
 * them are in flight, and whether the ordering policy stopped it.
 *
 * <p>Threads: {@link #lock} guards {@link #queue}, {@link #inFlight},
 * {@link #mode} and {@link #failure}; producing threads take it to append,
 * the sender thread to drain, requeue and settle. Only
 * {@link RecordAccumulator} takes it, and it never calls application code
 * while it holds it (an architecture test checks both). {@link #sequence}
 * belongs to the sender thread alone.
 */
final class PartitionQueue {
    enum Mode { OPEN, FAILED, PAUSED }

    final TopicPartition partition;
    /** The one short critical section of {@code produce}; see the class comment. */
    final Object lock = new Object();
    /** Batches not yet acknowledged and not in flight, oldest first; retried ones go back to the front in sequence order. */
    final ArrayDeque<Batch> queue = new ArrayDeque<>();
    int inFlight;
    /** OPEN, or FAILED / PAUSED by the ordering policy until the application says otherwise. */
    Mode mode = Mode.OPEN;
    /** Why the partition is FAILED or PAUSED. */
    ProduceException failure;
    /** The partition's idempotence sequence; the sender thread's own (see {@link Idempotence}). */
    final PartitionSequence sequence = new PartitionSequence();
    /** How well the topic's records compress, shared by its partitions: sizes its batches. */
    final CompressionRatio ratio;

    PartitionQueue(TopicPartition partition, CompressionRatio ratio) {
        this.partition = partition;
        this.ratio = ratio;
    }
}
