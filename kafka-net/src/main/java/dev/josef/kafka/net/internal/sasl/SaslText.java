package dev.josef.kafka.net.internal.sasl;

import dev.josef.kafka.net.spi.SaslAuthenticationException;
import dev.josef.kafka.net.spi.SaslCredentials;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Text helpers the built-in mechanisms share. */
final class SaslText {
    // Server text quoted in an exception is cut here: it is for a human, and a
    // hostile broker should not be able to flood a log line.
    private static final int MAX_QUOTED = 200;

    private SaslText() {
    }

    /** RFC 5802 saslname: '=' and ',' would end the attribute, so they are escaped. */
    static String saslName(String name) {
        return name.replace("=", "=3D").replace(",", "=2C");
    }

    /** UTF-8 bytes of a secret without making a String of it; the caller clears the result. */
    static byte[] utf8(char[] secret) {
        ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(secret));
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);
        if (encoded.hasArray()) {
            Arrays.fill(encoded.array(), (byte) 0);
        }
        return bytes;
    }

    /** Decodes a server message, refusing bytes that are not UTF-8. */
    static String decode(String mechanism, byte[] message, String what) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(message))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new SaslAuthenticationException(mechanism, "the " + what + " is not valid UTF-8");
        }
    }

    /**
     * Server text made safe to quote: control characters become '?', and it is
     * cut to a readable length.
     */
    static String quote(String serverText) {
        StringBuilder sb = new StringBuilder(Math.min(serverText.length(), MAX_QUOTED) + 3);
        for (int i = 0; i < serverText.length() && sb.length() < MAX_QUOTED; i++) {
            char c = serverText.charAt(i);
            sb.append(Character.isISOControl(c) ? '?' : c);
        }
        if (serverText.length() > MAX_QUOTED) {
            sb.append("...");
        }
        return sb.toString();
    }

    /** Refuses credentials of the wrong kind with a message that names the mechanism. */
    static void requireKind(String mechanism, SaslCredentials credentials, SaslCredentials.Kind kind) {
        if (credentials.kind() != kind) {
            throw new IllegalArgumentException("SASL mechanism " + mechanism + " needs "
                    + (kind == SaslCredentials.Kind.PASSWORD ? "a username and password" : "an OAuth bearer token provider")
                    + ", but the credentials hold " + (credentials.kind() == SaslCredentials.Kind.PASSWORD
                    ? "a username and password" : "an OAuth bearer token provider"));
        }
    }
}
