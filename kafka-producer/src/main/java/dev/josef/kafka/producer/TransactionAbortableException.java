package dev.josef.kafka.producer;

import dev.josef.kafka.protocol.ErrorCode;

/**
 * A {@link TransactionException} of class {@link ErrorClass#ABORTABLE}: the transaction cannot commit; {@code abortTransaction()}, then go on. A record that failed inside the transaction, a produce or commit that timed out, a group offset commit the coordinator refused (the member was rebalanced away) and the broker's TRANSACTION_ABORTABLE land here.
 */
public final class TransactionAbortableException extends TransactionException {
    private static final long serialVersionUID = 1L;

    TransactionAbortableException(String message, ErrorCode errorCode, Throwable cause) {
        super(message, errorCode, cause);
    }

    @Override
    public ErrorClass errorClass() {
        return ErrorClass.ABORTABLE;
    }
}
