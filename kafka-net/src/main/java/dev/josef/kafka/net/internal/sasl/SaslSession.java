package dev.josef.kafka.net.internal.sasl;

import dev.josef.kafka.net.spi.SaslAuthenticationException;
import dev.josef.kafka.net.spi.SaslCredentials;
import dev.josef.kafka.net.spi.SaslExchange;
import dev.josef.kafka.net.spi.SaslMechanism;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.message.SaslAuthenticateRequest;
import dev.josef.kafka.protocol.message.SaslAuthenticateResponse;
import dev.josef.kafka.protocol.message.SaslHandshakeRequest;
import dev.josef.kafka.protocol.message.SaslHandshakeResponse;

import java.util.List;
import java.util.Objects;

/**
 * One SASL authentication of one connection, as Kafka frames it, without the I/O:
 * SaslHandshake v1 names the mechanism (KIP-43), then each message of the exchange
 * travels in a SaslAuthenticate request and the broker's in its response (KIP-152).
 * The caller sends the requests this returns and hands back each response; every
 * failure comes out as a {@link SaslAuthenticationException} that names the
 * mechanism and holds no secret, even where the broker's own message would.
 *
 * <p>Used by one connection, one call at a time; not thread-safe. The constructor
 * starts the mechanism, which may call user code (a token provider), so it belongs
 * off the I/O thread.
 */
public final class SaslSession {
    /** v1: the handshake only names the mechanism, and SaslAuthenticate carries the messages. */
    public static final short HANDSHAKE_VERSION = 1;

    // No Kafka mechanism needs more than three messages each way; a broker that
    // keeps sending challenges is not running the mechanism it named.
    private static final int MAX_CHALLENGES = 16;

    private enum State { HANDSHAKE, AUTHENTICATING, AUTHENTICATED, FAILED }

    private final String mechanism;
    private final SaslExchange exchange;
    private State state = State.HANDSHAKE;
    private int challenges;
    private long sessionLifetimeMs;

    /**
     * @throws SaslAuthenticationException if the mechanism cannot begin (no token, say)
     * @throws IllegalArgumentException    if the credentials do not suit the mechanism
     */
    public SaslSession(SaslMechanism mechanism, SaslCredentials credentials, String brokerHost) {
        Objects.requireNonNull(mechanism, "mechanism");
        Objects.requireNonNull(credentials, "credentials");
        this.mechanism = mechanism.name();
        this.exchange = Objects.requireNonNull(mechanism.start(credentials, brokerHost),
                () -> "SASL mechanism " + this.mechanism + " started no exchange");
    }

    /** The mechanism's name. */
    public String mechanism() {
        return mechanism;
    }

    /** The first request: SaslHandshake at {@link #HANDSHAKE_VERSION}, naming the mechanism. */
    public SaslHandshakeRequest handshakeRequest() {
        return new SaslHandshakeRequest().setMechanism(mechanism);
    }

    /**
     * Checks the handshake's answer and makes the first SaslAuthenticate request,
     * which carries the mechanism's initial response.
     *
     * @throws SaslAuthenticationException if the broker does not enable the mechanism, or failed the handshake
     */
    public SaslAuthenticateRequest onHandshake(SaslHandshakeResponse response) {
        Objects.requireNonNull(response, "response");
        requireState(State.HANDSHAKE);
        ErrorCode error = ErrorCode.forCode(response.errorCode());
        if (error != ErrorCode.NONE) {
            state = State.FAILED;
            if (error == ErrorCode.UNSUPPORTED_SASL_MECHANISM) {
                List<String> enabled = response.mechanisms();
                throw fail("the broker does not enable it on this listener; it enables " + enabled);
            }
            if (error == ErrorCode.ILLEGAL_SASL_STATE) {
                throw fail("the broker did not expect a SASL handshake on this connection ("
                        + error.name() + ": " + error.message() + ")");
            }
            throw fail("the handshake failed with " + error.name() + ": " + error.message());
        }
        byte[] initial;
        try {
            initial = Objects.requireNonNull(exchange.initialResponse(), "initial response");
        } catch (RuntimeException e) {
            state = State.FAILED;
            throw asFailure(e);
        }
        state = State.AUTHENTICATING;
        return new SaslAuthenticateRequest().setAuthBytes(initial);
    }

    /**
     * Takes a SaslAuthenticate response and returns the next request, or null once
     * the connection is authenticated.
     *
     * @throws SaslAuthenticationException if the broker refused, or its message fails the mechanism's checks
     */
    public SaslAuthenticateRequest onAuthenticate(SaslAuthenticateResponse response) {
        Objects.requireNonNull(response, "response");
        requireState(State.AUTHENTICATING);
        ErrorCode error = ErrorCode.forCode(response.errorCode());
        if (error != ErrorCode.NONE) {
            state = State.FAILED;
            String said = response.errorMessage() == null ? error.message()
                    : SaslText.quote(redact(response.errorMessage()));
            String inside = exchange.serverError().map(e -> "; earlier in the exchange it reported " + e).orElse("");
            throw fail((error == ErrorCode.SASL_AUTHENTICATION_FAILED ? "the broker refused it: "
                    : "the broker answered " + error.name() + ": ") + said + inside);
        }
        sessionLifetimeMs = response.sessionLifetimeMs();
        if (exchange.isComplete()) {
            state = State.AUTHENTICATED;
            return null;
        }
        if (++challenges > MAX_CHALLENGES) {
            state = State.FAILED;
            throw fail("the broker sent more than " + MAX_CHALLENGES + " challenges");
        }
        byte[] challenge = response.authBytes() == null ? new byte[0] : response.authBytes();
        byte[] next;
        try {
            next = exchange.evaluate(challenge);
        } catch (RuntimeException e) {
            state = State.FAILED;
            throw asFailure(e);
        }
        if (next == null) {
            if (!exchange.isComplete()) {
                state = State.FAILED;
                throw fail("the mechanism stopped before it was complete");
            }
            state = State.AUTHENTICATED;
            return null;
        }
        return new SaslAuthenticateRequest().setAuthBytes(next);
    }

    /** Whether the broker accepted the credentials and the mechanism checked the broker. */
    public boolean isAuthenticated() {
        return state == State.AUTHENTICATED;
    }

    /**
     * The session lifetime the broker granted in its last SaslAuthenticate response
     * (v1 and later, KIP-368): the connection must re-authenticate within it. 0 for none.
     */
    public long sessionLifetimeMs() {
        return sessionLifetimeMs;
    }

    private void requireState(State expected) {
        if (state != expected) {
            throw new IllegalStateException("SASL " + mechanism + " session is " + state + ", not " + expected);
        }
    }

    private SaslAuthenticationException asFailure(RuntimeException e) {
        if (e instanceof SaslAuthenticationException) {
            return (SaslAuthenticationException) e;
        }
        // A third-party mechanism broke its contract; its message might hold anything.
        return new SaslAuthenticationException(mechanism, "the mechanism failed with " + e.getClass().getName(), e);
    }

    private SaslAuthenticationException fail(String reason) {
        return new SaslAuthenticationException(mechanism, reason);
    }

    private String redact(String brokerText) {
        return exchange instanceof Redacting ? ((Redacting) exchange).redact(brokerText) : brokerText;
    }
}
