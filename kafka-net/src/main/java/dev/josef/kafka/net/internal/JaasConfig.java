package dev.josef.kafka.net.internal;

import dev.josef.kafka.net.spi.OAuthBearerToken;
import dev.josef.kafka.net.spi.OAuthBearerTokenProvider;
import dev.josef.kafka.net.spi.SaslCredentials;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Kafka's {@code sasl.jaas.config}: one JAAS login module entry,
 * {@code <class> <flag> name=value ... ;}, read the way kafka-clients reads it
 * (values bare or in double or single quotes with backslash escapes;
 * {@code //} and {@code /* *}{@code /} comments), and turned into
 * {@link SaslCredentials}.
 *
 * <p>The text holds a password, so no message here ever quotes it: a syntax
 * error gives a position, an option a name, never a value.
 *
 * @param loginModule the login module class name
 * @param controlFlag required, requisite, sufficient or optional; a client ignores it
 * @param options     the options in the order written; the values may be secrets
 */
public record JaasConfig(String loginModule, String controlFlag, Map<String, String> options) {

    public static final String PLAIN_LOGIN_MODULE = "org.apache.kafka.common.security.plain.PlainLoginModule";
    public static final String SCRAM_LOGIN_MODULE = "org.apache.kafka.common.security.scram.ScramLoginModule";
    public static final String OAUTH_BEARER_LOGIN_MODULE =
            "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule";

    private static final Set<String> CONTROL_FLAGS = Set.of("required", "requisite", "sufficient", "optional");
    // A name is shown in a message only when it cannot be a stray piece of a secret:
    // a class name ending in LoginModule, or an option name some login module takes.
    private static final Pattern LOGIN_MODULE_NAME =
            Pattern.compile("([A-Za-z_$][A-Za-z0-9_$]*\\.)*[A-Za-z_$][A-Za-z0-9_$]*LoginModule");
    // Options of Kafka's own login modules, which are safe to name in a message.
    private static final Set<String> KNOWN_OPTIONS = Set.of("username", "password", "tokenauth", "clientId",
            "clientSecret", "scope", "serviceName", "principal", "keyTab", "useKeyTab", "storeKey", "debug");
    private static final String UNSECURED_CLAIM = "unsecuredLoginStringClaim_";
    private static final String UNSECURED_EXTENSION = "unsecuredLoginExtension_";
    private static final String UNSECURED_LIFETIME = "unsecuredLoginLifetimeSeconds";
    private static final long DEFAULT_UNSECURED_LIFETIME_SECONDS = 3600;

    public JaasConfig {
        Objects.requireNonNull(loginModule, "loginModule");
        Objects.requireNonNull(controlFlag, "controlFlag");
        options = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(options, "options")));
    }

    /**
     * Reads one login module entry.
     *
     * @throws IllegalArgumentException for a syntax error (with its position, not the text),
     *                                  or more or fewer than one entry
     */
    public static JaasConfig parse(String text) {
        Objects.requireNonNull(text, "text");
        Tokens t = new Tokens(text);
        Token module = t.next();
        if (module == null) {
            throw new IllegalArgumentException("it holds no login module");
        }
        if (module.kind != Kind.WORD) {
            throw t.error("a login module class name", module);
        }
        Token flag = t.next();
        if (flag == null || flag.kind != Kind.WORD || !CONTROL_FLAGS.contains(flag.text.toLowerCase(Locale.ROOT))) {
            throw t.error("a control flag (required, requisite, sufficient, optional) after the login module", flag);
        }
        Map<String, String> options = new LinkedHashMap<>();
        while (true) {
            Token name = t.next();
            if (name == null) {
                throw new IllegalArgumentException("the login module entry must end with ';'");
            }
            if (name.kind == Kind.SEMICOLON) {
                break;
            }
            if (name.kind != Kind.WORD) {
                throw t.error("an option name", name);
            }
            Token equals = t.next();
            if (equals == null || equals.kind != Kind.EQUALS) {
                throw t.error("'=' after an option name", equals);
            }
            Token value = t.next();
            if (value == null || (value.kind != Kind.WORD && value.kind != Kind.QUOTED)) {
                throw t.error("an option value", value);
            }
            if (options.put(name.text, value.text) != null) {
                throw new IllegalArgumentException((isKnownOption(name.text) ? "option '" + name.text + "'"
                        : "an option") + " is given twice");
            }
        }
        if (t.next() != null) {
            throw new IllegalArgumentException("it holds more than one login module entry; a client uses exactly one");
        }
        return new JaasConfig(module.text, flag.text, options);
    }

    /**
     * The credentials a {@code sasl.jaas.config} text names: username and password
     * from PlainLoginModule or ScramLoginModule (with {@code tokenauth=true} for a
     * delegation token), or from OAuthBearerLoginModule an unsecured token made
     * from its {@code unsecuredLogin*} options, for tests against brokers that
     * accept those. A real OAUTHBEARER token provider cannot be named in the text:
     * it is given in the builder.
     *
     * @throws IllegalArgumentException saying what is wrong, never quoting a value
     */
    public static SaslCredentials credentials(String text) {
        return parse(text).credentials();
    }

    /** See {@link #credentials(String)}. */
    public SaslCredentials credentials() {
        switch (loginModule) {
            case PLAIN_LOGIN_MODULE -> {
                allowOnly(Set.of("username", "password"));
                return SaslCredentials.password(required("username"), required("password"));
            }
            case SCRAM_LOGIN_MODULE -> {
                allowOnly(Set.of("username", "password", "tokenauth"));
                SaslCredentials credentials = SaslCredentials.password(required("username"), required("password"));
                String tokenAuth = options.get("tokenauth");
                if (tokenAuth == null || tokenAuth.equalsIgnoreCase("false")) {
                    return credentials;
                }
                if (!tokenAuth.equalsIgnoreCase("true")) {
                    throw new IllegalArgumentException("option 'tokenauth' must be true or false");
                }
                // KIP-48: a delegation token authenticates with SCRAM and this extension.
                return credentials.withExtensions(Map.of("tokenauth", "true"));
            }
            case OAUTH_BEARER_LOGIN_MODULE -> {
                return unsecuredOAuthBearer();
            }
            default -> throw new IllegalArgumentException(LOGIN_MODULE_NAME.matcher(loginModule).matches()
                    ? "login module '" + loginModule + "' is not one Josef reads; use " + PLAIN_LOGIN_MODULE
                    + ", " + SCRAM_LOGIN_MODULE + " or " + OAUTH_BEARER_LOGIN_MODULE
                    : "its login module is not one Josef reads (the name is not shown, as it does not end in"
                    + " LoginModule and might be part of a secret); use " + PLAIN_LOGIN_MODULE + ", "
                    + SCRAM_LOGIN_MODULE + " or " + OAUTH_BEARER_LOGIN_MODULE);
        }
    }

    /** Shows the module and the option names, never a value. */
    @Override
    public String toString() {
        return "JaasConfig[loginModule=" + loginModule + ", controlFlag=" + controlFlag + ", options="
                + options.keySet() + " (values not shown)]";
    }

    private String required(String option) {
        String value = options.get(option);
        if (value == null) {
            throw new IllegalArgumentException(simpleName() + " needs option '" + option + "'");
        }
        return value;
    }

    private void allowOnly(Set<String> known) {
        for (String name : options.keySet()) {
            if (!known.contains(name)) {
                throw new IllegalArgumentException(simpleName() + " has " + (isKnownOption(name) ? "no option '"
                        + name + "'" : "an option it does not take (its name is not shown, in case it is"
                        + " part of a secret)") + "; it takes " + known);
            }
        }
    }

    private static boolean isKnownOption(String name) {
        return KNOWN_OPTIONS.contains(name) || name.startsWith("unsecuredLogin");
    }

    private String simpleName() {
        return loginModule.substring(loginModule.lastIndexOf('.') + 1);
    }

    private SaslCredentials unsecuredOAuthBearer() {
        String howToGiveAProvider = "OAUTHBEARER takes its token from a provider given in the builder:"
                + " NetworkConfig.builder().properties(...).saslCredentials(SaslCredentials.oauthBearer(provider)),"
                + " leaving sasl.jaas.config out";
        Map<String, String> claims = new LinkedHashMap<>();
        Map<String, String> extensions = new LinkedHashMap<>();
        long lifetimeSeconds = DEFAULT_UNSECURED_LIFETIME_SECONDS;
        for (Map.Entry<String, String> e : options.entrySet()) {
            String name = e.getKey();
            if (name.startsWith(UNSECURED_CLAIM) && name.length() > UNSECURED_CLAIM.length()) {
                claims.put(name.substring(UNSECURED_CLAIM.length()), e.getValue());
            } else if (name.startsWith(UNSECURED_EXTENSION) && name.length() > UNSECURED_EXTENSION.length()) {
                extensions.put(name.substring(UNSECURED_EXTENSION.length()), e.getValue());
            } else if (name.equals(UNSECURED_LIFETIME)) {
                try {
                    lifetimeSeconds = Long.parseLong(e.getValue().trim());
                } catch (NumberFormatException ex) {
                    lifetimeSeconds = -1;
                }
                if (lifetimeSeconds <= 0) {
                    throw new IllegalArgumentException("option '" + UNSECURED_LIFETIME + "' must be a positive number");
                }
            } else {
                throw new IllegalArgumentException("OAuthBearerLoginModule "
                        + (isKnownOption(name) ? "option '" + name + "' is" : "has an option that is")
                        + " not read by Josef,"
                        + " which makes only unsecured test tokens from the text (unsecuredLoginStringClaim_sub,"
                        + " unsecuredLoginStringClaim_<name>, unsecuredLoginExtension_<name>, "
                        + UNSECURED_LIFETIME + "); " + howToGiveAProvider);
            }
        }
        String subject = claims.get("sub");
        if (subject == null) {
            throw new IllegalArgumentException("OAuthBearerLoginModule without unsecuredLoginStringClaim_sub names no"
                    + " token; " + howToGiveAProvider);
        }
        if (subject.isEmpty()) {
            throw new IllegalArgumentException("option 'unsecuredLoginStringClaim_sub' must not be empty");
        }
        SaslCredentials credentials = SaslCredentials.oauthBearer(
                new UnsecuredTokenProvider(claims, lifetimeSeconds, Clock.systemUTC()));
        return extensions.isEmpty() ? credentials : credentials.withExtensions(extensions);
    }

    /**
     * Unsigned JWTs ({@code "alg":"none"}, RFC 7519 section 6), as Kafka's
     * unsecured login callback handler makes them; only a broker configured for
     * unsecured validation accepts them, which is to say only a test broker.
     */
    static final class UnsecuredTokenProvider implements OAuthBearerTokenProvider {
        private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();
        private static final String HEADER = BASE64URL.encodeToString(
                "{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8));

        private final Map<String, String> claims;
        private final long lifetimeSeconds;
        private final Clock clock;

        UnsecuredTokenProvider(Map<String, String> claims, long lifetimeSeconds, Clock clock) {
            this.claims = Collections.unmodifiableMap(new LinkedHashMap<>(claims));
            this.lifetimeSeconds = lifetimeSeconds;
            this.clock = clock;
        }

        @Override
        public OAuthBearerToken token() {
            long now = clock.instant().getEpochSecond();
            long expires = now + lifetimeSeconds;
            StringBuilder json = new StringBuilder("{\"iat\":").append(now).append(",\"exp\":").append(expires);
            for (Map.Entry<String, String> c : claims.entrySet()) {
                if (!c.getKey().equals("iat") && !c.getKey().equals("exp")) {
                    json.append(',');
                    quote(json, c.getKey());
                    json.append(':');
                    quote(json, c.getValue());
                }
            }
            json.append('}');
            String payload = BASE64URL.encodeToString(json.toString().getBytes(StandardCharsets.UTF_8));
            return OAuthBearerToken.of(HEADER + "." + payload + ".", claims.get("sub"), Instant.ofEpochSecond(expires));
        }

        private static void quote(StringBuilder sb, String s) {
            sb.append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '"' || c == '\\') {
                    sb.append('\\').append(c);
                } else if (c < 0x20) {
                    sb.append(String.format("\\u%04x", (int) c));
                } else {
                    sb.append(c);
                }
            }
            sb.append('"');
        }

        @Override
        public String toString() {
            return "UnsecuredTokenProvider[sub=" + claims.get("sub") + "]";
        }
    }

    private enum Kind { WORD, QUOTED, EQUALS, SEMICOLON }

    private record Token(Kind kind, String text, int position) {
        // The text may be a secret.
        @Override
        public String toString() {
            return kind + "@" + position;
        }
    }

    private static final class Tokens {
        private final String text;
        private int pos;

        Tokens(String text) {
            this.text = text;
        }

        IllegalArgumentException error(String expected, Token found) {
            return new IllegalArgumentException("expected " + expected + (found == null ? " but the text ended"
                    : " at character " + (found.position + 1)));
        }

        Token next() {
            skipSpaceAndComments();
            if (pos >= text.length()) {
                return null;
            }
            int start = pos;
            char c = text.charAt(pos);
            if (c == '=') {
                pos++;
                return new Token(Kind.EQUALS, "=", start);
            }
            if (c == ';') {
                pos++;
                return new Token(Kind.SEMICOLON, ";", start);
            }
            if (c == '"' || c == '\'') {
                return quoted(c, start);
            }
            while (pos < text.length() && isWordChar(text.charAt(pos))) {
                pos++;
            }
            if (pos == start) {
                throw new IllegalArgumentException("unexpected character at " + (start + 1));
            }
            return new Token(Kind.WORD, text.substring(start, pos), start);
        }

        private Token quoted(char quote, int start) {
            StringBuilder sb = new StringBuilder();
            pos++;
            while (pos < text.length()) {
                char c = text.charAt(pos++);
                if (c == quote) {
                    return new Token(Kind.QUOTED, sb.toString(), start);
                }
                if (c == '\\') {
                    if (pos >= text.length()) {
                        break;
                    }
                    char e = text.charAt(pos++);
                    sb.append(switch (e) {
                        case 'n' -> '\n';
                        case 't' -> '\t';
                        case 'r' -> '\r';
                        case 'b' -> '\b';
                        case 'f' -> '\f';
                        default -> e;
                    });
                } else {
                    sb.append(c);
                }
            }
            throw new IllegalArgumentException("the quoted value that starts at character " + (start + 1)
                    + " has no closing quote");
        }

        private static boolean isWordChar(char c) {
            return Character.isLetterOrDigit(c) || c == '.' || c == '_' || c == '-' || c == '$';
        }

        private void skipSpaceAndComments() {
            while (pos < text.length()) {
                char c = text.charAt(pos);
                if (Character.isWhitespace(c)) {
                    pos++;
                } else if (text.startsWith("//", pos)) {
                    int end = text.indexOf('\n', pos);
                    pos = end < 0 ? text.length() : end + 1;
                } else if (text.startsWith("/*", pos)) {
                    int end = text.indexOf("*/", pos + 2);
                    if (end < 0) {
                        throw new IllegalArgumentException("the comment that starts at character " + (pos + 1)
                                + " is not closed");
                    }
                    pos = end + 2;
                } else {
                    return;
                }
            }
        }
    }
}
