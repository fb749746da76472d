package dev.josef.kafka.net.internal.sasl;

import dev.josef.kafka.net.spi.SaslAuthenticationException;
import dev.josef.kafka.net.spi.SaslCredentials;
import dev.josef.kafka.net.spi.SaslExchange;
import dev.josef.kafka.net.spi.SaslMechanism;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * SCRAM (RFC 5802) as Kafka runs it (KIP-84): SCRAM-SHA-256 (RFC 7677) and
 * SCRAM-SHA-512, no channel binding ({@code n} GS2 flag), no SASLprep (Kafka's own
 * clients and tools hash the password's plain UTF-8 bytes, so the broker's stored
 * keys are made that way), SASL extensions at the end of the client-first message.
 *
 * <p>The client proves it knows the password without sending it, and the broker
 * proves in its last message that it knows the stored keys: a broker whose
 * signature does not match fails the authentication.
 */
public final class ScramMechanism implements SaslMechanism {
    /** The fewest iterations Kafka accepts (KIP-84); a broker asking for fewer is refused. */
    public static final int MIN_ITERATIONS = 4096;
    /**
     * The most iterations Kafka lets a credential have. A broker asking for more is
     * refused too: each iteration costs the client an HMAC, and an unbounded count
     * would let a hostile broker stall it.
     */
    public static final int MAX_ITERATIONS = 16384;

    public static final ScramMechanism SHA_256 =
            new ScramMechanism("SCRAM-SHA-256", "SHA-256", "HmacSHA256", ScramMechanism::randomNonce);
    public static final ScramMechanism SHA_512 =
            new ScramMechanism("SCRAM-SHA-512", "SHA-512", "HmacSHA512", ScramMechanism::randomNonce);

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final byte[] CLIENT_KEY = "Client Key".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SERVER_KEY = "Server Key".getBytes(StandardCharsets.US_ASCII);

    private final String name;
    private final String digestAlgorithm;
    private final String hmacAlgorithm;
    private final Supplier<String> nonces;

