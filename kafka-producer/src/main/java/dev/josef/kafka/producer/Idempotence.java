package dev.josef.kafka.producer;

import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.RecordBatchBuilder;
import dev.josef.kafka.protocol.message.ApiMessage;
import dev.josef.kafka.protocol.message.InitProducerIdRequest;
import dev.josef.kafka.protocol.message.InitProducerIdResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The idempotent producer's state: its producer id and epoch (InitProducerId,
 * and KIP-360's bump of its own epoch), each partition's sequence numbers, and
 * the decisions that rest on them: when a partition may send and how many
 * batches at once, what a sequence error means (a gap behind an earlier
 * failure, an earlier batch still on its way, lost state, real data loss, or
 * a batch overtaken by a later one), and whether an acknowledgment shows that
 * the broker had forgotten the producer. {@link Transactions} extends it: a
 * transactional producer is an idempotent one whose id and epoch come from
 * its transaction coordinator.
 *
 * <p>Sender thread only: nothing here is shared, and nothing here calls
 * application code. Methods that take a partition's queue are called by
 * {@link RecordAccumulator} with that partition's lock held.
 */
class Idempotence {
    private static final Logger LOG = LoggerFactory.getLogger(Idempotence.class);
    /**
     * A partition acknowledged nothing for this long sends its next batch alone:
     * a broker forgets a producer that has been idle on a partition
     * ({@code producer.id.expiration.ms}, counted from the records' timestamps)
     * and then takes any sequence as the first, so a refused batch could be
     * overtaken by the one pipelined behind it. An idle partition sends one
     * batch at a time anyway, so this costs next to nothing.
     */
    static final long IDLE_REARM_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final boolean enabled;
    private final ProducerNetwork network;
    private final Duration retryBackoff;
    private long producerId = RecordBatchBuilder.NO_PRODUCER_ID;
    private short epoch = RecordBatchBuilder.NO_PRODUCER_EPOCH;
    private CompletableFuture<ApiMessage> initProducerId;
    private long initRetryAtNanos;

    Idempotence(boolean enabled, ProducerNetwork network, Duration retryBackoff) {
        this.enabled = enabled;
        this.network = network;
        this.retryBackoff = retryBackoff;
    }

    boolean enabled() {
        return enabled;
    }

    long producerId() {
        return producerId;
    }

    short epoch() {
        return epoch;
    }

    /** Whether batches can get sequences: idempotence is off, or a producer id is known. */
    boolean ready() {
        return !enabled || producerId >= 0;
    }

    /**
     * The sender's pass: gets a producer id while there is none.
     *
     * @return the clock's nanos by which to look again
     */
    long poll(long now, Runnable wakeup) {
        return ready() ? Long.MAX_VALUE : initProducerId(now, wakeup);
    }

    /**
     * Called on each pass while the producer closes; whether there is work
     * (a transaction's abort) to finish before the sender may stop.
     */
    boolean closing() {
        return false;
    }

    /** The sender stopped for good (closed or failed). */
    void stopped(String reason) {
    }

    /** Whether this producer writes transactions. */
    boolean transactional() {
        return false;
    }

    /** The highest Produce version the producer may send. */
    short produceVersion() {
        return ApiKey.PRODUCE.latestStableVersion();
    }

    /** A batch goes out in a Produce request now. Sender thread. */
    void sent(Batch b) {
    }

    /**
     * Whether this takes the failure of a batch that failed for good instead of
     * the ordering policy (a transaction: the whole of it becomes abortable).
     */
    boolean takesFailure(ProduceException failure) {
        return false;
    }

    /** Takes the producer id and epoch a coordinator gave. */
    final void adopt(long producerId, short epoch) {
        this.producerId = producerId;
        this.epoch = epoch;
    }

    /**
     * Asks for a producer id, or reads the answer to the request out.
     *
     * @return when to look again
     */
    long initProducerId(long now, Runnable wakeup) {
        if (initProducerId == null) {
            if (now - initRetryAtNanos < 0) {
                return initRetryAtNanos;
            }
            initProducerId = network.send(ProducerNetwork.ANY_BROKER, ApiKey.INIT_PRODUCER_ID,
                    version -> new InitProducerIdRequest().setTransactionalId(null).setTransactionTimeoutMs(-1)
                            .setProducerId(-1).setProducerEpoch((short) -1));
            initProducerId.whenComplete((m, e) -> wakeup.run());
            return now + TimeUnit.SECONDS.toNanos(1);
        }
        if (!initProducerId.isDone()) {
            return now + TimeUnit.SECONDS.toNanos(1);
        }
        try {
            InitProducerIdResponse response = (InitProducerIdResponse) initProducerId.join();
            ErrorCode error = ErrorCode.forCode(response.errorCode());
            if (error == ErrorCode.NONE) {
                initProducerId = null; // a later reset (epochs used up) asks again
                producerId = response.producerId();
                epoch = response.producerEpoch();
                LOG.debug("producer id {} epoch {}", producerId, epoch);
                return now;
            }
            LOG.debug("InitProducerId answered {}; asking again", error);
        } catch (RuntimeException e) {
            LOG.debug("InitProducerId failed; asking again: {}", e.toString());
        }
        initProducerId = null;
        initRetryAtNanos = now + retryBackoff.toNanos();
        return initRetryAtNanos;
    }

