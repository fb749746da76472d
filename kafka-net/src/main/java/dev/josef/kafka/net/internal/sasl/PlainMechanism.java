package dev.josef.kafka.net.internal.sasl;

import dev.josef.kafka.net.spi.SaslAuthenticationException;
import dev.josef.kafka.net.spi.SaslCredentials;
import dev.josef.kafka.net.spi.SaslExchange;
import dev.josef.kafka.net.spi.SaslMechanism;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * SASL PLAIN (RFC 4616): {@code [authzid] NUL authcid NUL passwd} in UTF-8, one
 * message, nothing to check on the way back. The password crosses the wire as is,
 * so it belongs on TLS listeners only.
 */
public final class PlainMechanism implements SaslMechanism {
    public static final String NAME = "PLAIN";
    public static final PlainMechanism INSTANCE = new PlainMechanism();

    private PlainMechanism() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void validate(SaslCredentials credentials) {
        SaslText.requireKind(NAME, credentials, SaslCredentials.Kind.PASSWORD);
    }

    @Override
    public SaslExchange start(SaslCredentials credentials, String brokerHost) {
        Objects.requireNonNull(credentials, "credentials");
        validate(credentials);
        return new Exchange(credentials);
    }

    @Override
    public String toString() {
        return NAME;
    }

    private static final class Exchange implements SaslExchange, Redacting {
        private final SaslCredentials credentials;
        private boolean sent;

        Exchange(SaslCredentials credentials) {
            this.credentials = credentials;
        }

        @Override
        public byte[] initialResponse() {
            if (sent) {
                throw new IllegalStateException("the PLAIN message was already made");
            }
            sent = true;
            byte[] authzid = credentials.authorizationId().orElse("").getBytes(StandardCharsets.UTF_8);
            byte[] authcid = credentials.username().getBytes(StandardCharsets.UTF_8);
            char[] password = credentials.password();
            byte[] passwd = SaslText.utf8(password);
            Arrays.fill(password, '\0');
            // Sized exactly, so that no growing buffer leaves a copy of the password behind.
            byte[] message = new byte[authzid.length + 1 + authcid.length + 1 + passwd.length];
            System.arraycopy(authzid, 0, message, 0, authzid.length);
            System.arraycopy(authcid, 0, message, authzid.length + 1, authcid.length);
            System.arraycopy(passwd, 0, message, authzid.length + 1 + authcid.length + 1, passwd.length);
            Arrays.fill(passwd, (byte) 0);
            return message;
        }

        @Override
        public byte[] evaluate(byte[] challenge) {
            Objects.requireNonNull(challenge, "challenge");
            if (!sent) {
                throw new IllegalStateException("initialResponse() comes first");
            }
            // Kafka answers PLAIN with an empty message; anything else is not PLAIN.
            if (challenge.length != 0) {
                throw new SaslAuthenticationException(NAME, "the broker sent a " + challenge.length
                        + "-byte challenge, but PLAIN has only the client's one message");
            }
            return null;
        }

        @Override
        public boolean isComplete() {
            return sent;
        }

        @Override
        public String redact(String text) {
            char[] password = credentials.password();
            try {
                return Redacting.redact(text, password);
            } finally {
                Arrays.fill(password, '\0');
            }
        }
    }
}
