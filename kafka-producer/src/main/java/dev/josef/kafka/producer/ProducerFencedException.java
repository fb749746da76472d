package dev.josef.kafka.producer;

import dev.josef.kafka.protocol.ErrorCode;

/**
 * A {@link TransactionException} of class {@link ErrorClass#APPLICATION_RECOVERABLE}: another producer with the same transactional id has started (or the coordinator no longer knows this producer's epoch): this one can do nothing more. Close it; a new producer with the id fences the other in turn.
 */
public final class ProducerFencedException extends TransactionException {
    private static final long serialVersionUID = 1L;

    ProducerFencedException(String message, ErrorCode errorCode, Throwable cause) {
        super(message, errorCode, cause);
    }

    @Override
    public ErrorClass errorClass() {
        return ErrorClass.APPLICATION_RECOVERABLE;
    }
}
