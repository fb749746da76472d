package dev.josef.kafka.protocol;

/**
 * The root of every exception Josef throws. Unchecked, so that a caller handles
 * what it can act on and lets the rest reach its own boundary.
 */
public class KafkaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public KafkaException(String message) {
        super(message);
    }

    public KafkaException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * For exceptions that stand for a broker's answer, not a bug on this side: the
     * stack trace would only show the I/O thread, so it is not filled in.
     */
    protected KafkaException(String message, Throwable cause, boolean writableStackTrace) {
        super(message, cause, true, writableStackTrace);
    }
}
