package dev.josef.kafka.producer;

import dev.josef.kafka.protocol.KafkaException;

import java.util.Objects;

/**
 * A record that failed for good, and what that means for it: whether it may be
 * in the log or certainly is not.
 */
public class ProduceException extends KafkaException {
    private static final long serialVersionUID = 1L;

    /** What is known of a failed record. */
    public enum Outcome {
        /** It never reached a broker, or a broker refused it: it is not in the log, and is safe to produce again. */
        NOT_PERSISTED,
        /** It was sent and no answer came: it may be in the log or not. Producing it again may duplicate it. */
        POSSIBLY_PERSISTED
    }

    private final Outcome outcome;
    private final String topic;
    private final int partition;

    public ProduceException(Outcome outcome, String topic, int partition, String message, Throwable cause) {
        super(message, cause);
        this.outcome = Objects.requireNonNull(outcome, "outcome");
        this.topic = topic;
        this.partition = partition;
    }

    public Outcome outcome() {
        return outcome;
    }

    public String topic() {
        return topic;
    }

    /** The partition, or -1 when none was chosen yet. */
    public int partition() {
        return partition;
    }
}
