package dev.josef.kafka.protocol;

import java.util.Objects;

/** One partition of a topic; the name is checked against Kafka's rules ({@link TopicNames}). */
public record TopicPartition(String topic, int partition) implements Comparable<TopicPartition> {

    public TopicPartition {
        TopicNames.validate(topic);
        if (partition < 0) {
            throw new IllegalArgumentException("partition of topic '" + topic + "' must be at least 0, was " + partition);
        }
    }

    public static TopicPartition of(String topic, int partition) {
        return new TopicPartition(topic, partition);
    }

    @Override
    public int compareTo(TopicPartition other) {
        int byTopic = topic.compareTo(Objects.requireNonNull(other, "other").topic);
        return byTopic != 0 ? byTopic : Integer.compare(partition, other.partition);
    }

    @Override
    public String toString() {
        return topic + "-" + partition;
    }
}
