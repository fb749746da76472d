package dev.josef.kafka.protocol;

/**
 * A broker answered with an error that sending the same request again will not
 * cure. Built by {@link ErrorCode#exception(String)}; retriable errors come as
 * {@link RetriableBrokerException} instead.
 */
public class BrokerException extends KafkaException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode errorCode;
    private final short rawErrorCode;

    BrokerException(String message, ErrorCode errorCode, short rawErrorCode) {
        super(message, null, false);
        this.errorCode = errorCode;
        this.rawErrorCode = rawErrorCode;
    }

    /** The error, {@link ErrorCode#UNKNOWN_SERVER_ERROR} when the code was not known. */
    public ErrorCode errorCode() {
        return errorCode;
    }

    /** The code exactly as the broker sent it. */
    public short rawErrorCode() {
        return rawErrorCode;
    }
}
