package dev.josef.kafka.admin;

/**
 * A group as its coordinator lists it.
 *
 * @param protocolType the classic protocol type ({@code consumer}, {@code connect}, or empty for a group
 *                     that only holds offsets); {@code consumer} for consumer groups
 * @param coordinator  the broker that listed the group: its coordinator
 */
public record ListedGroup(String groupId, GroupType type, String protocolType, GroupState state, int coordinator) {
}
