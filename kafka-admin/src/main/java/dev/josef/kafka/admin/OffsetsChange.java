package dev.josef.kafka.admin;

import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.TopicPartition;

import java.util.Map;

/**
 * How altering or resetting a group's committed offsets went. Offsets change
 * only while the group is empty: a group with members has error NON_EMPTY_GROUP,
 * a message that names the group, its state and its member count, and nothing
 * changed. A change is all or nothing before it reaches the coordinator: when a
 * partition's new offset cannot be planned, that partition says why, the others
 * OPERATION_NOT_ATTEMPTED, and nothing is committed.
 *
 * @param state      the group's state when it was checked (DEAD for a group that does not exist yet)
 * @param members    how many members the group had then
 * @param dryRun     whether the change was only planned
 * @param partitions in the order asked
 */
public record OffsetsChange(String groupId, GroupState state, int members, boolean dryRun,
                            Map<TopicPartition, OffsetChange> partitions, ErrorCode error,
                            String errorMessage) implements Outcome {

    public OffsetsChange {
        partitions = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(partitions));
    }
}
