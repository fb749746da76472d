package dev.josef.kafka.net;

import dev.josef.kafka.net.internal.JaasConfig;
import dev.josef.kafka.net.internal.PropertyValues;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** Reads kafka-clients property names into a {@link NetworkConfig.Builder}. */
final class PropertyReader {
    private static final Set<String> SECRETS = Set.of("sasl.jaas.config", "ssl.truststore.password",
            "ssl.keystore.password", "ssl.key.password");

    // Names kafka-clients users may bring that Josef knows but does not take (yet),
    // so that the error says more than "unknown".
    private static final Set<String> NOT_SUPPORTED = Set.of("ssl.keystore.key", "ssl.keystore.certificate.chain",
            "ssl.cipher.suites", "ssl.provider", "ssl.keymanager.algorithm", "ssl.trustmanager.algorithm",
            "ssl.secure.random.implementation", "ssl.engine.factory.class", "sasl.login.callback.handler.class",
            "sasl.client.callback.handler.class", "sasl.login.class", "sasl.kerberos.service.name",
            "client.dns.lookup", "socket.connection.setup.timeout.max.ms", "send.buffer.bytes",
            "receive.buffer.bytes", "client.rack", "sasl.oauthbearer.token.endpoint.url",
            "sasl.oauthbearer.jwks.endpoint.url", "sasl.oauthbearer.scope.claim.name",
            "sasl.oauthbearer.sub.claim.name");

    private String truststoreLocation;
    private char[] truststorePassword;
    private String truststoreType;
    private String truststoreCertificates;
    private String keystoreLocation;
    private char[] keystorePassword;
    private String keystoreType;
    private char[] keyPassword;

    static void apply(NetworkConfig.Builder b, Map<String, ?> properties) {
        PropertyReader p = new PropertyReader();
        try {
            for (Map.Entry<String, ?> e : properties.entrySet()) {
                p.set(b, Objects.requireNonNull(e.getKey(), "property name"), e.getValue());
            }
            p.finish(b);
        } finally {
            for (char[] secret : new char[][] {p.truststorePassword, p.keystorePassword, p.keyPassword}) {
                if (secret != null) {
                    Arrays.fill(secret, '\0');
                }
            }
        }
    }

    private void set(NetworkConfig.Builder b, String key, Object value) {
        if (value == null) {
            throw new IllegalArgumentException(key + ": the value is null");
        }
        try {
            switch (key) {
                case "bootstrap.servers" -> b.bootstrapServers(text(value, true));
                case "client.id" -> b.clientId(text(value, false));
                case "request.timeout.ms" -> b.requestTimeout(millis(value));
                case "socket.connection.setup.timeout.ms" -> b.connectTimeout(millis(value));
                case "max.in.flight.requests.per.connection" -> b.maxInFlightPerConnection(integer(value));
                case "reconnect.backoff.ms" -> b.reconnectBackoff(millis(value));
                case "reconnect.backoff.max.ms" -> b.reconnectBackoffMax(millis(value));
                case "retry.backoff.ms" -> b.retryBackoff(millis(value));
                case "retry.backoff.max.ms" -> b.retryBackoffMax(millis(value));
                case "connections.max.idle.ms" -> b.connectionsMaxIdle(millis(value));
                case "metadata.max.age.ms" -> b.metadataMaxAge(millis(value));
                case "security.protocol" -> b.securityProtocol(securityProtocol(value));
                case "sasl.mechanism" -> b.saslMechanism(text(value, false));
                case "sasl.jaas.config" -> b.saslCredentials(JaasConfig.credentials(secretText(value)));
                case "ssl.truststore.location" -> truststoreLocation = text(value, false);
                case "ssl.truststore.password" -> truststorePassword = secret(value);
                case "ssl.truststore.type" -> truststoreType = storeType(value);
                case "ssl.truststore.certificates" -> truststoreCertificates = text(value, false);
                case "ssl.keystore.location" -> keystoreLocation = text(value, false);
                case "ssl.keystore.password" -> keystorePassword = secret(value);
                case "ssl.keystore.type" -> keystoreType = storeType(value);
                case "ssl.key.password" -> keyPassword = secret(value);
                case "ssl.endpoint.identification.algorithm" -> b.sslVerifyHostname(verifyHostname(value));
                case "ssl.protocol" -> b.sslProtocol(text(value, false));
                case "ssl.enabled.protocols" -> b.sslEnabledProtocols(list(text(value, true)));
                default -> {
                    throw new UnknownProperty(NOT_SUPPORTED.contains(key)
                            ? "'" + key + "' is a kafka-clients setting that Josef does not support yet"
                            : "unknown property '" + key + "'");
                }
            }
        } catch (UnknownProperty e) {
            throw new IllegalArgumentException(e.getMessage());
        } catch (IllegalArgumentException e) {
            // Secrets are never shown; nor is PEM text, which is long and says nothing at a glance.
            String shown = SECRETS.contains(key) || key.equals("ssl.truststore.certificates")
                    ? " (value not shown)" : " = '" + shownValue(value) + "'";
            throw new IllegalArgumentException(key + shown + ": " + e.getMessage(), e);
        }
    }

