package dev.josef.kafka.producer;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

/**
 * A record's outcome. {@link #cancel} succeeds for a record that was not sent
 * yet: the record is then withdrawn, never reaches a broker, and is not in the
 * log. A record already sent cannot be called back: with idempotence (the
 * default) {@code cancel} returns false and its outcome comes as it would have,
 * because its sequence number must be settled; without idempotence
 * {@code cancel} succeeds, the record is not sent again, and it may or may not
 * be in the log ({@link #wasSent()} tells which case it was).
 */
public final class ProduceFuture extends CompletableFuture<RecordMetadata> {
    private final PendingRecord pending;
    private final boolean idempotence;

    ProduceFuture(PendingRecord pending, boolean idempotence) {
        this.pending = pending;
        this.idempotence = idempotence;
    }

    /** Withdraws the record if it was not sent; gives up on it if it was and idempotence is off. */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        if (isDone()) {
            return isCancelled(); // failed or acknowledged before: nothing to withdraw
        }
        if (pending.withdraw()) {
            pending.producer.withdrawnInTransaction();
            super.cancel(mayInterruptIfRunning);
            cancelled();
            return true;
        }
        if (pending.abandon(idempotence)) {
            super.cancel(mayInterruptIfRunning); // false only if completed from outside meanwhile
            // Sent: its batch's answer still comes, and the hooks hear that outcome then.
            pending.finished(null, new CancellationException("cancelled by the application"));
            return true;
        }
        return false;
    }

    /**
     * A withdrawn record's outcome is the cancel, and nothing else will come:
     * hooks hear of it (a tracing hook ends the record's span), then callbacks.
     */
    private void cancelled() {
        CancellationException cancelled = new CancellationException("cancelled by the application");
        pending.producer.cancelledByApplication(pending, cancelled);
        pending.finished(null, cancelled);
    }

    /**
     * The producer's own completion: the record's outcome, final. Completing the
     * future from outside ({@code complete}, {@code orTimeout}, ...) only completes
     * the future; the record keeps its place in the buffer and in {@code flush}
     * until the producer settles it, and the callback gets the real outcome.
     */
    void settle(RecordMetadata value) {
        super.complete(value);
        pending.finished(value, null);
    }

    void settleExceptionally(Throwable error) {
        super.completeExceptionally(error);
        pending.finished(null, error);
    }

    /** Whether a request carried the record (so after a cancel it may be in the log). */
    public boolean wasSent() {
        int state = pending.state();
        return state == PendingRecord.SENT || state == PendingRecord.ABANDONED;
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }
}
