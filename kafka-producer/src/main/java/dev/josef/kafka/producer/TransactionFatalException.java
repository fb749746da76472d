package dev.josef.kafka.producer;

import dev.josef.kafka.protocol.ErrorCode;

/**
 * A {@link TransactionException} of class {@link ErrorClass#FATAL}: the producer cannot go on: an authorization failure, an unsupported broker, INVALID_TXN_STATE, or an error the client does not know to recover from. Every later transactional call throws it again.
 */
public final class TransactionFatalException extends TransactionException {
    private static final long serialVersionUID = 1L;

    TransactionFatalException(String message, ErrorCode errorCode, Throwable cause) {
        super(message, errorCode, cause);
    }

    @Override
    public ErrorClass errorClass() {
        return ErrorClass.FATAL;
    }
}
