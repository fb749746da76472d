package dev.josef.kafka.protocol;

import java.util.Objects;
import java.util.Optional;

/**
 * Who a group member is at one moment: its group, its generation (classic
 * protocol) or member epoch (consumer protocol), its member id and its static
 * instance id. A transactional producer sends it with the offsets it commits
 * (KIP-447), so the group coordinator refuses a commit from a member that has
 * been rebalanced away meanwhile: its partitions may already be another
 * member's. The consumer hands it out; the producer takes it. Both modules
 * see this module, which is why it lives here.
 */
public record GroupMetadata(String groupId, int generationId, String memberId, Optional<String> groupInstanceId) {
    /** What a group consumer that is not in its group yet reports: no generation, no member id. */
    public static final int NO_GENERATION = -1;

    public GroupMetadata {
        Objects.requireNonNull(groupId, "groupId");
        Objects.requireNonNull(memberId, "memberId");
        Objects.requireNonNull(groupInstanceId, "groupInstanceId");
        if (groupId.isEmpty()) {
            throw new IllegalArgumentException("groupId must not be empty");
        }
    }

    /**
     * A group with no member information: the coordinator then checks nothing
     * about the member (as before KIP-447), so a zombie's commit is not fenced.
     */
    public static GroupMetadata of(String groupId) {
        return new GroupMetadata(groupId, NO_GENERATION, "", Optional.empty());
    }
}
