package dev.josef.kafka.net;

/**
 * No answer came within the request timeout. The connection is closed, since a
 * late answer could no longer be matched; whether the broker acted on the
 * request is unknown when {@link #requestSent()} is true.
 */
public class RequestTimeoutException extends NetworkException {
    private static final long serialVersionUID = 1L;

    public RequestTimeoutException(String message, boolean requestSent) {
        super(message, requestSent, null);
    }
}
