package dev.josef.kafka.admin;

import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.TopicPartition;

/**
 * How deleting records from one partition went.
 *
 * @param lowWatermark the partition's first offset after the deletion, or -1 on failure
 */
public record DeletedRecords(TopicPartition partition, long lowWatermark, ErrorCode error, String errorMessage)
        implements Outcome {
}
