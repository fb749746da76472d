package dev.josef.kafka.admin;

import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.TopicPartition;

/** How an operation on one partition went (deleting a group's committed offset). */
public record PartitionOutcome(TopicPartition partition, ErrorCode error, String errorMessage) implements Outcome {
}
