package dev.josef.kafka.producer;

import java.util.concurrent.CompletableFuture;

/**
 * A record's outcome. {@link #cancel} succeeds only for a record that was not
 * sent yet: the record is then withdrawn, never reaches a broker, and is not in
 * the log. A record already sent cannot be called back; {@code cancel} returns
 * false and its outcome comes as it would have.
 */
public final class ProduceFuture extends CompletableFuture<RecordMetadata> {
    private final PendingRecord pending;

    ProduceFuture(PendingRecord pending) {
        this.pending = pending;
    }

    /** Whether the record can still be withdrawn (it was not sent yet). */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        return pending.withdraw() && super.cancel(mayInterruptIfRunning);
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }
}
