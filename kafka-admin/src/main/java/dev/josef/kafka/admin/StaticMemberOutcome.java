package dev.josef.kafka.admin;

import dev.josef.kafka.protocol.ErrorCode;

/** How removing one static member (by its {@code group.instance.id}) went. */
public record StaticMemberOutcome(String groupInstanceId, ErrorCode error, String errorMessage) implements Outcome {
}
