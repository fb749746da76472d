package dev.josef.kafka.consumer.internal.balancer;

import dev.josef.kafka.consumer.internal.balancer.StickyUserData.Previous;
import dev.josef.kafka.consumer.spi.GroupBalancer;
import dev.josef.kafka.protocol.TopicPartition;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code sticky}, the eager sticky balancer of kafka-clients' {@code StickyAssignor}
 * (KIP-54). Eager members give everything up before they join, so what each had
 * travels in its user data, in kafka-clients' format ({@link StickyUserData}).
 */
public final class StickyBalancer implements GroupBalancer {

    @Override
    public String name() {
        return "sticky";
    }

    /** Nothing before the first assignment, as kafka-clients sends. */
    @Override
    public ByteBuffer userData(Set<String> topics, Set<TopicPartition> owned, int generation) {
        if (generation < 0 && owned.isEmpty()) {
            return null;
        }
        return StickyUserData.encode(owned, generation);
    }

    @Override
    public Map<String, List<TopicPartition>> assign(Map<String, Member> members, Map<String, Topic> topics) {
        Map<String, Previous> previous = new HashMap<>();
        members.forEach((id, m) -> previous.put(id, StickyUserData.decode(m.userData())));
        return StickyAssignment.assign(members, topics, previous);
    }
}
