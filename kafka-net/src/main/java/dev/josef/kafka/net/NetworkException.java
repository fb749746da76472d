package dev.josef.kafka.net;

import dev.josef.kafka.protocol.RetriableException;

/**
 * The connection to a broker could not be made or was lost. {@link #requestSent()}
 * tells whether the request had left this client: if it had, the broker may have
 * acted on it, and a producer must treat its records as possibly persisted.
 */
public class NetworkException extends RetriableException {
    private static final long serialVersionUID = 1L;
    private final boolean requestSent;

    public NetworkException(String message, boolean requestSent, Throwable cause) {
        super(message + (requestSent ? " (the request had been sent; the broker may have processed it)"
                : " (the request was not sent)"), cause);
        this.requestSent = requestSent;
    }

    public boolean requestSent() {
        return requestSent;
    }
}
