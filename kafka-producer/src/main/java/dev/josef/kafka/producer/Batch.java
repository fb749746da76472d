package dev.josef.kafka.producer;

import dev.josef.kafka.protocol.RecordBatchBuilder;
import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.protocol.Uuid;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * One partition's records, encoded as they are appended. Built (header,
 * compression, CRC) when full or on first send, with its producer id, epoch
 * and sequence; a retry resends the same bytes, so the broker sees the same
 * sequence. Guarded by its partition's lock while queued; the sender thread's
 * alone while in flight.
 */
final class Batch {
    final TopicPartition partition;
    final PartitionQueue owner;
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
    /**
     * No record is appended to it any more: the sender claimed it once. A batch
     * put back for a retry keeps its records, its age and its place, and fresh
     * records go to a new batch behind it.
     */
    boolean sealed;
    int baseSequence = RecordBatchBuilder.NO_SEQUENCE;
    /** The producer id and epoch its sequence was given under. */
    long producerId = RecordBatchBuilder.NO_PRODUCER_ID;
    short producerEpoch = RecordBatchBuilder.NO_PRODUCER_EPOCH;
    int attempts;
    /** Whether a request carrying it may have reached a broker: then its failure is POSSIBLY_PERSISTED. */
    boolean maybeSent;
    /** An attempt reached the broker, or may have, and no answer came: the records may be in the log. */
    boolean unknownAttempt;
    /**
     * Split from a batch one of whose attempts went unanswered: its records may
     * be in the log whatever this batch's own answers say. Never cleared.
     */
    boolean splitFromUnknown;
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
    Uuid topicId = Uuid.ZERO;
    /** Why it could not be encoded, when it could not: the sender fails it through the ordering policy. */
    RuntimeException encodingFailure;
    /** The pooled buffer its builder started on; given back once the batch is done with. */
    ByteBuffer pooled;

    Batch(PartitionQueue owner, RecordBatchBuilder builder, long createdNanos) {
        this.partition = owner.partition;
        this.owner = owner;
        this.builder = builder;
        this.createdNanos = createdNanos;
    }

    int recordCount() {
        return records.size();
    }

    /** The sequence of its last record. */
    int lastSequence() {
        return Idempotence.nextSequence(baseSequence, recordCount() - 1);
    }
}
