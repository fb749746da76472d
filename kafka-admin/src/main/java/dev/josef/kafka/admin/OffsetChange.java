package dev.josef.kafka.admin;

import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.TopicPartition;

/**
 * A change to a group's committed offset for one partition: planned (a dry run),
 * committed, or refused with the reason.
 *
 * @param previousOffset the offset committed before, or -1 when there was none
 * @param offset         the new offset, or -1 when none could be planned
 */
public record OffsetChange(TopicPartition partition, long previousOffset, long offset, ErrorCode error,
                           String errorMessage) implements Outcome {
}
