package dev.josef.kafka.protocol;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Objects;

/**
 * A 128-bit id as Kafka uses it for topics, directories and clusters. Its text
 * form is Kafka's: the 16 bytes in URL-safe base64 without padding, so ids
 * printed by Josef match those printed by Kafka's own tools.
 */
public record Uuid(long mostSignificantBits, long leastSignificantBits) implements Comparable<Uuid> {

    /** The all-zero id, which Kafka uses to mean "no id". */
    public static final Uuid ZERO = new Uuid(0L, 0L);

    /** Parses Kafka's text form (22 characters of URL-safe base64). */
    public static Uuid fromString(String text) {
        Objects.requireNonNull(text, "text");
        byte[] bytes;
        try {
            bytes = Base64.getUrlDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a Kafka uuid (URL-safe base64 of 16 bytes): '" + text + "'", e);
        }
        if (bytes.length != 16) {
            throw new IllegalArgumentException(
                    "not a Kafka uuid: '" + text + "' decodes to " + bytes.length + " bytes, expected 16");
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        return new Uuid(buffer.getLong(), buffer.getLong());
    }

    @Override
    public String toString() {
        ByteBuffer buffer = ByteBuffer.allocate(16).putLong(mostSignificantBits).putLong(leastSignificantBits);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(buffer.array());
    }

    @Override
    public int compareTo(Uuid other) {
        int c = Long.compare(mostSignificantBits, other.mostSignificantBits);
        return c != 0 ? c : Long.compare(leastSignificantBits, other.leastSignificantBits);
    }
}
