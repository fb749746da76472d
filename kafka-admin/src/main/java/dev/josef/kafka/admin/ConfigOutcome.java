package dev.josef.kafka.admin;

import dev.josef.kafka.protocol.ErrorCode;

/** How altering the configs of one resource went. */
public record ConfigOutcome(ConfigResource resource, ErrorCode error, String errorMessage) implements Outcome {
}
