package dev.josef.kafka.producer;

import dev.josef.kafka.protocol.KafkaException;

import java.util.Objects;

/**
 * A record that failed for good, and what that means for it: whether it may be
 * in the log ({@link Persistence#POSSIBLY_PERSISTED}) or certainly is not
 * ({@link Persistence#NOT_PERSISTED}).
 */
public class ProduceException extends KafkaException {
    private static final long serialVersionUID = 1L;

    private final Persistence persistence;
    private final String topic;
    private final int partition;

    /**
     * @throws IllegalArgumentException for {@link Persistence#PERSISTED}: a persisted record did not fail
     */
    public ProduceException(Persistence persistence, String topic, int partition, String message, Throwable cause) {
        super(message, cause);
        this.persistence = Objects.requireNonNull(persistence, "persistence");
        if (persistence == Persistence.PERSISTED) {
            throw new IllegalArgumentException("a failed record is NOT_PERSISTED or POSSIBLY_PERSISTED");
        }
        this.topic = topic;
        this.partition = partition;
    }

    /** {@link Persistence#NOT_PERSISTED} or {@link Persistence#POSSIBLY_PERSISTED}, never PERSISTED. */
    public Persistence persistence() {
        return persistence;
    }

    public String topic() {
        return topic;
    }

    /** The partition, or -1 when none was chosen yet. */
    public int partition() {
        return partition;
    }
}
