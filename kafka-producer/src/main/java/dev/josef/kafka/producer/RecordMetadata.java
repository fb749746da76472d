package dev.josef.kafka.producer;

/**
 * Where an acknowledged record landed.
 *
 * @param offset    its offset in the partition
 * @param timestamp its timestamp: the create time it was sent with, or the
 *                  broker's append time on a topic with
 *                  {@code message.timestamp.type=LogAppendTime}
 */
public record RecordMetadata(String topic, int partition, long offset, long timestamp) {
}
