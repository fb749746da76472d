package dev.josef.kafka.protocol;

/** A failure that may succeed if the same operation is tried again. */
public class RetriableException extends KafkaException {
    private static final long serialVersionUID = 1L;

    public RetriableException(String message) {
        super(message);
    }

    public RetriableException(String message, Throwable cause) {
        super(message, cause);
    }

    protected RetriableException(String message, Throwable cause, boolean writableStackTrace) {
        super(message, cause, writableStackTrace);
    }
}
