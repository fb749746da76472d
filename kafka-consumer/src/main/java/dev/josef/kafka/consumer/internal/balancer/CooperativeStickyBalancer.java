package dev.josef.kafka.consumer.internal.balancer;

import dev.josef.kafka.consumer.internal.balancer.StickyUserData.Previous;
import dev.josef.kafka.consumer.spi.GroupBalancer;
import dev.josef.kafka.protocol.TopicPartition;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code cooperative-sticky}, kafka-clients' {@code CooperativeStickyAssignor}
 * (KIP-429): the sticky balance computed from what members own now, minus every
 * partition that would go to a member other than one that still owns it. The
 * owner, not assigned it, gives it up and rejoins; the next rebalance finds it
 * unowned and assigns it. So no partition ever has two consumers at once.
 */
public final class CooperativeStickyBalancer implements GroupBalancer {

    @Override
    public String name() {
        return "cooperative-sticky";
    }

    @Override
    public Set<Protocol> protocols() {
        return Set.of(Protocol.EAGER, Protocol.COOPERATIVE);
    }

    /**
     * The generation alone, as kafka-clients writes it for leaders that read
     * subscriptions older than version 2, which carry no generation of their own.
     */
    @Override
    public ByteBuffer userData(Set<String> topics, Set<TopicPartition> owned, int generation) {
        return StickyUserData.encodeGeneration(generation);
    }

    @Override
    public Map<String, List<TopicPartition>> assign(Map<String, Member> members, Map<String, Topic> topics) {
        Map<String, Previous> previous = new HashMap<>();
        Map<TopicPartition, Set<String>> owners = new HashMap<>();
        members.forEach((id, m) -> {
            int generation = m.generation() >= 0 ? m.generation() : StickyUserData.decodeGeneration(m.userData());
            previous.put(id, new Previous(m.owned(), generation));
            m.owned().forEach(tp -> owners.computeIfAbsent(tp, k -> new HashSet<>()).add(id));
        });
        Map<String, List<TopicPartition>> assignment = StickyAssignment.assign(members, topics, previous);
        assignment.forEach((member, partitions) -> partitions.removeIf(tp ->
            owners.getOrDefault(tp, Set.of()).stream().anyMatch(owner -> !owner.equals(member))));
        return assignment;
    }
}
