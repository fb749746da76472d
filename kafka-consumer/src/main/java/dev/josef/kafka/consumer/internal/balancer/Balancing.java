package dev.josef.kafka.consumer.internal.balancer;

import dev.josef.kafka.consumer.spi.GroupBalancer.Member;
import dev.josef.kafka.consumer.spi.GroupBalancer.Topic;
import dev.josef.kafka.protocol.TopicPartition;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/** What the built-in balancers share. */
final class Balancing {
    private Balancing() {
    }

    /** An empty, growable entry for every member: a member with nothing to do still hears so. */
    static Map<String, List<TopicPartition>> emptyAssignment(Map<String, Member> members) {
        Map<String, List<TopicPartition>> assignment = new TreeMap<>();
        members.keySet().forEach(id -> assignment.put(id, new ArrayList<>()));
        return assignment;
    }

    /** The member's rack; kafka-clients takes an empty {@code client.rack} for none. */
    static Optional<String> rack(Member member) {
        return member.rack().filter(r -> !r.isEmpty());
    }

    /**
     * Whether placing by rack can change anything (KIP-881): some member's rack
     * holds replicas, and not every partition has replicas in all the racks any
     * partition has. When every partition is everywhere, any placement is local
     * and the plain algorithm runs, as in kafka-clients.
     */
    static boolean racksMatter(Set<String> memberRacks, Topic... topics) {
        return racksMatter(memberRacks, List.of(topics));
    }

    static boolean racksMatter(Set<String> memberRacks, Iterable<Topic> topics) {
        if (memberRacks.isEmpty()) {
            return false;
        }
        Set<String> partitionRacks = new HashSet<>();
        for (Topic t : topics) {
            for (int p = 0; p < t.partitions(); p++) {
                partitionRacks.addAll(t.racks(p));
            }
        }
        if (Collections.disjoint(memberRacks, partitionRacks)) {
            return false;
        }
        for (Topic t : topics) {
            for (int p = 0; p < t.partitions(); p++) {
                if (!t.racks(p).equals(partitionRacks)) {
                    return true;
                }
            }
        }
        return false;
    }
}
