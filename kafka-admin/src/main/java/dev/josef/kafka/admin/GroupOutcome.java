package dev.josef.kafka.admin;

import dev.josef.kafka.protocol.ErrorCode;

/** How an operation on one group went (delete). */
public record GroupOutcome(String groupId, ErrorCode error, String errorMessage) implements Outcome {
}
