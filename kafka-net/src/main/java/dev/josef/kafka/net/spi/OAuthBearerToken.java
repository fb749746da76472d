package dev.josef.kafka.net.spi;

import java.time.Instant;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An OAuth 2 bearer token for SASL/OAUTHBEARER, as a token provider hands it over:
 * the token itself, whom it names, and when it stops being valid.
 *
 * <p>Immutable. {@link #toString()} never shows the token value.
 */
public final class OAuthBearerToken {
    // RFC 6750 section 2.1 b64token: what may follow "Bearer " in the auth value.
    // It also keeps the token from breaking OAUTHBEARER's %x01 framing.
    private static final Pattern B64TOKEN = Pattern.compile("[A-Za-z0-9\\-._~+/]+=*");

    private final String value;
    private final String principalName;
    private final Instant expiresAt;

    private OAuthBearerToken(String value, String principalName, Instant expiresAt) {
        this.value = value;
        this.principalName = principalName;
        this.expiresAt = expiresAt;
    }

    /**
     * @param value         the token, e.g. a JWT in its compact form
     * @param principalName whom the token names (its {@code sub} claim, usually); for
     *                      messages and for the authorization id check, never sent
     * @param expiresAt     when the token stops being valid
     * @throws IllegalArgumentException if the value is empty or is not an RFC 6750
     *                                  b64token (the message does not show the value)
     */
    public static OAuthBearerToken of(String value, String principalName, Instant expiresAt) {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(principalName, "principalName");
        Objects.requireNonNull(expiresAt, "expiresAt");
        if (!B64TOKEN.matcher(value).matches()) {
            throw new IllegalArgumentException("the OAuth bearer token for '" + principalName
                    + "' is not an RFC 6750 b64token (letters, digits, '-', '.', '_', '~', '+', '/', then '=' padding)"
                    + (value.isEmpty() ? ": it is empty" : ""));
        }
        return new OAuthBearerToken(value, principalName, expiresAt);
    }

    /** The token as it goes on the wire after {@code Bearer }. A secret: never log it. */
    public String value() {
        return value;
    }

    /** Whom the token names. */
    public String principalName() {
        return principalName;
    }

    /** When the token stops being valid. */
    public Instant expiresAt() {
        return expiresAt;
    }

    @Override
    public String toString() {
        return "OAuthBearerToken[principalName=" + principalName + ", expiresAt=" + expiresAt + ", value=<redacted>]";
    }
}
