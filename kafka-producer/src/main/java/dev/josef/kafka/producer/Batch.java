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
    /**
     * The batch's bytes once closed. A full batch is closed (encoded, compressed,
     * CRC) by the producing thread that filled it, without producer state; the
     * sender stamps its id, epoch and sequence when it claims it.
     */
    ByteBuffer built;
    /** Whether the sender took it for sending: withdrawn records left out, sequence given, bytes final. */
    boolean claimed;
    int baseSequence = RecordBatchBuilder.NO_SEQUENCE;
    int attempts;
    /** Whether a request carrying it may have reached a broker: then its failure is POSSIBLY_PERSISTED. */
    boolean maybeSent;
    /** An attempt reached the broker, or may have, and no answer came: the records may be in the log. */
    boolean unknownAttempt;
    boolean inFlight;
    long retryAtNanos;
    /** When a request first carried it; 0 until then. Splits the latency hooks see into buffer and flight. */
    long firstSentNanos;
    /**
     * Set while it is in flight when an earlier batch of its partition failed for
     * good and the policy failed the partition's records: if its answer is an
     * error, it fails with this cause instead of being retried.
     */
    ProduceException doomedBy;

    /** The topic's id as of the last send: Produce v13+ answers name topics by id alone. */
    dev.josef.kafka.protocol.Uuid topicId = dev.josef.kafka.protocol.Uuid.ZERO;
    /** Why the producing thread could not encode it, when it could not. */
    RuntimeException encodingFailure;
    /** The pooled buffer its builder started on; given back once the batch is done with. */
    ByteBuffer pooled;

    Batch(TopicPartition partition, RecordBatchBuilder builder, long createdNanos) {
        this.partition = partition;
        this.builder = builder;
        this.createdNanos = createdNanos;
    }

    int recordCount() {
        return records.size();
    }
}
