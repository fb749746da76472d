package dev.josef.kafka.consumer;

import dev.josef.kafka.protocol.Header;
import dev.josef.kafka.protocol.TimestampType;
import dev.josef.kafka.protocol.TopicPartition;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One record as the consumer returns it. Key and value are the bytes in the
 * log (null for a null key or a tombstone); the consumer made them for this
 * record alone, so the caller may keep or change them.
 */
public final class ConsumerRecord {
    private final String topic;
    private final int partition;
    private final long offset;
    private final long timestamp;
    private final TimestampType timestampType;
    private final byte[] key;
    private final byte[] value;
    private final List<Header> headers;
    private final int leaderEpoch;

    public ConsumerRecord(String topic, int partition, long offset, long timestamp, TimestampType timestampType,
                          byte[] key, byte[] value, List<Header> headers, int leaderEpoch) {
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.timestamp = timestamp;
        this.timestampType = timestampType;
        this.key = key;
        this.value = value;
        this.headers = headers;
        this.leaderEpoch = leaderEpoch;
    }

    public String topic() {
        return topic;
    }

    public int partition() {
        return partition;
    }

    public TopicPartition topicPartition() {
        return new TopicPartition(topic, partition);
    }

    public long offset() {
        return offset;
    }

    public long timestamp() {
        return timestamp;
    }

    public TimestampType timestampType() {
        return timestampType;
    }

    /** The key, or null. */
    public byte[] key() {
        return key;
    }

    /** The value, or null for a tombstone. */
    public byte[] value() {
        return value;
    }

    /** The headers in the order the producer added them; empty when there are none. */
    public List<Header> headers() {
        return headers;
    }

    /** The leader epoch the record's batch was written in, or -1 for old message formats. */
    public int leaderEpoch() {
        return leaderEpoch;
    }

    @Override
    public String toString() {
        return "ConsumerRecord(" + topic + "-" + partition + "@" + offset + ", timestamp=" + timestamp
                + ", key=" + text(key) + ", value=" + (value == null ? "null" : value.length + " bytes")
                + (headers.isEmpty() ? "" : ", headers=" + headers) + ")";
    }

    private static String text(byte[] bytes) {
        if (bytes == null) {
            return "null";
        }
        return bytes.length <= 32 ? '"' + new String(bytes, StandardCharsets.UTF_8) + '"' : bytes.length + " bytes";
    }
}
