package dev.josef.kafka.producer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.BiConsumer;

/**
 * A record between {@code produce} and its outcome. It holds its share of the
 * buffer and its place in the flush count until its future completes, once,
 * whichever way; then {@link #finished} gives both back and calls the
 * application's callback. No per-record lambdas or completion stages: this is
 * the hot path.
 */
final class PendingRecord {
    private static final Logger LOG = LoggerFactory.getLogger(PendingRecord.class);
    private static final AtomicIntegerFieldUpdater<PendingRecord> STATE =
            AtomicIntegerFieldUpdater.newUpdater(PendingRecord.class, "state");
    private static final AtomicIntegerFieldUpdater<PendingRecord> DONE =
            AtomicIntegerFieldUpdater.newUpdater(PendingRecord.class, "done");

    static final int QUEUED = 0;
    static final int SENT = 1;
    static final int WITHDRAWN = 2;
    /** Sent, then cancelled by the application (idempotence off only): it is not sent again. */
    static final int ABANDONED = 3;

    final ProducerRecord record;
    final long timestamp;
    /** What it holds of the buffer: its encoded size, as reserved at produce. */
    final int size;
    final long enqueuedNanos;
    final long id;
    final ProduceFuture future;
    final Producer producer;
    private final Outstanding.Generation generation;
    private final BiConsumer<RecordMetadata, Throwable> callback;
    /**
     * QUEUED until the sender takes it into a batch it sends (SENT) or the
     * application withdraws it first (WITHDRAWN). One compare-and-set decides,
     * so a withdrawn record is never sent and a sent one is never called withdrawn.
     */
    private volatile int state = QUEUED;
    private volatile int done;
    int partition = -1;

    PendingRecord(Producer producer, ProducerRecord record, long timestamp, int size, long enqueuedNanos, long id,
                  BiConsumer<RecordMetadata, Throwable> callback) {
        this.producer = producer;
        this.record = record;
        this.timestamp = timestamp;
        this.size = size;
        this.enqueuedNanos = enqueuedNanos;
        this.id = id;
        this.callback = callback;
        this.future = new ProduceFuture(this, producer.config.idempotence());
        this.generation = producer.outstanding.enter();
    }

    int state() {
        return state;
    }

    /** Takes the record for sending; true also when it was taken before (a batch sent again). */
    boolean claimForSending() {
        return STATE.compareAndSet(this, QUEUED, SENT) || state == SENT;
    }

    /** Takes the record back if it was not sent yet; then it never will be. */
    boolean withdraw() {
        return STATE.compareAndSet(this, QUEUED, WITHDRAWN);
    }

    /**
     * Gives up on a sent record: it is not sent again, and its outcome stays
     * unknown. Only without idempotence, where no sequence depends on it.
     */
    boolean abandon(boolean idempotence) {
        return !idempotence && STATE.compareAndSet(this, SENT, ABANDONED);
    }

    /**
     * Fails a record refused before it took any room in the buffer (the buffer
     * was full): only the flush count is given back.
     */
    void refuse(Throwable error) {
        if (!DONE.compareAndSet(this, 0, 1)) {
            return;
        }
        producer.outstanding.leave(generation);
        future.settleExceptionally(error);
        callBack(null, error);
    }

    /** Called by the future when it completes, once: gives back the buffer and the flush count, calls back. */
    void finished(RecordMetadata metadata, Throwable error) {
        if (!DONE.compareAndSet(this, 0, 1)) {
            return;
        }
        producer.accumulator.buffer.release(size);
        producer.outstanding.leave(generation);
        callBack(metadata, error);
    }

    private void callBack(RecordMetadata metadata, Throwable error) {
        // Under test (-ea), every outcome checks that no producer lock is held where application code runs.
        assert !producer.accumulator.holdsAnyLock() : "a produce callback would run under a producer lock";
        if (callback != null) {
            try {
                callback.accept(metadata, error);
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("a produce callback for topic {} threw; the producer carries on", record.topic(), e);
            }
        }
    }
}