    // ---------------------------------------------------------------- sending

    /**
     * Whether the partition's head batch may be sent now, moving the
     * partition's sequences to the current id and epoch first when they must
     * and can move. With the partition's lock held.
     */
    boolean readyToSend(PartitionSequence s, Iterable<Batch> queue, int inFlight, Batch head) {
        if (!s.needsReset && s.producerId == producerId && s.epoch == epoch) {
            return true;
        }
        return moveToCurrentEpoch(s, queue, inFlight, head);
    }

    /**
     * Moves a partition's sequences to the producer's current id and epoch when
     * that is safe. It waits while batches are in flight. A batch sent under the
     * old epoch whose outcome is unknown is resent as it was (the broker still
     * holds that epoch's state for the partition) until it is settled; only then
     * do the sequences restart, so that a retry can never write a record twice.
     *
     * @return whether {@code head} may be sent now
     */
    private boolean moveToCurrentEpoch(PartitionSequence s, Iterable<Batch> queue, int inFlight, Batch head) {
        if (inFlight > 0) {
            return false;
        }
        for (Batch q : queue) {
            if (q.baseSequence >= 0 && q.unknownAttempt) {
                // Settle the old epoch's batches first, in order: the broker says DUPLICATE for one it
                // has, takes one that follows, and refuses one behind a gap, and only then is it known.
                return head.baseSequence >= 0;
            }
        }
        restartSequences(s, queue);
        return true;
    }

    /**
     * Numbers the partition's sequenced batches again under the current id and
     * epoch, in queue order: from 0 under a new one, after the last acknowledged
     * sequence under the same one.
     */
    private void restartSequences(PartitionSequence s, Iterable<Batch> queue) {
        // Under a new id or epoch the broker expects 0. Under the same one (a transactional producer, whose epoch
        // the coordinator owns, splitting a batch too large) it expects what follows the last batch it took.
        boolean sameEpoch = s.producerId == producerId && s.epoch == epoch;
        int first = sameEpoch && s.lastAckedSequence >= 0 ? nextSequence(s.lastAckedSequence, 1) : 0;
        int sequence = first;
        for (Batch q : queue) {
            if (q.baseSequence >= 0) {
                stamp(q, sequence);
                sequence = nextSequence(sequence, q.recordCount());
            }
        }
        if (s.producerId >= 0) {
            LOG.debug("sequences restart at {} under producer id {} epoch {}", first, producerId, epoch);
        }
        s.nextSequence = sequence;
        s.producerId = producerId;
        s.epoch = epoch;
        s.needsReset = false;
        s.resending = false;
        if (!sameEpoch) {
            s.lastAckedSequence = -1;
            s.sequenceHeld = false; // the broker may have no state for this id and epoch: see sequenceHeld
        }
    }

    /**
     * Whether the partition sends one batch at a time: while a retried batch
     * is on its way, and until the broker has acknowledged one under the
     * current epoch; again once the partition has been idle.
     */
    boolean sendsAlone(PartitionSequence s, int inFlight, long now) {
        if (s.sequenceHeld && inFlight == 0 && s.lastAckNanos != 0 && now - s.lastAckNanos > IDLE_REARM_NANOS) {
            s.sequenceHeld = false;
        }
        return s.resending || !s.sequenceHeld;
    }

    /** Gives a batch the partition's next sequences. With the partition's lock held. */
    void assign(PartitionSequence s, Batch b) {
        stamp(b, s.nextSequence);
        s.nextSequence = nextSequence(s.nextSequence, b.recordCount());
    }

    /** Takes back the sequences of a batch that was never sent. */
    void unassign(PartitionSequence s, Batch b) {
        if (b.baseSequence >= 0) {
            s.nextSequence = b.baseSequence;
        }
    }

    private void stamp(Batch b, int sequence) {
        b.baseSequence = sequence;
        b.producerId = producerId;
        b.producerEpoch = epoch;
        if (b.built != null) {
            RecordBatchBuilder.rewriteProducerState(b.built.duplicate(), producerId, epoch, sequence);
        } else {
            b.builder.producerState(producerId, epoch, sequence);
        }
    }

