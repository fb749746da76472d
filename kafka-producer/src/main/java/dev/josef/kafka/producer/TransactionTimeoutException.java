package dev.josef.kafka.producer;

import dev.josef.kafka.protocol.ErrorCode;

/**
 * A {@link TransactionException} of class {@link ErrorClass#RETRIABLE}: a transactional call did not finish within {@code maxBlock}; it goes on in the background. Call the same method again to wait for it (commitTransaction and initTransactions), or, in a transaction, abort.
 */
public final class TransactionTimeoutException extends TransactionException {
    private static final long serialVersionUID = 1L;

    TransactionTimeoutException(String message, ErrorCode errorCode, Throwable cause) {
        super(message, errorCode, cause);
    }

    @Override
    public ErrorClass errorClass() {
        return ErrorClass.RETRIABLE;
    }
}
