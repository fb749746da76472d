package dev.josef.kafka.admin;

import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.KafkaException;

/**
 * How one item of an admin request fared: a topic, a partition, a config
 * resource. The broker answers each item on its own, so one request can succeed
 * for some items and fail for others; results carry the broker's error per item
 * rather than failing the whole future.
 */
public interface Outcome {

    /** The broker's error for this item, {@link ErrorCode#NONE} when it succeeded. */
    ErrorCode error();

    /** The broker's own words about the error, or {@code null} when it gave none. */
    String errorMessage();

    default boolean succeeded() {
        return error() == ErrorCode.NONE;
    }

    /**
     * Throws the broker's error for this item as an exception (a
     * {@code RetriableBrokerException} when retrying may help); does nothing when
     * the item succeeded.
     */
    default void orThrow() {
        if (!succeeded()) {
            throw exception();
        }
    }

    /** The error as an exception, or {@code null} when the item succeeded. */
    default KafkaException exception() {
        if (succeeded()) {
            return null;
        }
        return error().exception(errorMessage());
    }
}