    private static String shownValue(Object value) {
        return value instanceof Collection<?> c ? String.join(",", c.stream().map(String::valueOf).toList())
                : String.valueOf(value);
    }

    /** Not wrapped with the value: there is no value to speak of. */
    private static final class UnknownProperty extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UnknownProperty(String message) {
            super(message, null, false, false);
        }
    }

    private void finish(NetworkConfig.Builder b) {
        if (truststoreCertificates != null) {
            if (truststoreLocation != null) {
                throw new IllegalArgumentException("ssl.truststore.certificates and ssl.truststore.location"
                        + " both name a trust store; set one");
            }
            if (truststoreType != null && !truststoreType.equals("PEM")) {
                throw new IllegalArgumentException("ssl.truststore.certificates needs ssl.truststore.type PEM, was '"
                        + truststoreType + "'");
            }
            if (truststorePassword != null) {
                throw new IllegalArgumentException("ssl.truststore.password must not be set for PEM certificates");
            }
            b.sslTrustStore(SslStore.pemCertificates(truststoreCertificates));
        } else if (truststoreLocation != null) {
            String type = truststoreType == null ? "JKS" : truststoreType;
            b.sslTrustStore(store("ssl.truststore", truststoreLocation, type, truststorePassword));
        } else if (truststorePassword != null) {
            throw new IllegalArgumentException("ssl.truststore.password is set but ssl.truststore.location is not");
        } else {
            b.sslTrustJdkWhenUnset();
        }
        if (keystoreLocation != null) {
            String type = keystoreType == null ? "JKS" : keystoreType;
            SslStore keyStore = store("ssl.keystore", keystoreLocation, type, keystorePassword);
            if (keyPassword != null) {
                keyStore = keyStore.withKeyPassword(keyPassword);
            }
            try {
                b.sslKeyStore(keyStore);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("ssl.keystore: " + e.getMessage()
                        + " (ssl.keystore.type, ssl.keystore.password)", e);
            }
        } else if (keystorePassword != null || keyPassword != null) {
            throw new IllegalArgumentException((keystorePassword != null ? "ssl.keystore.password" : "ssl.key.password")
                    + " is set but ssl.keystore.location is not");
        }
    }

    private static SslStore store(String prefix, String location, String type, char[] password) {
        Path path;
        try {
            path = Path.of(location);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(prefix + ".location: '" + location + "' is not a path", e);
        }
        if (type.equals("PEM") && password != null) {
            throw new IllegalArgumentException(prefix + ".password must not be set for a PEM store");
        }
        return SslStore.file(path, type, password);
    }

    private static String text(Object value, boolean listAllowed) {
        if (value instanceof String s) {
            return s;
        }
        if (listAllowed && value instanceof Collection<?> c) {
            List<String> parts = new ArrayList<>();
            for (Object o : c) {
                if (o == null) {
                    throw new IllegalArgumentException("the list holds a null");
                }
                parts.add(text(o, false));
            }
            return String.join(",", parts);
        }
        if (value instanceof Number || value instanceof Boolean || value instanceof Path) {
            return value.toString();
        }
        throw new IllegalArgumentException("a " + value.getClass().getName() + " is not a value this setting takes");
    }

    private static String secretText(Object value) {
        if (value instanceof String s) {
            return s;
        }
        if (value instanceof char[] c) {
            return new String(c);
        }
        throw new IllegalArgumentException("a " + value.getClass().getName()
                + " is not a value this setting takes (a String or char[])");
    }

    private static char[] secret(Object value) {
        if (value instanceof char[] c) {
            return c.clone();
        }
        return secretText(value).toCharArray();
    }

    private static Duration millis(Object value) {
        return PropertyValues.millis(value);
    }

    private static int integer(Object value) {
        return PropertyValues.integer(value);
    }

    private static SecurityProtocol securityProtocol(Object value) {
        String s = text(value, false).trim();
        try {
            return SecurityProtocol.valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not one of " + Arrays.toString(SecurityProtocol.values()));
        }
    }

    private static String storeType(Object value) {
        String s = text(value, false).trim().toUpperCase(Locale.ROOT);
        if (!SslStore.TYPES.contains(s)) {
            throw new IllegalArgumentException("not one of JKS, PKCS12, PEM");
        }
        return s;
    }

    private static boolean verifyHostname(Object value) {
        String s = text(value, false).trim();
        if (s.isEmpty()) {
            return false;
        }
        if (s.equalsIgnoreCase("https")) {
            return true;
        }
        throw new IllegalArgumentException("not 'https' (check the host name) or empty (do not)");
    }

    private static List<String> list(String text) {
        List<String> list = new ArrayList<>();
        for (String part : text.split(",")) {
            if (!part.isBlank()) {
                list.add(part.trim());
            }
        }
        return list;
    }
}
