package dev.josef.kafka.producer;

/**
 * What is known of a record's place in the log: the one answer
 * {@link ProduceResult#persistence()} and {@link ProduceException#persistence()}
 * give (behaviour 2 of Josef's design: honest outcomes).
 */
public enum Persistence {
    /** Acknowledged by the broker: in the log. */
    PERSISTED,
    /**
     * Not in the log, and never will be: it never reached a broker, a broker
     * refused it, or it was withdrawn before it was sent. Safe to produce again.
     */
    NOT_PERSISTED,
    /**
     * Sent, with no answer: it may be in the log or not. Producing it again may
     * duplicate it. With idempotence the producer keeps working on it in the
     * background, so records produced later are neither lost nor reordered.
     */
    POSSIBLY_PERSISTED
}
