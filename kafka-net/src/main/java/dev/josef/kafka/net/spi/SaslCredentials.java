package dev.josef.kafka.net.spi;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Whom a client authenticates as: a username and password (PLAIN, SCRAM), or an
 * OAuth bearer token provider (OAUTHBEARER); optionally an authorization id (act
 * as this principal; Kafka accepts only the authenticated one) and SASL extensions
 * (KIP-342 for OAUTHBEARER, {@code tokenauth=true} for SCRAM delegation tokens, KIP-48).
 *
 * <p>Immutable; the {@code with...} methods return new credentials. The password is
 * kept as a copy, handed out only as another copy, and never shown:
 * {@link #toString()} redacts it, and no exception message holds it.
 */
public final class SaslCredentials {

    /** Which of the two kinds of credentials these are. */
    public enum Kind {
        /** A username and password: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512. */
        PASSWORD,
        /** An OAuth bearer token provider: OAUTHBEARER. */
        OAUTH_BEARER
    }

    // RFC 7628 section 3.1 key; the value rule is the part that OAUTHBEARER
    // (%x21-7E, space, tab, CR, LF) and SCRAM (%x01-7F but ',') both accept,
    // less ',' which only SCRAM refuses: SCRAM checks that itself.
    private static final Pattern EXTENSION_KEY = Pattern.compile("[A-Za-z]+");
    private static final Pattern EXTENSION_VALUE = Pattern.compile("[\\x21-\\x7E \\t\\r\\n]+");

    private final Kind kind;
    private final String username;
    private final char[] password;
    private final OAuthBearerTokenProvider tokenProvider;
    private final String authorizationId;
    private final Map<String, String> extensions;

    private SaslCredentials(Kind kind, String username, char[] password, OAuthBearerTokenProvider tokenProvider,
                            String authorizationId, Map<String, String> extensions) {
        this.kind = kind;
        this.username = username;
        this.password = password;
        this.tokenProvider = tokenProvider;
        this.authorizationId = authorizationId;
        this.extensions = extensions;
    }

    /**
     * A username and password, for PLAIN and SCRAM.
     *
     * @throws IllegalArgumentException if either is empty or holds a NUL character
     */
    public static SaslCredentials password(String username, String password) {
        Objects.requireNonNull(password, "password");
        char[] chars = password.toCharArray();
        try {
            return password(username, chars);
        } finally {
            Arrays.fill(chars, '\0');
        }
    }

    /**
     * A username and password, for PLAIN and SCRAM. The array is copied; the caller
     * may clear its own.
     *
     * @throws IllegalArgumentException if either is empty or holds a NUL character
     */
    public static SaslCredentials password(String username, char[] password) {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
        if (username.isEmpty()) {
            throw new IllegalArgumentException("the SASL username must not be empty");
        }
        if (username.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("the SASL username must not contain a NUL character");
        }
        // An empty password is refused by brokers, and SCRAM cannot key an HMAC with it.
        if (password.length == 0) {
            throw new IllegalArgumentException("the SASL password for '" + username + "' must not be empty");
        }
        for (char c : password) {
            if (c == '\0') {
                throw new IllegalArgumentException("the SASL password for '" + username
                        + "' must not contain a NUL character");
            }
        }
        return new SaslCredentials(Kind.PASSWORD, username, password.clone(), null, null, Map.of());
    }

    /** An OAuth bearer token provider, for OAUTHBEARER. */
    public static SaslCredentials oauthBearer(OAuthBearerTokenProvider tokenProvider) {
        Objects.requireNonNull(tokenProvider, "tokenProvider");
        return new SaslCredentials(Kind.OAUTH_BEARER, null, null, tokenProvider, null, Map.of());
    }

    /**
     * These credentials, asking to act as {@code authorizationId}. Kafka brokers
     * accept only the principal that authenticates (the username, or the token's
     * principal), so this is rarely needed.
     *
     * @throws IllegalArgumentException if it is empty or holds a NUL character
     */
    public SaslCredentials withAuthorizationId(String authorizationId) {
        Objects.requireNonNull(authorizationId, "authorizationId");
        if (authorizationId.isEmpty() || authorizationId.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("the SASL authorization id must be non-empty and free of NUL characters");
        }
        return new SaslCredentials(kind, username, password, tokenProvider, authorizationId, extensions);
    }

    /**
     * These credentials with SASL extensions, sent in the order given: OAUTHBEARER
     * sends them beside the token (KIP-342), SCRAM in its first message (KIP-48's
     * {@code tokenauth=true} for a delegation token).
     *
     * @throws IllegalArgumentException if a key is not letters only, is the reserved
     *                                  {@code auth}, or a value is empty or holds
     *                                  characters outside printable ASCII, space, tab, CR and LF
     */
    public SaslCredentials withExtensions(Map<String, String> extensions) {
        Objects.requireNonNull(extensions, "extensions");
        Map<String, String> copy = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : extensions.entrySet()) {
            String key = Objects.requireNonNull(e.getKey(), "extension key");
            String value = Objects.requireNonNull(e.getValue(), "value of extension " + key);
            if (!EXTENSION_KEY.matcher(key).matches()) {
                throw new IllegalArgumentException("SASL extension key '" + key + "' must be ASCII letters only");
            }
            if (key.equalsIgnoreCase("auth")) {
                throw new IllegalArgumentException("SASL extension key 'auth' is reserved for the OAUTHBEARER token");
            }
            if (!EXTENSION_VALUE.matcher(value).matches()) {
                throw new IllegalArgumentException("the value of SASL extension '" + key
                        + "' must be non-empty printable ASCII (space, tab, CR and LF allowed)");
            }
            copy.put(key, value);
        }
        return new SaslCredentials(kind, username, password, tokenProvider, authorizationId,
                Collections.unmodifiableMap(copy));
    }

    public Kind kind() {
        return kind;
    }

    /**
     * The username.
     *
     * @throws IllegalStateException for OAuth bearer credentials, which have none
     */
    public String username() {
        requireKind(Kind.PASSWORD, "username");
        return username;
    }

    /**
     * A fresh copy of the password; the caller should clear it once used.
     *
     * @throws IllegalStateException for OAuth bearer credentials, which have none
     */
    public char[] password() {
        requireKind(Kind.PASSWORD, "password");
        return password.clone();
    }

    /**
     * The token provider.
     *
     * @throws IllegalStateException for username and password credentials
     */
    public OAuthBearerTokenProvider tokenProvider() {
        requireKind(Kind.OAUTH_BEARER, "token provider");
        return tokenProvider;
    }

    /** The authorization id, if one was set. */
    public Optional<String> authorizationId() {
        return Optional.ofNullable(authorizationId);
    }

    /** The SASL extensions in the order they were given; empty if none. */
    public Map<String, String> extensions() {
        return extensions;
    }

    private void requireKind(Kind wanted, String what) {
        if (kind != wanted) {
            throw new IllegalStateException(kind + " credentials have no " + what);
        }
    }

    /** Shows who, never the password; extensions by key only. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("SaslCredentials[");
        if (kind == Kind.PASSWORD) {
            sb.append("username=").append(username).append(", password=<redacted>");
        } else {
            sb.append("oauthBearer, tokenProvider=").append(tokenProvider.getClass().getName());
        }
        if (authorizationId != null) {
            sb.append(", authorizationId=").append(authorizationId);
        }
        if (!extensions.isEmpty()) {
            sb.append(", extensions=").append(extensions.keySet());
        }
        return sb.append(']').toString();
    }
}
