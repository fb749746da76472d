package dev.josef.kafka.admin;

import dev.josef.kafka.protocol.ErrorCode;

/** How a request to one broker went, for operations that ask every broker ({@link Admin#listGroups}). */
public record BrokerOutcome(int brokerId, ErrorCode error, String errorMessage) implements Outcome {
}
