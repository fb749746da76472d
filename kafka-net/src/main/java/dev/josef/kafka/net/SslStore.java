package dev.josef.kafka.net;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A key store or trust store for TLS, as Kafka's {@code ssl.keystore.*} and
 * {@code ssl.truststore.*} settings describe one: a file of type JKS, PKCS12 or PEM,
 * or (trust only) PEM certificates given as text.
 *
 * <p>Immutable. The passwords are kept as copies, handed out only as copies, and
 * never shown: {@link #toString()} redacts them and no exception message holds them.
 * The file is read when a client is built, not here.
 */
public final class SslStore {

    /** The store types Josef reads. */
    public static final Set<String> TYPES = Set.of("JKS", "PKCS12", "PEM");

    private final Path location;
    private final String certificates;
    private final String type;
    private final char[] password;
    private final char[] keyPassword;

    private SslStore(Path location, String certificates, String type, char[] password, char[] keyPassword) {
        this.location = location;
        this.certificates = certificates;
        this.type = type;
        this.password = password;
        this.keyPassword = keyPassword;
    }

    /**
     * A store file.
     *
     * @param type     JKS, PKCS12 or PEM (any case)
     * @param password the store's password, copied; null for none (a PEM trust
     *                 store has none; a JKS or PKCS12 trust store without one is
     *                 read without checking its integrity)
     * @throws IllegalArgumentException if the type is not one of {@link #TYPES}, or a
     *                                  PEM store is given a password
     */
    public static SslStore file(Path location, String type, char[] password) {
        Objects.requireNonNull(location, "location");
        String t = checkType(type);
        if (t.equals("PEM") && password != null) {
            throw new IllegalArgumentException("a PEM store has no store password (its key's password is the key password)");
        }
        return new SslStore(location, null, t, password == null ? null : password.clone(), null);
    }

    /**
     * Trusted certificates in PEM form ({@code -----BEGIN CERTIFICATE-----} blocks),
     * as in {@code ssl.truststore.certificates}.
     *
     * @throws IllegalArgumentException if the text holds no certificate block
     */
    public static SslStore pemCertificates(String certificates) {
        Objects.requireNonNull(certificates, "certificates");
        if (!certificates.contains("-----BEGIN CERTIFICATE-----")) {
            throw new IllegalArgumentException("PEM certificates must hold at least one -----BEGIN CERTIFICATE----- block");
        }
        return new SslStore(null, certificates, "PEM", null, null);
    }

    /**
     * This store with a password for its private key, as in {@code ssl.key.password};
     * without one the store password is used. Meaningful for key stores only.
     */
    public SslStore withKeyPassword(char[] keyPassword) {
        Objects.requireNonNull(keyPassword, "keyPassword");
        return new SslStore(location, certificates, type, password, keyPassword.clone());
    }

    /** The file, or empty for certificates given as text. */
    public Optional<Path> location() {
        return Optional.ofNullable(location);
    }

    /** The PEM certificates given as text, or empty for a file. */
    public Optional<String> certificates() {
        return Optional.ofNullable(certificates);
    }

    /** JKS, PKCS12 or PEM, upper case. */
    public String type() {
        return type;
    }

    /** A fresh copy of the store password, or null without one; clear it once used. */
    public char[] password() {
        return password == null ? null : password.clone();
    }

    /** A fresh copy of the key password, or null without one; clear it once used. */
    public char[] keyPassword() {
        return keyPassword == null ? null : keyPassword.clone();
    }

    /** Says where and what, never a password. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("SslStore[");
        if (location != null) {
            sb.append("location=").append(location);
        } else {
            sb.append("certificates=<").append(certificates.split("-----BEGIN CERTIFICATE-----", -1).length - 1)
                    .append(" PEM>");
        }
        sb.append(", type=").append(type);
        if (password != null) {
            sb.append(", password=<redacted>");
        }
        if (keyPassword != null) {
            sb.append(", keyPassword=<redacted>");
        }
        return sb.append(']').toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SslStore other && Objects.equals(location, other.location)
                && Objects.equals(certificates, other.certificates) && type.equals(other.type)
                && Arrays.equals(password, other.password) && Arrays.equals(keyPassword, other.keyPassword);
    }

    @Override
    public int hashCode() {
        return Objects.hash(location, certificates, type);
    }

    private static String checkType(String type) {
        Objects.requireNonNull(type, "type");
        String t = type.trim().toUpperCase(Locale.ROOT);
        if (!TYPES.contains(t)) {
            throw new IllegalArgumentException("store type '" + type + "' is not one of JKS, PKCS12, PEM");
        }
        return t;
    }
}
