package dev.josef.kafka.net.spi;

/**
 * Where SASL/OAUTHBEARER gets its token: asked once per authentication, that is
 * once per new connection (and per re-authentication). It may block, to fetch a
 * token from an authorization server, and it should cache: a client opens several
 * connections to each broker. It must be thread-safe.
 *
 * <p>An exception it throws fails that authentication with a
 * {@link SaslAuthenticationException} that carries it as the cause.
 */
@FunctionalInterface
public interface OAuthBearerTokenProvider {

    /** A token that is valid now; never null. */
    OAuthBearerToken token();
}
