package dev.josef.kafka.admin;

import dev.josef.kafka.protocol.ErrorCode;

import java.util.Map;

/**
 * How removing static members from a group went: a group-level error (the group
 * does not exist) is repeated on every member; an instance id the group does not
 * know has UNKNOWN_MEMBER_ID on its own.
 *
 * @param members by {@code group.instance.id}, in the order asked
 */
public record MembersRemoval(String groupId, Map<String, StaticMemberOutcome> members, ErrorCode error,
                             String errorMessage) implements Outcome {

    public MembersRemoval {
        members = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(members));
    }
}
