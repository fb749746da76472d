package dev.josef.kafka.producer;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;

/**
 * The outcome of one record of {@link Producer#produceSync}.
 *
 * @param persistence what is known of the record when the call returned
 * @param metadata    where it landed, for {@link Persistence#PERSISTED}; otherwise null
 * @param error       why it is not known to be persisted; null for {@link Persistence#PERSISTED}
 */
public record ProduceResult(ProducerRecord record, Persistence persistence, RecordMetadata metadata, Throwable error) {

    /** Reads the future now: withdraws the record if it is still unsent. */
    static ProduceResult of(ProducerRecord record, ProduceFuture future) {
        if (!future.isDone() && future.cancel(false)) {
            if (future.wasSent()) {
                return possiblyPersisted(record);
            }
            return new ProduceResult(record, Persistence.NOT_PERSISTED, null,
                    new ProduceException(Persistence.NOT_PERSISTED, record.topic(), -1,
                            "withdrawn at the deadline before it was sent", null));
        }
        if (!future.isDone()) {
            return possiblyPersisted(record);
        }
        try {
            return new ProduceResult(record, Persistence.PERSISTED, future.join(), null);
        } catch (CancellationException e) {
            return future.wasSent() ? possiblyPersisted(record) : new ProduceResult(record, Persistence.NOT_PERSISTED, null, e);
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            Persistence persistence = cause instanceof ProduceException p
                    && p.persistence() == Persistence.POSSIBLY_PERSISTED
                    ? Persistence.POSSIBLY_PERSISTED : Persistence.NOT_PERSISTED;
            return new ProduceResult(record, persistence, null, cause);
        }
    }

    private static ProduceResult possiblyPersisted(ProducerRecord record) {
        return new ProduceResult(record, Persistence.POSSIBLY_PERSISTED, null,
                new ProduceException(Persistence.POSSIBLY_PERSISTED, record.topic(), -1,
                        "sent, and no answer came by the deadline", null));
    }
}
