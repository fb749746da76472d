package dev.josef.kafka.protocol;

/**
 * A broker answered with an error that may clear if the request is sent again,
 * often after refreshing metadata. Built by {@link ErrorCode#exception(String)}.
 */
public class RetriableBrokerException extends RetriableException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode errorCode;
    private final short rawErrorCode;

    RetriableBrokerException(String message, ErrorCode errorCode, short rawErrorCode) {
        super(message, null, false);
        this.errorCode = errorCode;
        this.rawErrorCode = rawErrorCode;
    }

    /** The error; always one whose {@link ErrorCode#retriable()} is true. */
    public ErrorCode errorCode() {
        return errorCode;
    }

    /** The code exactly as the broker sent it. */
    public short rawErrorCode() {
        return rawErrorCode;
    }
}