    /**
     * A SCRAM variant. The built-ins are {@link #SHA_256} and {@link #SHA_512}; this
     * constructor exists so that tests can fix the nonce and run the RFC examples.
     *
     * @param nonces the client nonces, printable ASCII without ','
     */
    public ScramMechanism(String name, String digestAlgorithm, String hmacAlgorithm, Supplier<String> nonces) {
        this.name = Objects.requireNonNull(name, "name");
        this.digestAlgorithm = Objects.requireNonNull(digestAlgorithm, "digestAlgorithm");
        this.hmacAlgorithm = Objects.requireNonNull(hmacAlgorithm, "hmacAlgorithm");
        this.nonces = Objects.requireNonNull(nonces, "nonces");
        try {
            MessageDigest.getInstance(digestAlgorithm);
            Mac.getInstance(hmacAlgorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalArgumentException(name + " needs " + digestAlgorithm + " and " + hmacAlgorithm
                    + ", which this JDK does not provide", e);
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void validate(SaslCredentials credentials) {
        SaslText.requireKind(name, credentials, SaslCredentials.Kind.PASSWORD);
        for (Map.Entry<String, String> e : credentials.extensions().entrySet()) {
            if (e.getValue().indexOf(',') >= 0) {
                throw new IllegalArgumentException("the value of SASL extension '" + e.getKey()
                        + "' must not contain ',' with " + name);
            }
        }
    }

    @Override
    public SaslExchange start(SaslCredentials credentials, String brokerHost) {
        Objects.requireNonNull(credentials, "credentials");
        validate(credentials);
        return new Exchange(credentials, nonces.get());
    }

    @Override
    public String toString() {
        return name;
    }

    /** 24 random bytes in base64: 32 printable characters, never ','. */
    private static String randomNonce() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }

    private enum State { INITIAL, AWAIT_SERVER_FIRST, AWAIT_SERVER_FINAL, COMPLETE, FAILED }

    private final class Exchange implements SaslExchange, Redacting {
        private final SaslCredentials credentials;
        private final String clientNonce;
        private final String gs2Header;
        private final String clientFirstBare;
        private State state = State.INITIAL;
        private byte[] expectedServerSignature;

        Exchange(SaslCredentials credentials, String clientNonce) {
            Objects.requireNonNull(clientNonce, "nonce");
            if (clientNonce.isEmpty() || !clientNonce.chars().allMatch(c -> c >= 0x21 && c <= 0x7E && c != ',')) {
                throw new IllegalStateException("a SCRAM nonce must be printable ASCII without ','");
            }
            this.credentials = credentials;
            this.clientNonce = clientNonce;
            // No channel binding ("n"); the authzid, if any, as an escaped saslname (RFC 5801).
            this.gs2Header = "n," + credentials.authorizationId().map(a -> "a=" + SaslText.saslName(a)).orElse("") + ",";
            StringBuilder bare = new StringBuilder()
                    .append("n=").append(SaslText.saslName(credentials.username()))
                    .append(",r=").append(clientNonce);
            credentials.extensions().forEach((k, v) -> bare.append(',').append(k).append('=').append(v));
            this.clientFirstBare = bare.toString();
        }

        @Override
        public byte[] initialResponse() {
            if (state != State.INITIAL) {
                throw new IllegalStateException("the " + name + " client-first message was already made");
            }
            state = State.AWAIT_SERVER_FIRST;
            return (gs2Header + clientFirstBare).getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public byte[] evaluate(byte[] challenge) {
            Objects.requireNonNull(challenge, "challenge");
            try {
                switch (state) {
                    case AWAIT_SERVER_FIRST: {
                        byte[] clientFinal = clientFinal(SaslText.decode(name, challenge, "server-first message"));
                        state = State.AWAIT_SERVER_FINAL;
                        return clientFinal;
                    }
                    case AWAIT_SERVER_FINAL:
                        verifyServerFinal(SaslText.decode(name, challenge, "server-final message"));
                        state = State.COMPLETE;
                        return null;
                    case INITIAL:
                        throw new IllegalStateException("initialResponse() comes first");
                    case COMPLETE:
                        throw fail("the broker sent a message after the exchange was complete");
                    default:
                        throw fail("the exchange has already failed");
                }
            } catch (SaslAuthenticationException e) {
                state = State.FAILED;
                expectedServerSignature = null;
                throw e;
            }
        }

        @Override
        public boolean isComplete() {
            return state == State.COMPLETE;
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

        /** Checks server-first ({@code [m=...,]r=nonce,s=salt,i=count[,ext...]}) and answers it. */
        private byte[] clientFinal(String serverFirst) {
            String[] attributes = serverFirst.split(",", -1);
            if (attributes[0].startsWith("e=")) {
                throw fail("the broker reported an error: " + SaslText.quote(attributes[0].substring(2)));
            }
            if (attributes[0].startsWith("m=")) {
                throw fail("the broker requires a mandatory SCRAM extension this client does not know");
            }
            if (attributes.length < 3) {
                throw fail("malformed server-first message (expected r=, s= and i=): '" + SaslText.quote(serverFirst) + "'");
            }
            String serverNonce = attribute(attributes[0], 'r', serverFirst);
            String saltBase64 = attribute(attributes[1], 's', serverFirst);
            String iterationText = attribute(attributes[2], 'i', serverFirst);

            if (!serverNonce.startsWith(clientNonce) || serverNonce.length() == clientNonce.length()) {
                throw fail("the broker's nonce does not extend the client's: the answer is not to this exchange");
            }
            if (!serverNonce.chars().allMatch(c -> c >= 0x21 && c <= 0x7E)) {
                throw fail("the broker's nonce holds characters other than printable ASCII");
            }
            byte[] salt;
            try {
                salt = Base64.getDecoder().decode(saltBase64);
            } catch (IllegalArgumentException e) {
                throw fail("the salt in the server-first message is not valid base64");
            }
            if (salt.length == 0) {
                throw fail("the salt in the server-first message is empty");
            }
            int iterations = iterations(iterationText);

            String clientFinalWithoutProof = "c="
                    + Base64.getEncoder().encodeToString(gs2Header.getBytes(StandardCharsets.UTF_8))
                    + ",r=" + serverNonce;
            byte[] authMessage = (clientFirstBare + "," + serverFirst + "," + clientFinalWithoutProof)
                    .getBytes(StandardCharsets.UTF_8);

            char[] password = credentials.password();
            byte[] passwordBytes = SaslText.utf8(password);
            Arrays.fill(password, '\0');
            byte[] saltedPassword = null;
            byte[] clientKey = null;
            byte[] clientSignature = null;
            byte[] serverKey = null;
            try {
                saltedPassword = hi(passwordBytes, salt, iterations);
                clientKey = hmac(saltedPassword, CLIENT_KEY);
                byte[] storedKey = MessageDigest.getInstance(digestAlgorithm).digest(clientKey);
                clientSignature = hmac(storedKey, authMessage);
                byte[] proof = new byte[clientKey.length];
                for (int k = 0; k < proof.length; k++) {
                    proof[k] = (byte) (clientKey[k] ^ clientSignature[k]);
                }
                serverKey = hmac(saltedPassword, SERVER_KEY);
                expectedServerSignature = hmac(serverKey, authMessage);
                return (clientFinalWithoutProof + ",p=" + Base64.getEncoder().encodeToString(proof))
                        .getBytes(StandardCharsets.UTF_8);
            } catch (GeneralSecurityException e) {
                throw new SaslAuthenticationException(name, "the JDK could not compute the client proof", e);
            } finally {
                clear(passwordBytes);
                clear(saltedPassword);
                clear(clientKey);
                clear(clientSignature);
                clear(serverKey);
            }
        }

        /** Checks server-final: {@code v=signature[,ext...]} or {@code e=error}. */
        private void verifyServerFinal(String serverFinal) {
            String first = serverFinal.split(",", -1)[0];
            if (first.startsWith("e=")) {
                throw fail("the broker reported an error: " + SaslText.quote(first.substring(2)));
            }
            if (!first.startsWith("v=")) {
                throw fail("malformed server-final message (expected v= or e=): '" + SaslText.quote(serverFinal) + "'");
            }
            byte[] signature;
            try {
                signature = Base64.getDecoder().decode(first.substring(2));
            } catch (IllegalArgumentException e) {
                throw fail("the server signature is not valid base64");
            }
            if (!MessageDigest.isEqual(signature, expectedServerSignature)) {
                throw fail("the broker's signature is wrong: it does not hold this user's keys,"
                        + " or something other than the broker answered");
            }
            expectedServerSignature = null;
        }

        private String attribute(String attribute, char key, String message) {
            if (attribute.length() < 2 || attribute.charAt(0) != key || attribute.charAt(1) != '=') {
                throw fail("malformed server-first message (expected " + key + "= where '"
                        + SaslText.quote(attribute) + "' is): '" + SaslText.quote(message) + "'");
            }
            return attribute.substring(2);
        }

        private int iterations(String text) {
            if (text.isEmpty() || text.length() > 10 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw fail("the iteration count '" + SaslText.quote(text) + "' is not a number");
            }
            long iterations = Long.parseLong(text);
            if (iterations < MIN_ITERATIONS) {
                throw fail("the broker asks for " + iterations + " iterations, fewer than the minimum of "
                        + MIN_ITERATIONS);
            }
            if (iterations > MAX_ITERATIONS) {
                throw fail("the broker asks for " + iterations + " iterations, more than the maximum of "
                        + MAX_ITERATIONS);
            }
            return (int) iterations;
        }

        private SaslAuthenticationException fail(String reason) {
            return new SaslAuthenticationException(name, reason);
        }
    }

    /** RFC 5802 Hi(): PBKDF2 with this mechanism's HMAC and one output block. */
    private byte[] hi(byte[] password, byte[] salt, int iterations) throws GeneralSecurityException {
        Mac mac = Mac.getInstance(hmacAlgorithm);
        mac.init(new SecretKeySpec(password, hmacAlgorithm));
        mac.update(salt);
        byte[] u = mac.doFinal(new byte[] {0, 0, 0, 1});
        byte[] result = u.clone();
        for (int i = 1; i < iterations; i++) {
            u = mac.doFinal(u);
            for (int k = 0; k < result.length; k++) {
                result[k] ^= u[k];
            }
        }
        clear(u);
        return result;
    }

    private byte[] hmac(byte[] key, byte[] data) throws GeneralSecurityException {
        Mac mac = Mac.getInstance(hmacAlgorithm);
        mac.init(new SecretKeySpec(key, hmacAlgorithm));
        return mac.doFinal(data);
    }

    private static void clear(byte[] bytes) {
        if (bytes != null) {
            Arrays.fill(bytes, (byte) 0);
        }
    }
}
