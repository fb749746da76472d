package dev.josef.kafka.producer;

import dev.josef.kafka.protocol.RecordBatchBuilder;
import dev.josef.kafka.protocol.TopicPartition;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * One partition's records, encoded as they are appended. Built (header,
 * compression, CRC) on first send, with its producer id, epoch and sequence; a
 * retry resends the same bytes, so the broker sees the same sequence.
 * Guarded by its {@link PartitionState}'s lock.
 */
final class Batch {
    final TopicPartition partition;
    RecordBatchBuilder builder;
    final List<PendingRecord> records = new ArrayList<>();
    final long createdNanos;
    ByteBuffer built;
    int baseSequence = RecordBatchBuilder.NO_SEQUENCE;
    int attempts;
    /** Whether a request carrying it may have reached a broker: then its failure is POSSIBLY_PERSISTED. */
    boolean maybeSent;
    boolean inFlight;
    long retryAtNanos;

    Batch(TopicPartition partition, RecordBatchBuilder builder, long createdNanos) {
        this.partition = partition;
        this.builder = builder;
        this.createdNanos = createdNanos;
    }

    int recordCount() {
        return records.size();
    }
}
