package dev.josef.kafka.admin;

import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.TopicPartition;

import java.util.Map;

/**
 * How deleting a group's committed offsets went. A group-level error (the group
 * does not exist, say) is repeated on every partition, so each partition's outcome is the truth for
 * it; a partition of a topic the group still consumes has
 * GROUP_SUBSCRIBED_TO_TOPIC on its own.
 *
 * @param partitions in the order asked
 */
public record GroupOffsetsDeletion(String groupId, Map<TopicPartition, PartitionOutcome> partitions, ErrorCode error,
                                   String errorMessage) implements Outcome {

    public GroupOffsetsDeletion {
        partitions = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(partitions));
    }
}
