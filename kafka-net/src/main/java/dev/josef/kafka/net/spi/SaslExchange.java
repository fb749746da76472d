package dev.josef.kafka.net.spi;

import java.util.Optional;

/**
 * One run of a SASL mechanism on one connection. Josef drives it like this: it
 * sends {@link #initialResponse()}; then, for each message the broker answers
 * with, it stops if {@link #isComplete()} holds, and otherwise sends what
 * {@link #evaluate(byte[])} returns, until that is null. A broker answer with an
 * error code ends the exchange at any point.
 *
 * <p>Used by one connection, one call at a time; not thread-safe.
 */
public interface SaslExchange {

    /**
     * The client's first message; called once, before anything else. Kafka's
     * SaslAuthenticate flow always opens with a client message, so every mechanism
     * has one, if only an empty one.
     *
     * @throws SaslAuthenticationException if it cannot be made
     */
    byte[] initialResponse();

    /**
     * Checks the broker's next message and returns the client's answer to it, or
     * null when there is nothing more to send; by then {@link #isComplete()} holds.
     *
     * @param challenge the broker's message, never null (empty when the broker sent nothing)
     * @throws SaslAuthenticationException if the message is malformed, reports an
     *                                     error, fails a check (a wrong server signature),
     *                                     or comes when none is expected
     */
    byte[] evaluate(byte[] challenge);

    /** Whether the client has done its part and proved the broker's, where the mechanism can. */
    boolean isComplete();

    /**
     * What the broker said went wrong inside the exchange itself, when the mechanism
     * has a way to say it (OAUTHBEARER's error message, RFC 7628 section 3.2.2), free
     * of secrets; empty otherwise. Josef adds it to the exception it raises when the
     * broker then ends the authentication with an error.
     */
    default Optional<String> serverError() {
        return Optional.empty();
    }
}
