package dev.josef.kafka.net.spi;

import dev.josef.kafka.net.internal.sasl.OAuthBearerMechanism;
import dev.josef.kafka.net.internal.sasl.PlainMechanism;
import dev.josef.kafka.net.internal.sasl.ScramMechanism;

/**
 * The client side of one SASL mechanism, chosen by {@link #name()} with the
 * {@code sasl.mechanism} setting. PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and
 * OAUTHBEARER are built in (the static factories below); others come from
 * providers found with {@link java.util.ServiceLoader} (declare
 * {@code provides dev.josef.kafka.net.spi.SaslMechanism with ...} on the module
 * path, or list the class in {@code META-INF/services/dev.josef.kafka.net.spi.SaslMechanism}
 * on the class path), or are passed to the client's builder as an instance, which
 * wins over both.
 *
 * <p>Josef frames the exchange the way Kafka does (SaslHandshake, then one
 * SaslAuthenticate request per message, KIP-43 and KIP-152); the mechanism only
 * makes and checks the messages. One instance serves every connection of every
 * client that uses it, so implementations must be thread-safe; each
 * {@link SaslExchange} they start is used by one connection, one call at a time.
 */
public interface SaslMechanism {

    /**
     * The mechanism name as the broker knows it (RFC 4422: 1 to 20 characters of
     * upper-case letters, digits, '-' and '_'), e.g. {@code SCRAM-SHA-512}.
     */
    String name();

    /**
     * Checks, when a client is built, that these credentials are the kind this
     * mechanism needs, so that a wrong setting fails at once rather than on the
     * first connection.
     *
     * @throws IllegalArgumentException saying what is missing, without any secret
     */
    default void validate(SaslCredentials credentials) {
    }

    /**
     * Begins an authentication on one new connection. May call user code (an
     * OAuth token provider, for instance) and so may block; Josef calls it off its
     * I/O thread.
     *
     * @param credentials who to authenticate as
     * @param brokerHost  the host name the client connected to, for mechanisms that
     *                    bind to the server's identity (Kerberos); others ignore it
     * @throws SaslAuthenticationException if the exchange cannot begin (no token, say)
     * @throws IllegalArgumentException    if the credentials are not the kind this mechanism needs
     */
    SaslExchange start(SaslCredentials credentials, String brokerHost);

    /** PLAIN (RFC 4616): the username and password in one message; use it only over TLS. */
    static SaslMechanism plain() {
        return PlainMechanism.INSTANCE;
    }

    /** SCRAM-SHA-256 (RFC 5802, RFC 7677, KIP-84): the password never crosses the wire. */
    static SaslMechanism scramSha256() {
        return ScramMechanism.SHA_256;
    }

    /** SCRAM-SHA-512 (RFC 5802, KIP-84). */
    static SaslMechanism scramSha512() {
        return ScramMechanism.SHA_512;
    }

    /**
     * OAUTHBEARER (RFC 7628, KIP-255): sends the token from
     * {@link SaslCredentials#oauthBearer}'s provider, with its SASL extensions (KIP-342).
     */
    static SaslMechanism oauthBearer() {
        return OAuthBearerMechanism.INSTANCE;
    }
}
