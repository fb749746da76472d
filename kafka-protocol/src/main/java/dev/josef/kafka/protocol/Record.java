package dev.josef.kafka.protocol;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One record as read from a batch: its absolute offset, its timestamp (already
 * replaced by the broker's when the batch uses {@link TimestampType#LOG_APPEND_TIME}),
 * key, value and headers. The batch it came from carries the rest: timestamp type,
 * producer, whether it is a control record.
 *
 * <p>Key and value arrays are not copied; treat them as immutable.
 */
public final class Record {
    private final long offset;
    private final long timestamp;
    private final byte[] key;
    private final byte[] value;
    private final List<Header> headers;

    /**
     * @param key     the key, or null
     * @param value   the value, or null (a tombstone on a compacted topic)
     * @param headers the headers in wire order, possibly empty
     */
    public Record(long offset, long timestamp, byte[] key, byte[] value, List<Header> headers) {
        this.offset = offset;
        this.timestamp = timestamp;
        this.key = key;
        this.value = value;
        // copyOf returns its argument when that is already an immutable list, which
        // is what the decoder hands in.
        this.headers = List.copyOf(Objects.requireNonNull(headers, "headers"));
    }

    public long offset() {
        return offset;
    }

    /** Milliseconds since the epoch, or -1 when the record has none (magic v0). */
    public long timestamp() {
        return timestamp;
    }

    /** The key, or null. */
    public byte[] key() {
        return key;
    }

    /** The value, or null. */
    public byte[] value() {
        return value;
    }

    public List<Header> headers() {
        return headers;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Record)) {
            return false;
        }
        Record that = (Record) o;
        return offset == that.offset && timestamp == that.timestamp && Arrays.equals(key, that.key)
                && Arrays.equals(value, that.value) && headers.equals(that.headers);
    }

    @Override
    public int hashCode() {
        int h = Long.hashCode(offset);
        h = 31 * h + Long.hashCode(timestamp);
        h = 31 * h + Arrays.hashCode(key);
        h = 31 * h + Arrays.hashCode(value);
        return 31 * h + headers.hashCode();
    }

    @Override
    public String toString() {
        return "Record(offset=" + offset + ", timestamp=" + timestamp
                + ", key=" + (key == null ? "null" : key.length + " bytes")
                + ", value=" + (value == null ? "null" : value.length + " bytes")
                + ", headers=" + headers.size() + ")";
    }
}
