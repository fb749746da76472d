package dev.josef.kafka.producer;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;

/**
 * The outcome of one record of {@link Producer#produceSync}.
 *
 * @param metadata where it landed, for {@link Status#PERSISTED}; otherwise null
 * @param error    why it is not known to be persisted; null for {@link Status#PERSISTED}
 */
public record ProduceResult(ProducerRecord record, Status status, RecordMetadata metadata, Throwable error) {

    /** What is known of the record when the call returns. */
    public enum Status {
        /** Acknowledged, at {@link #metadata()}'s offset. */
        PERSISTED,
        /** Not in the log, and never will be: it failed, or it was withdrawn before it was sent. Safe to produce again. */
        NOT_PERSISTED,
        /** Sent, with no answer yet: it may be in the log. The producer keeps working on it in the background. */
        POSSIBLY_PERSISTED
    }

    /** Reads the future now: withdraws the record if it is still unsent. */
    static ProduceResult of(ProducerRecord record, ProduceFuture future) {
        if (!future.isDone() && future.cancel(false)) {
            if (future.wasSent()) {
                return possiblyPersisted(record);
            }
            return new ProduceResult(record, Status.NOT_PERSISTED, null,
                    new ProduceException(ProduceException.Outcome.NOT_PERSISTED, record.topic(), -1,
                            "withdrawn at the deadline before it was sent", null));
        }
        if (!future.isDone()) {
            return possiblyPersisted(record);
        }
        try {
            return new ProduceResult(record, Status.PERSISTED, future.join(), null);
        } catch (CancellationException e) {
            return future.wasSent() ? possiblyPersisted(record) : new ProduceResult(record, Status.NOT_PERSISTED, null, e);
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            Status status = cause instanceof ProduceException p && p.outcome() == ProduceException.Outcome.POSSIBLY_PERSISTED
                    ? Status.POSSIBLY_PERSISTED : Status.NOT_PERSISTED;
            return new ProduceResult(record, status, null, cause);
        }
    }

    private static ProduceResult possiblyPersisted(ProducerRecord record) {
        return new ProduceResult(record, Status.POSSIBLY_PERSISTED, null,
                new ProduceException(ProduceException.Outcome.POSSIBLY_PERSISTED, record.topic(), -1,
                        "sent, and no answer came by the deadline", null));
    }
}
