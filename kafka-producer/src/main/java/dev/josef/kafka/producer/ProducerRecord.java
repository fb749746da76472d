package dev.josef.kafka.producer;

import dev.josef.kafka.protocol.Header;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A record to produce: a topic, an optional partition, an optional timestamp,
 * key, value and headers. Keys and values are bytes; serialization is the
 * application's.
 *
 * <p>The arrays are not copied: do not change them until the record's outcome is
 * known. The record itself is immutable, and the withers return new records.
 *
 * @param topic     the topic; checked against Kafka's naming rules at {@code produce}
 * @param partition the partition, or null to let the partitioner choose
 * @param timestamp the create time in epoch milliseconds, or null for the time of {@code produce}
 * @param key       the key, or null
 * @param value     the value, or null (a tombstone on a compacted topic)
 * @param headers   the headers, in order; never null
 */
public record ProducerRecord(String topic, Integer partition, Long timestamp, byte[] key, byte[] value,
                             List<Header> headers) {

    public ProducerRecord {
        Objects.requireNonNull(topic, "topic");
        if (partition != null && partition < 0) {
            throw new IllegalArgumentException("partition must be 0 or more, was " + partition);
        }
        if (timestamp != null && timestamp < 0) {
            throw new IllegalArgumentException("timestamp must be 0 or more, was " + timestamp);
        }
        headers = List.copyOf(Objects.requireNonNull(headers, "headers"));
    }

    /** A record whose partition the partitioner chooses, stamped at {@code produce}. */
    public static ProducerRecord of(String topic, byte[] key, byte[] value) {
        return new ProducerRecord(topic, null, null, key, value, List.of());
    }

    /** A record without a key. */
    public static ProducerRecord of(String topic, byte[] value) {
        return of(topic, null, value);
    }

    public ProducerRecord withPartition(int partition) {
        return new ProducerRecord(topic, partition, timestamp, key, value, headers);
    }

    public ProducerRecord withTimestamp(long timestamp) {
        return new ProducerRecord(topic, partition, timestamp, key, value, headers);
    }

    public ProducerRecord withHeaders(List<Header> headers) {
        return new ProducerRecord(topic, partition, timestamp, key, value, headers);
    }

    /** This record with one more header, after the others. */
    public ProducerRecord withHeader(String key, byte[] value) {
        List<Header> more = new ArrayList<>(headers);
        more.add(new Header(key, value));
        return new ProducerRecord(topic, partition, timestamp, this.key, this.value, more);
    }

    @Override
    public String toString() {
        return "ProducerRecord(topic=" + topic + (partition != null ? ", partition=" + partition : "")
                + (timestamp != null ? ", timestamp=" + timestamp : "")
                + ", key=" + (key == null ? "null" : key.length + " bytes")
                + ", value=" + (value == null ? "null" : value.length + " bytes")
                + (headers.isEmpty() ? "" : ", headers=" + headers.size()) + ")";
    }
}
