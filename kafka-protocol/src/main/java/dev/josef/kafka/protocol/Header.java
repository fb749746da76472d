package dev.josef.kafka.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * A record header: a key, which may repeat within a record, and a value that may
 * be null.
 *
 * <p>The value array is not copied, on the way in or out, because headers are
 * built and read on the per-record path; treat it as immutable.
 */
public final class Header {
    private final String key;
    private final byte[] value;

    /**
     * @param key   the header key, not null
     * @param value the header value, or null
     */
    public Header(String key, byte[] value) {
        this.key = Objects.requireNonNull(key, "key");
        this.value = value;
    }

    /** A header whose value is {@code value} in UTF-8. */
    public static Header of(String key, String value) {
        return new Header(key, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    public String key() {
        return key;
    }

    /** The value, or null. */
    public byte[] value() {
        return value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Header && key.equals(((Header) o).key) && Arrays.equals(value, ((Header) o).value);
    }

    @Override
    public int hashCode() {
        return 31 * key.hashCode() + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "Header(" + key + ", " + (value == null ? "null" : value.length + " bytes") + ")";
    }
}
