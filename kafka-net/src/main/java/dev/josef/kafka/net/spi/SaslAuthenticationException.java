package dev.josef.kafka.net.spi;

import dev.josef.kafka.protocol.KafkaException;

import java.util.Objects;

/**
 * A SASL authentication did not succeed: the broker refused the credentials, its
 * messages did not follow the mechanism, or it failed to prove that it knows them
 * (SCRAM's server signature). Not retriable: the same credentials will fail again.
 *
 * <p>The message names the mechanism and says why; it never holds a password, a
 * token or any other secret. Mechanisms that throw this must keep to that rule.
 */
public class SaslAuthenticationException extends KafkaException {
    private static final long serialVersionUID = 1L;

    private final String mechanism;

    /**
     * @param mechanism the SASL mechanism name, e.g. {@code SCRAM-SHA-256}
     * @param reason    why it failed, free of secrets
     */
    public SaslAuthenticationException(String mechanism, String reason) {
        this(mechanism, reason, null);
    }

    /**
     * @param mechanism the SASL mechanism name, e.g. {@code SCRAM-SHA-256}
     * @param reason    why it failed, free of secrets
     * @param cause     the underlying failure, or null
     */
    public SaslAuthenticationException(String mechanism, String reason, Throwable cause) {
        super("SASL " + Objects.requireNonNull(mechanism, "mechanism") + " authentication failed: "
                + Objects.requireNonNull(reason, "reason"), cause);
        this.mechanism = mechanism;
    }

    /** The name of the mechanism that failed. */
    public String mechanism() {
        return mechanism;
    }
}
