package dev.josef.kafka.net.internal.sasl;

import dev.josef.kafka.net.spi.OAuthBearerToken;
import dev.josef.kafka.net.spi.SaslAuthenticationException;
import dev.josef.kafka.net.spi.SaslCredentials;
import dev.josef.kafka.net.spi.SaslExchange;
import dev.josef.kafka.net.spi.SaslMechanism;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * SASL OAUTHBEARER (RFC 7628) as Kafka's clients send it (KIP-255, extensions
 * KIP-342): {@code n,[a=authzid],^Aauth=Bearer <token>[^Akey=value]*^A^A}, where
 * ^A is %x01. The broker answers with nothing on success, or with a JSON error
 * ({@code {"status":"invalid_token",...}}); the client must then send a lone %x01
 * and the broker ends the authentication with an error (RFC 7628 section 3.2.3).
 */
public final class OAuthBearerMechanism implements SaslMechanism {
    public static final String NAME = "OAUTHBEARER";
    public static final OAuthBearerMechanism INSTANCE = new OAuthBearerMechanism(Clock.systemUTC());

    private static final char SEPARATOR = '\u0001';
    private static final Pattern JSON_STRING_MEMBER =
            Pattern.compile("\"(status|scope|openid-configuration)\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final Clock clock;

    /** @param clock tells whether a token has expired before it is sent */
    public OAuthBearerMechanism(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void validate(SaslCredentials credentials) {
        SaslText.requireKind(NAME, credentials, SaslCredentials.Kind.OAUTH_BEARER);
    }

    @Override
    public SaslExchange start(SaslCredentials credentials, String brokerHost) {
        Objects.requireNonNull(credentials, "credentials");
        validate(credentials);
        OAuthBearerToken token;
        try {
            token = credentials.tokenProvider().token();
        } catch (RuntimeException e) {
            // The provider's message is its own and could hold anything; the cause keeps it.
            throw new SaslAuthenticationException(NAME, "the token provider failed with "
                    + e.getClass().getName(), e);
        }
        if (token == null) {
            throw new SaslAuthenticationException(NAME, "the token provider returned no token");
        }
        if (!token.expiresAt().isAfter(clock.instant())) {
            throw new SaslAuthenticationException(NAME, "the token for '" + token.principalName()
                    + "' expired at " + token.expiresAt());
        }
        StringBuilder message = new StringBuilder("n,")
                .append(credentials.authorizationId().map(a -> "a=" + SaslText.saslName(a)).orElse(""))
                .append(',').append(SEPARATOR)
                .append("auth=Bearer ").append(token.value());
        credentials.extensions().forEach((k, v) -> message.append(SEPARATOR).append(k).append('=').append(v));
        message.append(SEPARATOR).append(SEPARATOR);
        return new Exchange(token.value(), message.toString().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return NAME;
    }

    private enum State { INITIAL, AWAIT_OUTCOME, AWAIT_FAILURE, COMPLETE, FAILED }

    private static final class Exchange implements SaslExchange, Redacting {
        private final String tokenValue;
        private byte[] initialResponse;
        private State state = State.INITIAL;
        private String serverError;

        Exchange(String tokenValue, byte[] initialResponse) {
            this.tokenValue = tokenValue;
            this.initialResponse = initialResponse;
        }

        @Override
        public byte[] initialResponse() {
            if (state != State.INITIAL) {
                throw new IllegalStateException("the OAUTHBEARER message was already made");
            }
            state = State.AWAIT_OUTCOME;
            byte[] response = initialResponse;
            initialResponse = null;
            return response;
        }

        @Override
        public byte[] evaluate(byte[] challenge) {
            Objects.requireNonNull(challenge, "challenge");
            switch (state) {
                case AWAIT_OUTCOME:
                    if (challenge.length == 0) {
                        state = State.COMPLETE;
                        return null;
                    }
                    serverError = describeError(challenge);
                    state = State.AWAIT_FAILURE;
                    // RFC 7628 section 3.2.3: acknowledge the error; the broker then fails the exchange.
                    return new byte[] {SEPARATOR};
                case AWAIT_FAILURE:
                    state = State.FAILED;
                    throw new SaslAuthenticationException(NAME, "the broker rejected the token (" + serverError
                            + ") and then did not end the authentication");
                case INITIAL:
                    throw new IllegalStateException("initialResponse() comes first");
                case COMPLETE:
                    state = State.FAILED;
                    throw new SaslAuthenticationException(NAME, "the broker sent a message after the exchange was complete");
                default:
                    throw new SaslAuthenticationException(NAME, "the exchange has already failed");
            }
        }

        @Override
        public boolean isComplete() {
            return state == State.COMPLETE;
        }

        @Override
        public Optional<String> serverError() {
            return Optional.ofNullable(serverError);
        }

        @Override
        public String redact(String text) {
            return Redacting.redact(text, tokenValue.toCharArray());
        }

        /** The members of the broker's error JSON that say why: status, scope, openid-configuration. */
        private String describeError(byte[] challenge) {
            String json = redact(new String(challenge, StandardCharsets.UTF_8));
            StringBuilder sb = new StringBuilder();
            Matcher m = JSON_STRING_MEMBER.matcher(json);
            while (m.find()) {
                if (sb.length() > 0) {
                    sb.append(", ");
                }
                sb.append(m.group(1)).append(' ').append(SaslText.quote(m.group(2)));
            }
            return sb.length() > 0 ? sb.toString() : "an error the client cannot read: '" + SaslText.quote(json) + "'";
        }
    }
}
