package dev.josef.kafka.admin;

import dev.josef.kafka.protocol.ErrorCode;

/** How an operation on one topic went (delete, create partitions). */
public record TopicOutcome(String name, ErrorCode error, String errorMessage) implements Outcome {
}