    /**
     * Marks a partition whose sequence has a gap (a batch failed for good or was
     * split) or whose state the broker lost: it sends nothing more until its
     * sequences restart at 0 under an epoch newer than any it used. The epoch is
     * bumped here unless it already moved on since the partition's sequences
     * began (KIP-360: an idempotent producer may raise its own epoch).
     */
    void requireReset(PartitionSequence s) {
        if (!enabled || s.needsReset) {
            return;
        }
        s.needsReset = true;
        if (s.producerId != producerId || s.epoch != epoch) {
            return;
        }
        if (epoch == Short.MAX_VALUE) {
            LOG.debug("producer id {} used up its epochs; asking for a new id", producerId);
            producerId = RecordBatchBuilder.NO_PRODUCER_ID;
            epoch = RecordBatchBuilder.NO_PRODUCER_EPOCH;
        } else {
            epoch++;
            LOG.debug("producer id {} bumped its epoch to {}", producerId, epoch);
        }
    }

    /** A batch of the partition is being sent again: the ones behind it wait until it is through. */
    void resending(PartitionSequence s) {
        if (enabled) {
            s.resending = true;
        }
    }

    // ---------------------------------------------------------------- answers

    /**
     * The broker acknowledged {@code b} at {@code baseOffset} (-1 when it did not say).
     *
     * @param earlierMayBeWritten an earlier batch of the partition is in flight, or
     *                            was sent without an answer: it may be in the log
     * @return whether it acknowledged a batch that does not follow the last one
     *         it acknowledged under this epoch while no earlier batch may be in
     *         the log: then it had no state for the producer and took the batch as
     *         a first one, and the queued batches before it were overtaken
     */
    boolean acknowledged(PartitionSequence s, Batch b, long baseOffset, long now, boolean earlierMayBeWritten,
                         boolean noSequencedBatchLeft) {
        if (baseOffset >= 0) {
            s.lastAckedOffset = Math.max(s.lastAckedOffset, baseOffset + b.recordCount() - 1);
        }
        s.lastAckNanos = now;
        if (s.resending && noSequencedBatchLeft) {
            s.resending = false;
        }
        if (!enabled || b.baseSequence < 0 || b.producerId != s.producerId || b.producerEpoch != s.epoch) {
            return false;
        }
        int expected = s.lastAckedSequence < 0 ? 0 : nextSequence(s.lastAckedSequence, 1);
        boolean overtook = b.baseSequence != expected && !earlierMayBeWritten
                && (s.lastAckedSequence < 0 || sequenceBefore(s.lastAckedSequence, b.baseSequence));
        if (s.lastAckedSequence < 0 || sequenceBefore(s.lastAckedSequence, b.lastSequence())) {
            s.lastAckedSequence = b.lastSequence();
        }
        s.sequenceHeld = true;
        return overtook;
    }

    /** What an UNKNOWN_PRODUCER_ID or OUT_OF_ORDER_SEQUENCE_NUMBER for a batch means. */
    enum SequenceError {
        /** The partition's sequences restart after an earlier failure; the batch goes again after that. */
        AFTER_GAP,
        /** An earlier batch of the partition is still on its way and may fill the gap: retry in turn. */
        EARLIER_OUTSTANDING,
        /** The broker did not say where its log starts (the partition may have moved): retry. */
        LOG_START_UNKNOWN,
        /** The log start moved past everything acknowledged: the state went with the records. Restart, silently. */
        STATE_LOST_WITH_LOG,
        /** Records the producer had acknowledged may be gone from the log. */
        DATA_LOSS,
        /** A later batch was written ahead of this one: it can no longer be written in order. */
        OVERTAKEN
    }

    /**
     * Decides by sequence (behaviour 3): after a gap the batch waits for the
     * restart; while an earlier batch of the partition is in flight or queued,
     * that one may fill the gap; a batch behind one the broker already
     * acknowledged was overtaken; otherwise the broker forgot this producer's
     * sequence, and the log start offset tells whether the records went with it.
     */
    SequenceError sequenceError(PartitionSequence s, Batch b, long logStartOffset, boolean earlierOutstanding) {
        if (s.needsReset) {
            return SequenceError.AFTER_GAP;
        }
        if (earlierOutstanding) {
            return SequenceError.EARLIER_OUTSTANDING;
        }
        if (b.producerId == s.producerId && b.producerEpoch == s.epoch && s.lastAckedSequence >= 0
                && !sequenceBefore(s.lastAckedSequence, b.baseSequence)) {
            return SequenceError.OVERTAKEN;
        }
        if (logStartOffset < 0) {
            return SequenceError.LOG_START_UNKNOWN;
        }
        if (logStartOffset > s.lastAckedOffset) {
            return SequenceError.STATE_LOST_WITH_LOG;
        }
        return SequenceError.DATA_LOSS;
    }

    static int nextSequence(int sequence, int records) {
        return (int) ((sequence + (long) records) & Integer.MAX_VALUE);
    }

    /** Whether sequence {@code a} comes before {@code b}, across the wrap at 2^31 (they are never 2^30 apart). */
    static boolean sequenceBefore(int a, int b) {
        int distance = (b - a) & Integer.MAX_VALUE;
        return distance != 0 && distance < (1 << 30);
    }
}
