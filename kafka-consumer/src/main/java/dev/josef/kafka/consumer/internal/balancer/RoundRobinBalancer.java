package dev.josef.kafka.consumer.internal.balancer;

import dev.josef.kafka.consumer.spi.GroupBalancer;
import dev.josef.kafka.protocol.TopicPartition;

import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * {@code roundrobin}, as kafka-clients' {@code RoundRobinAssignor} deals: every
 * partition of every subscribed topic, by topic name then partition, to the next
 * member in {@link MemberOrder} (wrapping around) that subscribes to its topic.
 */
public final class RoundRobinBalancer implements GroupBalancer {

    @Override
    public String name() {
        return "roundrobin";
    }

    @Override
    public Map<String, List<TopicPartition>> assign(Map<String, Member> members, Map<String, Topic> topics) {
        Map<String, List<TopicPartition>> assignment = Balancing.emptyAssignment(members);
        List<Member> ring = members.values().stream().sorted(MemberOrder.INSTANCE).toList();
        TreeSet<String> subscribed = new TreeSet<>();
        ring.forEach(m -> subscribed.addAll(m.topics()));

        int next = 0;
        for (String name : subscribed) {
            Topic topic = topics.get(name);
            if (topic == null) {
                continue;
            }
            for (int p = 0; p < topic.partitions(); p++) {
                // Someone subscribes to this topic, so the walk ends within one lap.
                while (!ring.get(next).topics().contains(name)) {
                    next = (next + 1) % ring.size();
                }
                assignment.get(ring.get(next).memberId()).add(new TopicPartition(name, p));
                next = (next + 1) % ring.size();
            }
        }
        return assignment;
    }
}
