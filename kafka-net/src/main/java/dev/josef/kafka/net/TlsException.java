package dev.josef.kafka.net;

import dev.josef.kafka.protocol.KafkaException;

/**
 * A TLS handshake with a broker failed: an untrusted certificate, a host name
 * it does not name, no protocol in common. Not retriable: trying again would
 * fail the same way, so no request is sent again after it. No request had been
 * sent on the connection.
 */
public class TlsException extends KafkaException {
    private static final long serialVersionUID = 1L;

    public TlsException(String message, Throwable cause) {
        super(message, cause);
    }
}
