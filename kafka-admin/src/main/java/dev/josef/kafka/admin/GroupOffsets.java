package dev.josef.kafka.admin;

import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.TopicPartition;

import java.util.Map;

/**
 * A group's committed offsets. A group that does not exist has none: the
 * coordinator answers OffsetFetch for it without an error.
 *
 * @param offsets by partition, sorted; only partitions with a committed offset
 */
public record GroupOffsets(String groupId, Map<TopicPartition, CommittedOffset> offsets, ErrorCode error,
                           String errorMessage) implements Outcome {

    public GroupOffsets {
        offsets = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(offsets));
    }
}
