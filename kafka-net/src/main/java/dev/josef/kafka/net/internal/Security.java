package dev.josef.kafka.net.internal;

import dev.josef.kafka.net.SecurityProtocol;
import dev.josef.kafka.net.spi.SaslCredentials;
import dev.josef.kafka.net.spi.SaslMechanism;

import javax.net.ssl.SSLContext;
import java.util.Objects;

/**
 * How the engine secures its connections.
 *
 * @param protocol           PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL
 * @param sslContext         for TLS; null without it
 * @param verifyHostname     whether the broker's certificate must name the host connected to (on by default)
 * @param saslMechanism      for SASL; null without it
 * @param saslCredentials    for SASL; null without it
 */
public record Security(SecurityProtocol protocol, SSLContext sslContext, boolean verifyHostname,
                       SaslMechanism saslMechanism, SaslCredentials saslCredentials) {

    public static final Security PLAINTEXT = new Security(SecurityProtocol.PLAINTEXT, null, true, null, null);

    public Security {
        Objects.requireNonNull(protocol, "protocol");
        if (protocol.usesTls() && sslContext == null) {
            throw new IllegalArgumentException(protocol + " needs an SSL context (a trust store, or the JDK's default)");
        }
        if (protocol.usesSasl() && (saslMechanism == null || saslCredentials == null)) {
            throw new IllegalArgumentException(protocol + " needs a SASL mechanism and credentials (sasl.mechanism, sasl.jaas.config)");
        }
        if (protocol.usesSasl()) {
            saslMechanism.validate(saslCredentials);
        }
    }
}
