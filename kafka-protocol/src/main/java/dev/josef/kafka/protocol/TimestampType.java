package dev.josef.kafka.protocol;

/**
 * What a record's timestamp means: set by the producer ({@code CreateTime}) or by
 * the broker when it appended the batch ({@code LogAppendTime}, the topic's
 * {@code message.timestamp.type}). Messages of magic v0 carry no timestamp at all.
 */
public enum TimestampType {
    /** Magic v0 messages, which have no timestamp. */
    NO_TIMESTAMP_TYPE(-1, "NoTimestampType"),
    CREATE_TIME(0, "CreateTime"),
    LOG_APPEND_TIME(1, "LogAppendTime");

    private final int id;
    private final String kafkaName;

    TimestampType(int id, String kafkaName) {
        this.id = id;
        this.kafkaName = kafkaName;
    }

    /** Kafka's id: -1, 0 or 1. */
    public int id() {
        return id;
    }

    /** Kafka's spelling, as in topic configs and tool output ("CreateTime"). */
    @Override
    public String toString() {
        return kafkaName;
    }
}
