package dev.josef.kafka.consumer.internal.balancer;

import dev.josef.kafka.consumer.spi.GroupBalancer.Member;
import dev.josef.kafka.consumer.spi.GroupBalancer.Protocol;
import dev.josef.kafka.consumer.spi.GroupBalancer.Topic;
import dev.josef.kafka.protocol.TopicPartition;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the group leader checks of a balancer's result before it sends it with
 * SyncGroup: a balancer's mistake then fails this rebalance on the leader,
 * instead of leaving a partition unconsumed or consumed twice.
 */
public final class Assignments {
    private Assignments() {
    }

    /**
     * @throws IllegalStateException naming the first problem found: a member with
     *         no entry or one not in the group, a partition of an unknown topic or
     *         past its topic's end, one assigned twice, one assigned to a member
     *         that does not subscribe to its topic, or one of a subscribed topic
     *         assigned to nobody. Under {@link Protocol#COOPERATIVE}, also a
     *         partition assigned to one member while another still owns it; and a
     *         partition left out is fine there while some member owns it, since that
     *         member gives it up and the next rebalance assigns it (KIP-429).
     */
    public static void check(Protocol protocol, Map<String, Member> members, Map<String, Topic> topics,
                             Map<String, List<TopicPartition>> assignment) {
        Objects.requireNonNull(protocol, "protocol");
        for (String member : members.keySet()) {
            if (assignment.get(member) == null) {
                throw new IllegalStateException("member " + member + " has no entry in the assignment");
            }
        }
        Map<TopicPartition, Set<String>> owners = new HashMap<>();
        for (Member m : members.values()) {
            for (TopicPartition tp : m.owned()) {
                owners.computeIfAbsent(tp, k -> new TreeSet<>()).add(m.memberId());
            }
        }

        Map<TopicPartition, String> assignedTo = new HashMap<>();
        for (Map.Entry<String, List<TopicPartition>> entry : assignment.entrySet()) {
            String member = entry.getKey();
            Member m = members.get(member);
            if (m == null) {
                throw new IllegalStateException("the assignment names " + member + ", which is not a member of the group");
            }
            for (TopicPartition tp : entry.getValue()) {
                Topic topic = topics.get(tp.topic());
                if (topic == null) {
                    throw new IllegalStateException("partition " + tp + " assigned to " + member
                        + " is of unknown topic " + tp.topic());
                }
                if (tp.partition() >= topic.partitions()) {
                    throw new IllegalStateException("partition " + tp + " assigned to " + member + " is unknown: topic "
                        + tp.topic() + " has " + topic.partitions() + " partitions");
                }
                String other = assignedTo.putIfAbsent(tp, member);
                if (other != null) {
                    throw new IllegalStateException("partition " + tp + " is assigned twice, to " + other + " and to " + member);
                }
                if (!m.topics().contains(tp.topic())) {
                    throw new IllegalStateException("partition " + tp + " is assigned to " + member
                        + ", which does not subscribe to topic " + tp.topic());
                }
                if (protocol == Protocol.COOPERATIVE) {
                    for (String owner : owners.getOrDefault(tp, Set.of())) {
                        if (!owner.equals(member)) {
                            throw new IllegalStateException("partition " + tp + " is assigned to " + member + " while "
                                + owner + " still owns it; under the cooperative protocol it must be given up first");
                        }
                    }
                }
            }
        }

        TreeSet<String> subscribed = new TreeSet<>();
        members.values().forEach(m -> subscribed.addAll(m.topics()));
        for (String name : subscribed) {
            Topic topic = topics.get(name);
            if (topic == null) {
                continue;
            }
            for (int p = 0; p < topic.partitions(); p++) {
                TopicPartition tp = new TopicPartition(name, p);
                boolean withheld = protocol == Protocol.COOPERATIVE && owners.containsKey(tp);
                if (!assignedTo.containsKey(tp) && !withheld) {
                    throw new IllegalStateException("partition " + tp + " of subscribed topic " + name
                        + " is assigned to no member");
                }
            }
        }
    }
}
