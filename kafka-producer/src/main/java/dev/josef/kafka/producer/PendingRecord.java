package dev.josef.kafka.producer;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/** A record between {@code produce} and its outcome. */
final class PendingRecord {
    final ProducerRecord record;
    final long timestamp;
    /** What it holds of the buffer: its encoded size, as reserved at produce. */
    final int size;
    final long enqueuedNanos;
    final long id;
    final ProduceFuture future;
    /**
     * QUEUED until the sender takes it into a batch it sends (SENT) or the
     * application withdraws it first (WITHDRAWN). One compare-and-set decides,
     * so a withdrawn record is never sent and a sent one is never called withdrawn.
     */
    final AtomicInteger state = new AtomicInteger(QUEUED);
    int partition = -1;

    static final int QUEUED = 0;
    static final int SENT = 1;
    static final int WITHDRAWN = 2;
    /** Sent, then cancelled by the application (idempotence off only): it is not sent again. */
    static final int ABANDONED = 3;

    /** Takes the record back if it was not sent yet; then it never will be. */
    boolean withdraw() {
        return state.compareAndSet(QUEUED, WITHDRAWN);
    }

    /**
     * Gives up on a sent record: it is not sent again, and its outcome stays
     * unknown. Only without idempotence, where no sequence depends on it.
     */
    boolean abandon(boolean idempotence) {
        return !idempotence && state.compareAndSet(SENT, ABANDONED);
    }

    PendingRecord(ProducerRecord record, long timestamp, int size, long enqueuedNanos, long id, boolean idempotence) {
        this.future = new ProduceFuture(this, idempotence);
        this.record = record;
        this.timestamp = timestamp;
        this.size = size;
        this.enqueuedNanos = enqueuedNanos;
        this.id = id;
    }
}
