package dev.josef.kafka.admin;

import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.TopicPartition;

import java.util.List;
import java.util.Optional;

/**
 * A group as its coordinator describes it. Classic groups come from
 * DescribeGroups, their members' subscriptions and assignments decoded from the
 * consumer protocol's bytes; consumer groups (KIP-848) from
 * ConsumerGroupDescribe, with epochs and each member's target assignment. When
 * {@link #error()} is not NONE (GROUP_ID_NOT_FOUND, say) only the id means
 * anything.
 *
 * @param type            which protocol the group runs
 * @param protocolType    the classic protocol type ({@code consumer}, {@code connect}, or empty for a group
 *                        that only holds offsets); {@code consumer} for consumer groups
 * @param assignor        the partition assignor: the classic group's chosen protocol ({@code range}, ...)
 *                        or the consumer group's server assignor ({@code uniform}, {@code range}); empty when none
 * @param groupEpoch      the consumer group's epoch; -1 for classic groups
 * @param assignmentEpoch the epoch of the consumer group's target assignment; -1 for classic groups
 * @param coordinator     the broker that described the group, or -1 when none did
 */
public record GroupDescription(String groupId, GroupType type, String protocolType, GroupState state, String assignor,
                               int groupEpoch, int assignmentEpoch, int coordinator, List<Member> members,
                               ErrorCode error, String errorMessage) implements Outcome {

    public GroupDescription {
        members = List.copyOf(members);
    }

    /** Whether the group has no members: the one state in which its offsets may be changed. */
    public boolean isEmpty() {
        return members.isEmpty() && (state == GroupState.EMPTY || state == GroupState.DEAD);
    }

    /**
     * One member of a group.
     *
     * @param protocol             the protocol the member speaks: CLASSIC or CONSUMER; a consumer group being
     *                             upgraded may hold both (UNKNOWN from ConsumerGroupDescribe v0, which does not say)
     * @param memberEpoch          the member's epoch in a consumer group; -1 in a classic group
     * @param subscribedTopics     the topic names the member subscribed to, sorted
     * @param subscribedTopicRegex the member's regular expression subscription (consumer groups, KIP-848)
     * @param assignment           the partitions the member owns, sorted
     * @param targetAssignment     the partitions the coordinator wants the member to own (consumer groups);
     *                             empty in a classic group, where the leader's assignment is all there is
     */
    public record Member(String memberId, Optional<String> groupInstanceId, String clientId, String clientHost,
                         Optional<String> rackId, GroupType protocol, int memberEpoch, List<String> subscribedTopics,
                         Optional<String> subscribedTopicRegex, List<TopicPartition> assignment,
                         List<TopicPartition> targetAssignment) {
        public Member {
            subscribedTopics = List.copyOf(subscribedTopics);
            assignment = List.copyOf(assignment);
            targetAssignment = List.copyOf(targetAssignment);
        }
    }
}
