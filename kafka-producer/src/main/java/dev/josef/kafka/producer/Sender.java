package dev.josef.kafka.producer;

import dev.josef.kafka.net.NetworkException;
import dev.josef.kafka.net.internal.Clock;
import dev.josef.kafka.net.internal.ClusterMetadata;
import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.Uuid;
import dev.josef.kafka.protocol.message.ApiMessage;
import dev.josef.kafka.protocol.message.ProduceRequest;
import dev.josef.kafka.protocol.message.ProduceResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * The sender loop: it moves batches. Each pass places records whose topic
 * became known, expires what waited too long, gets a producer id when
 * idempotence needs one, drains ready batches into one Produce request per
 * leader, and takes each answer: a batch is completed, put back for another
 * try, split, or handed to the {@link OrderingGuard} as failed for good.
 * What an answer means for sequences is {@link Idempotence}'s to say.
 *
 * <p>Threads: the sender thread ({@code josef-<client-id>-sender}) runs
 * {@link #runOnce} in a loop; answers arrive on kafka-net's callback thread
 * and are queued for it. {@link #wakeup}, {@link #flushUpTo},
 * {@link #stop}, {@link #exited} and {@link #failure} are called by
 * producing threads and hand over through the semaphore, the event queue and
 * volatile fields. Tests drive {@link #runOnce} themselves, with a clock they
 * move and a scripted broker.
 */
final class Sender {
    private static final Logger LOG = LoggerFactory.getLogger(Sender.class);
    /**
     * Errors a leader can answer for an acks=all batch after it appended it,
     * while the batch waited for its followers (Kafka's DelayedProduce): the
     * batch may be in the log.
     */
    private static final java.util.Set<ErrorCode> AFTER_APPEND = java.util.EnumSet.of(
            ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.KAFKA_STORAGE_ERROR);

    /** What {@link #runOnce} returns once the sender has made its last pass. */
    static final long STOPPED = Long.MIN_VALUE;

    private final ProducerConfig config;
    private final ProducerNetwork network;
    private final Clock clock;
    private final RecordAccumulator accumulator;
    private final MetadataWait metadataWait;
    private final Idempotence idempotence;
    private final OrderingGuard guard;
    private final Completions completions;
    private final InFlight inFlight;
    private final MetadataWait.Placer placer;
    private final Semaphore wake = new Semaphore(0);
    private final ConcurrentLinkedQueue<Runnable> events = new ConcurrentLinkedQueue<>();
    private final AtomicLong flushTarget = new AtomicLong(-1);
    /** Produce requests not yet answered; read from any thread (ProducerView). */
    private final java.util.concurrent.atomic.AtomicInteger requestsInFlight =
            new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean stopping;
    private volatile long stopDeadlineNanos;
    private volatile String failure;
    /** Set before the sender's last pass over what is buffered; a record placed after that is failed by its producer. */
    private volatile boolean exited;

    /** Sender thread only: Produce requests out per leader; while a leader has its fill, ready batches wait and go together. */
    private final Map<Integer, Integer> leaderRequests = new HashMap<>();

    Sender(ProducerConfig config, ProducerNetwork network, Clock clock, RecordAccumulator accumulator,
           MetadataWait metadataWait, Idempotence idempotence, OrderingGuard guard, Completions completions,
           InFlight inFlight, MetadataWait.Placer placer) {
        this.config = config;
        this.network = network;
        this.clock = clock;
        this.accumulator = accumulator;
        this.metadataWait = metadataWait;
        this.idempotence = idempotence;
        this.guard = guard;
        this.completions = completions;
        this.inFlight = inFlight;
        this.placer = placer;
    }

    // ---------------------------------------------------------------- any thread

    void wakeup() {
        if (wake.availablePermits() == 0) {
            wake.release();
        }
    }

    /** Records with an id below {@code target} go without waiting for linger. */
    void flushUpTo(long target) {
        flushTarget.accumulateAndGet(target, Math::max);
        wakeup();
    }

    /** Asks the sender to send what is buffered within {@code timeoutNanos}, then stop. */
    void stop(long timeoutNanos) {
        stopDeadlineNanos = clock.nanoTime() + timeoutNanos;
        flushTarget.set(Long.MAX_VALUE);
        stopping = true;
        wakeup();
    }

    /**
     * Whether the sender has made (or is making) its last pass: a record a
     * producing thread placed and then sees this for must be failed by that thread,
     * as the pass may have missed it.
     */
    boolean exited() {
        return exited;
    }

    /**
     * Whether another pass is called for now: answers wait, or something woke
     * the sender since. Clears the wake-up. For tests that drive the passes.
     */
    boolean takeWork() {
        return wake.drainPermits() > 0 || !events.isEmpty();
    }

    /** Why the sender stopped on its own, or null while it runs. */
    String failure() {
        return failure;
    }

    // ---------------------------------------------------------------- the loop

    /** The sender thread's body: passes until the last one, waiting in between until woken or due. */
    void run() {
        try {
            while (true) {
                long next = runOnce();
                if (next == STOPPED) {
                    return;
                }
                long wait = next - clock.nanoTime();
                if (wait > 0) {
                    wake.tryAcquire(wait, TimeUnit.NANOSECONDS);
                }
                wake.drainPermits();
            }
        } catch (InterruptedException e) {
            stopped("the producer's sender was interrupted");
        } catch (RuntimeException | Error e) {
            LOG.error("the producer's sender failed; failing every buffered record", e);
            stopped("the producer's sender failed: " + e);
        }
    }

    /**
     * One pass.
     *
     * @return the clock's nanos by which the next pass is due, or {@link #STOPPED}
     */
    long runOnce() {
        long now = clock.nanoTime();
        Runnable event;
        while ((event = events.poll()) != null) {
            event.run();
        }
        boolean finishing = stopping && idempotence.closing();
        if (stopping && (now - stopDeadlineNanos >= 0
                || (!finishing && metadataWait.isEmpty() && accumulator.isEmpty()))) {
            exited = true;
            failEverything("the producer closed before it was sent");
            idempotence.stopped("the producer closed");
            completions.flush();
            return STOPPED;
        }
        long next = now + TimeUnit.SECONDS.toNanos(1);
        next = Math.min(next, metadataWait.poll(now, placer, accumulator::topicNames));
        next = Math.min(next, metadataWait.expire(now));
        next = Math.min(next, expire(now));
        next = Math.min(next, idempotence.poll(now, this::wakeup));
        if (idempotence.ready()) {
            next = Math.min(next, drain(now));
        }
        completions.flush();
        return next;
    }

    /**
     * After the sender stopped for a reason other than close: nothing would ever
     * send what is buffered or what comes later, so both fail, and produce refuses.
     */
    private void stopped(String reason) {
        failure = reason;
        exited = true;
        failEverything(reason);
        idempotence.stopped(reason);
        completions.flush();
    }

    /** What the transaction manager needs of the batches: whether any is left, and to fail those not sent. */
    Transactions.Batches transactionBatches() {
        return new Transactions.Batches() {
            @Override
            public boolean idle() {
                return metadataWait.isEmpty() && accumulator.isEmpty();
            }

            @Override
            public void failUnsent(String reason, Throwable cause) {
                metadataWait.failAll(reason);
                for (Batch b : accumulator.takeEverything()) {
                    if (b.baseSequence >= 0) {
                        idempotence.requireReset(b.owner.sequence); // its sequences leave a gap
                    }
                    completions.failBatch(b, reason, cause);
                }
            }
        };
    }

    private void failEverything(String reason) {
        metadataWait.failAll(reason);
        for (Batch b : accumulator.takeEverything()) {
            completions.failBatch(b, reason, null);
        }
        // Sent, and their answers will not be handled any more.
        for (Batch b : inFlight.takeAll()) {
            completions.failBatch(b, reason + " (it was sent; no answer came in time)", null);
        }
    }

    /** Fails batches that outlived the delivery timeout without being in flight, through the ordering guard. */
    private long expire(long now) {
        long timeout = config.deliveryTimeout().toNanos();
        long[] next = {Long.MAX_VALUE};
        for (PartitionQueue pq : accumulator.partitions()) {
            List<Batch> expired = accumulator.expire(pq, now, timeout, next);
            if (!expired.isEmpty()) {
                guard.failForGood(expired, "its delivery timeout of " + config.deliveryTimeout() + " passed", null);
            }
        }
        return next[0];
    }

    /** Sends every ready batch whose leader is known, one request per leader. */
    private long drain(long now) {
        ClusterMetadata metadata = network.metadata();
        RecordAccumulator.Drain drain = accumulator.drain(now, metadata,
                leader -> leaderRequests.getOrDefault(leader, 0) >= config.network().maxInFlightPerConnection(),
                idempotence, flushTarget.get(), stopping);
        if (drain.metadataStale) {
            metadataWait.markStale();
        }
        for (Batch b : drain.emptied) {
            accumulator.recycle(b);
        }
        for (Batch b : drain.unencodable) {
            guard.failForGood(b, "encoding the batch failed: " + b.encodingFailure, b.encodingFailure);
        }
        for (Map.Entry<Integer, List<Batch>> e : drain.byLeader.entrySet()) {
            send(e.getKey(), e.getValue(), metadata);
        }
        return drain.next;
    }

    private void send(int leader, List<Batch> batches, ClusterMetadata metadata) {
        IntFunction<ApiMessage> body = version -> {
            Map<String, ProduceRequest.TopicProduceData> topics = new LinkedHashMap<>();
            for (Batch b : batches) {
                ProduceRequest.TopicProduceData data = topics.computeIfAbsent(b.partition.topic(), t -> {
                    ProduceRequest.TopicProduceData d = new ProduceRequest.TopicProduceData();
                    // Produce v13 names topics by id only.
                    if (version >= 13) {
                        d.setTopicId(metadata.topic(t).map(ClusterMetadata.Topic::id).orElse(Uuid.ZERO));
                    } else {
                        d.setName(t);
                    }
                    return d;
                });
                data.partitionData().add(new ProduceRequest.PartitionProduceData()
                        .setIndex(b.partition.partition()).setRecords(b.built.duplicate()));
            }
            // A transactional batch's request names the transactional id: the broker authorizes it by that.
            return new ProduceRequest().setTransactionalId(config.transactionalId().orElse(null))
                    .setAcks(config.acks().wire())
                    .setTimeoutMs((int) Math.min(Integer.MAX_VALUE, config.network().requestTimeout().toMillis()))
                    .setTopicData(new ArrayList<>(topics.values()));
        };
        long now = clock.nanoTime();
        for (Batch b : batches) {
            // Produce v13+ answers by topic id alone: the batch's answer is found by it.
            b.topicId = metadata.topic(b.partition.topic()).map(ClusterMetadata.Topic::id).orElse(Uuid.ZERO);
            b.maybeSent = true;
            if (b.firstSentNanos == 0) {
                b.firstSentNanos = now;
            }
            inFlight.add(b);
            idempotence.sent(b);
            completions.batchSent(b);
        }
        leaderRequests.merge(leader, 1, Integer::sum);
        requestsInFlight.incrementAndGet();
        completions.requestSent(leader, batches);
        CompletableFuture<ApiMessage> sent = network.produce(leader, body, config.acks() != Acks.NONE,
                idempotence.produceVersion());
        sent.whenComplete((response, error) -> {
            requestsInFlight.decrementAndGet();
            events.add(() -> {
                leaderRequests.merge(leader, -1, Integer::sum);
                handle(batches, (ProduceResponse) response, error);
            });
            wakeup();
        });
    }

    /** Produce requests sent and not yet answered. */
    int requestsInFlight() {
        return requestsInFlight.get();
    }

    // ---------------------------------------------------------------- answers

    private void handle(List<Batch> batches, ProduceResponse response, Throwable error) {
        Throwable cause = error instanceof CompletionException ? error.getCause() : error;
        for (Batch b : batches) {
            inFlight.remove(b);
            accumulator.answered(b);
            if (cause != null) {
                if (b.doomedBy != null) {
                    completions.failBatch(b, "an earlier batch of " + b.partition + " failed, and this one's request "
                            + "failed too: " + cause.getMessage(), b.doomedBy);
                } else if (cause instanceof NetworkException n) {
                    metadataWait.markStale();
                    b.unknownAttempt |= n.requestSent();
                    retryOrFail(b, cause.getMessage(), cause, !n.requestSent());
                } else {
                    guard.failForGood(b, cause.getMessage(), cause);
                }
                continue;
            }
            if (response == null) { // acks=0: written is all there is
                acknowledged(b, -1, -1);
                continue;
            }
            ProduceResponse.PartitionProduceResponse answer = find(response, b);
            if (answer == null) {
                guard.failForGood(b, "the broker's answer did not mention " + b.partition, null);
                continue;
            }
            ErrorCode code = ErrorCode.forCode(answer.errorCode());
            // DUPLICATE_SEQUENCE_NUMBER: an old broker's answer to a retried batch it already had. In the log, at
            // an offset this answer may not carry (-1), which the record's metadata then says (hasOffset).
            if (code == ErrorCode.NONE || code == ErrorCode.DUPLICATE_SEQUENCE_NUMBER) {
                acknowledged(b, answer.baseOffset(), answer.logAppendTimeMs());
                continue;
            }
            Throwable ex = ErrorCode.exception(answer.errorCode(), answer.errorMessage());
            if (code == ErrorCode.REQUEST_TIMED_OUT || code == ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND) {
                b.unknownAttempt = true; // the leader wrote it; whether it stays is unknown
            } else if (config.acks() == Acks.ALL && AFTER_APPEND.contains(code)) {
                // An acks=all batch waits for its followers after the leader appended it; a leader that loses
                // the partition meanwhile answers this, and the new leader may hold the batch.
                b.unknownAttempt = true;
            } else if (code == ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER || code == ErrorCode.UNKNOWN_PRODUCER_ID) {
                b.unknownAttempt = false; // the broker holds no copy of this sequence (it would say DUPLICATE)
            }
            // Otherwise the broker refused it: unless an attempt went unanswered, it is not in the log.
            b.maybeSent = b.unknownAttempt || b.splitFromUnknown;
            if (b.doomedBy != null) {
                completions.failBatch(b, "an earlier batch of " + b.partition + " failed, and the broker refused this "
                        + "one (" + code + ")", b.doomedBy);
                continue;
            }
            switch (code) {
                case UNKNOWN_PRODUCER_ID, OUT_OF_ORDER_SEQUENCE_NUMBER -> {
                    if (idempotence.enabled()) {
                        sequenceError(b, code, answer.logStartOffset(), ex);
                    } else {
                        guard.failForGood(b, code + ": " + answer.errorMessage(), ex);
                    }
                }
                case MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE -> {
                    if (b.recordCount() > 1) {
                        split(b);
                    } else {
                        guard.failForGood(b, "the broker refused the record as too large (" + code + "); "
                                + "its topic's max.message.bytes is smaller than the record", ex);
                    }
                }
                default -> {
                    if (code.retriable()) {
                        if (code == ErrorCode.NOT_LEADER_OR_FOLLOWER || code == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
                                || code == ErrorCode.LEADER_NOT_AVAILABLE) {
                            metadataWait.markStale();
                        }
                        retryOrFail(b, code.name(), ex, false);
                    } else {
                        guard.failForGood(b, code + ": " + answer.errorMessage(), ex);
                    }
                }
            }
        }
    }

    /**
     * The broker wrote the batch. If it wrote it as a first batch although an
     * earlier batch of the partition is queued for another try (it had forgotten
     * the producer), those earlier ones can no longer be written before it: they
     * fail for good through the ordering guard, instead of landing after it.
     */
    private void acknowledged(Batch b, long baseOffset, long logAppendTime) {
        PartitionQueue pq = b.owner;
        boolean overtook = false;
        if (idempotence.enabled() && b.baseSequence >= 0) {
            boolean earlierMayBeWritten = inFlight.before(pq, b.baseSequence)
                    || accumulator.queuedBefore(pq, b.baseSequence, true);
            overtook = idempotence.acknowledged(pq.sequence, b, baseOffset, clock.nanoTime(), earlierMayBeWritten,
                    accumulator.noSequencedBatchOut(pq));
        } else {
            idempotence.acknowledged(pq.sequence, b, baseOffset, clock.nanoTime(), true, false);
        }
        completions.complete(b, baseOffset, logAppendTime);
        if (overtook) {
            List<Batch> overtaken = accumulator.takeQueuedBefore(pq, b.producerId, b.producerEpoch, b.baseSequence);
            if (!overtaken.isEmpty()) {
                LOG.warn("{}: the broker wrote a batch as if it had no state for this producer, ahead of {} batch(es) "
                        + "it had refused before; those fail, so that nothing is written out of order", b.partition,
                        overtaken.size());
                guard.failForGood(overtaken, "the broker had forgotten this producer and wrote a later batch of "
                        + b.partition + " (sequence " + b.baseSequence + ") ahead of this one, which it had refused; "
                        + "written now it would land out of order", null);
            }
        }
    }

    /**
     * UNKNOWN_PRODUCER_ID or OUT_OF_ORDER_SEQUENCE_NUMBER for an idempotent
     * batch (behaviour 3); {@link Idempotence#sequenceError} says what it means.
     */
    private void sequenceError(Batch b, ErrorCode code, long logStartOffset, Throwable ex) {
        PartitionQueue pq = b.owner;
        boolean earlierOutstanding = inFlight.before(pq, b.baseSequence) || accumulator.queuedBefore(pq, b.baseSequence, false);
        Idempotence.SequenceError verdict = idempotence.sequenceError(pq.sequence, b, logStartOffset, earlierOutstanding);
        if (idempotence.transactional() && verdict != Idempotence.SequenceError.EARLIER_OUTSTANDING
                && verdict != Idempotence.SequenceError.AFTER_GAP) {
            // Nothing explains it: the transaction cannot commit (abortable), and its abort moves the epoch on,
            // which the coordinator owns. A batch pipelined behind one that is being retried waits its turn.
            guard.failForGood(b, code + ": " + ex.getMessage(), ex);
            return;
        }
        long lastAcked = pq.sequence.lastAckedOffset;
        switch (verdict) {
            case AFTER_GAP -> requeue(b, code.name());
            case EARLIER_OUTSTANDING -> retryOrFail(b, code.name(), ex, false);
            case LOG_START_UNKNOWN -> {
                // The partition may have moved away from the broker that answered: ask again, elsewhere.
                metadataWait.markStale();
                retryOrFail(b, code + " without a log start offset", ex, false);
            }
            case STATE_LOST_WITH_LOG -> {
                LOG.info("{}: the broker no longer knows this producer ({}); its log starts at offset {}, past the "
                        + "last offset acknowledged to it ({}), so nothing was lost: sequences restart under a new "
                        + "epoch", b.partition, code, logStartOffset, lastAcked);
                b.maybeSent = false; // refused: not in the log
                idempotence.requireReset(pq.sequence);
                requeue(b, code.name());
            }
            case OVERTAKEN -> guard.failForGood(b, "the broker answered " + code + ": a later batch of " + b.partition
                    + " was written ahead of this one (the broker had forgotten this producer), so it can no longer "
                    + "be written in order", ex);
            case DATA_LOSS -> {
                b.maybeSent = false;
                guard.failForGood(b, new DataLossException(b.partition.topic(), b.partition.partition(), lastAcked,
                        logStartOffset, "possible data loss on " + b.partition + ": the broker answered " + code
                        + " although its log start offset (" + logStartOffset + ") is not past the last offset "
                        + "acknowledged to this producer (" + lastAcked + "); records acknowledged up to that offset "
                        + "may be gone. This batch of " + b.recordCount() + " record(s) is not in the log", ex));
            }
        }
    }

    /**
     * Splits a batch the broker refused as too large into two halves that take
     * its place in the queue. With idempotence the partition's sequences restart,
     * since the halves need one more sequence range than the batch had. The
     * halves keep what is known of the batch: whether it may be in the log.
     */
    private void split(Batch b) {
        if (!idempotence.enabled() && dropAbandoned(b)) {
            accumulator.recycle(b);
            return; // every record of it was cancelled
        }
        if (b.recordCount() == 1) {
            requeue(b, "records cancelled; the rest is encoded again");
            return;
        }
        int half = b.recordCount() / 2;
        Batch first = rebuilt(b, b.records.subList(0, half));
        Batch second = rebuilt(b, b.records.subList(half, b.recordCount()));
        LOG.debug("{}: the broker found a batch of {} records too large; splitting it in two", b.partition,
                b.recordCount());
        if (idempotence.enabled()) {
            // Placeholders in the old batch's range, so both sort where it was; rewritten at the restart.
            first.baseSequence = b.baseSequence;
            second.baseSequence = Idempotence.nextSequence(b.baseSequence, half);
            for (Batch h : List.of(first, second)) {
                h.producerId = b.producerId;
                h.producerEpoch = b.producerEpoch;
                h.builder.producerState(b.producerId, b.producerEpoch, h.baseSequence);
            }
        }
        try {
            first.built = first.builder.build();
            second.built = second.builder.build();
        } catch (RuntimeException e) {
            accumulator.recycle(first);
            accumulator.recycle(second);
            guard.failForGood(b, "encoding the halves of a batch too large for the broker failed: " + e, e);
            return;
        }
        idempotence.requireReset(b.owner.sequence);
        // Both at once, in order: without sequences the queue orders retried batches by creation, and the
        // halves were created together.
        accumulator.requeue(List.of(first, second));
        LOG.debug("{}: the halves of a split batch ({} and {} records) wait for their turn", b.partition,
                first.recordCount(), second.recordCount());
        accumulator.recycle(b);
    }

    private Batch rebuilt(Batch from, List<PendingRecord> records) {
        Batch b = accumulator.newBatch(from.owner, from.createdNanos);
        for (PendingRecord p : records) {
            b.builder.append(p.timestamp, p.record.key(), p.record.value(), p.record.headers());
            b.records.add(p);
        }
        b.claimed = true;
        b.sealed = true;
        b.attempts = from.attempts;
        b.firstSentNanos = from.firstSentNanos;
        // What is known of the records travels with them: if an attempt of the whole went unanswered, they may
        // be in the log. The halves still take new sequences: the broker refused the whole as too large on its
        // last attempt, so it did not hold it (size is checked before sequences), and resending the halves under
        // the old sequences could only be refused.
        b.splitFromUnknown = from.unknownAttempt || from.splitFromUnknown;
        b.maybeSent = from.maybeSent || b.splitFromUnknown;
        return b;
    }

    private static ProduceResponse.PartitionProduceResponse find(ProduceResponse response, Batch b) {
        for (ProduceResponse.TopicProduceResponse t : response.responses()) {
            boolean named = t.name() != null && !t.name().isEmpty();
            boolean same = named ? b.partition.topic().equals(t.name())
                    : !Uuid.ZERO.equals(b.topicId) && b.topicId.equals(t.topicId());
            if (!same) {
                continue;
            }
            for (ProduceResponse.PartitionProduceResponse p : t.partitionResponses()) {
                if (p.index() == b.partition.partition()) {
                    return p;
                }
            }
        }
        return null;
    }

    /**
     * Puts a batch back for another try, unless its delivery timeout has passed
     * (then it failed for good). With idempotence, the partition then sends one
     * batch at a time until the batches sent before are through, so a later
     * batch never overtakes it. Without idempotence, records the application
     * cancelled meanwhile are left out.
     */
    private void retryOrFail(Batch b, String reason, Throwable cause, boolean notSent) {
        long now = clock.nanoTime();
        // While closing, too: close's deadline ends it, failing whatever is left at once, in order.
        if (now - (b.createdNanos + config.deliveryTimeout().toNanos()) >= 0) {
            guard.failForGood(b, reason + ", and its delivery timeout of " + config.deliveryTimeout() + " passed", cause);
            return;
        }
        if (notSent && !b.unknownAttempt && !b.splitFromUnknown) {
            b.maybeSent = false;
        }
        if (!idempotence.enabled() && dropAbandoned(b)) {
            accumulator.recycle(b);
            return;
        }
        b.retryAtNanos = now + backoff(b.attempts);
        idempotence.resending(b.owner.sequence);
        requeue(b, reason);
    }

    /**
     * Leaves out of a batch the records the application cancelled after they were
     * sent (idempotence off); the rest is encoded again, and the batch stays sealed.
     *
     * @return true when nothing is left to send
     */
    private boolean dropAbandoned(Batch b) {
        boolean any = false;
        for (PendingRecord p : b.records) {
            any |= p.state() == PendingRecord.ABANDONED;
        }
        if (!any) {
            return false;
        }
        b.records.removeIf(p -> p.state() == PendingRecord.ABANDONED);
        b.built = null;
        b.claimed = false;
        b.builder = accumulator.newBuilder();
        for (PendingRecord p : b.records) {
            b.builder.append(p.timestamp, p.record.key(), p.record.value(), p.record.headers());
        }
        return b.records.isEmpty();
    }

    private void requeue(Batch b, String reason) {
        accumulator.requeue(b);
        LOG.debug("retrying a batch of {} ({} records, attempt {}): {}", b.partition, b.recordCount(), b.attempts, reason);
    }

    private long backoff(int attempts) {
        long base = config.network().retryBackoff().toNanos();
        long max = config.network().retryBackoffMax().toNanos();
        long backoff = base << Math.min(20, Math.max(0, attempts - 1));
        return Math.min(max, backoff);
    }
}
