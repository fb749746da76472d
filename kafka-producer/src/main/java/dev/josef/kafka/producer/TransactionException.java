package dev.josef.kafka.producer;

import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.KafkaException;

import java.util.Optional;

/**
 * A transaction failed. Its {@link #errorClass()} says what the application
 * does next (KIP-1050's classes); errors the client can retry itself
 * (CONCURRENT_TRANSACTIONS, COORDINATOR_LOAD_IN_PROGRESS, NOT_COORDINATOR, a
 * lost connection) never reach the application.
 */
public abstract sealed class TransactionException extends KafkaException
        permits TransactionAbortableException, ProducerFencedException, TransactionFatalException,
        TransactionTimeoutException {
    private static final long serialVersionUID = 1L;

    /** What the application does after a transaction error. */
    public enum ErrorClass {
        /** Call the same method again: the operation goes on in the background. */
        RETRIABLE,
        /** Abort the transaction (and rewind the input); then the producer goes on. */
        ABORTABLE,
        /** Close this producer and create a new one: another instance owns the transactional id now. */
        APPLICATION_RECOVERABLE,
        /** The producer cannot go on, and a new one will fail the same way until the cause is fixed. */
        FATAL
    }

    private final transient ErrorCode errorCode;

    TransactionException(String message, ErrorCode errorCode, Throwable cause) {
        super(message, cause);
        this.errorCode = errorCode;
    }

    public abstract ErrorClass errorClass();

    /** The broker's error, when a broker's answer caused this. */
    public Optional<ErrorCode> errorCode() {
        return Optional.ofNullable(errorCode);
    }
}
