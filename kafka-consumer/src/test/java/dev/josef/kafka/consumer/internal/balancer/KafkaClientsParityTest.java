package dev.josef.kafka.consumer.internal.balancer;

import dev.josef.kafka.consumer.spi.GroupBalancer;
import dev.josef.kafka.consumer.spi.GroupBalancer.Member;
import dev.josef.kafka.protocol.TopicPartition;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.clients.consumer.RoundRobinAssignor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * range and roundrobin deal exactly as kafka-clients 4.3.1 does, so a group
 * whose leader is a Josef or a kafka-clients member gets the same assignment:
 * thousands of random groups (fixed seeds) through both.
 */
class KafkaClientsParityTest {
    private static final int GROUPS = 3_000;

    @Test
    void rangeDealsAsKafkaClientsRangeAssignor() {
        assertThat(mismatches(new RangeBalancer(), RangeAssignor::new, false, 1)).isEmpty();
    }

    @Test
    void rangeDealsAsKafkaClientsRangeAssignorWhenMembersAndReplicasHaveRacks() {
        assertThat(mismatches(new RangeBalancer(), RangeAssignor::new, true, 2)).isEmpty();
    }

    /** Without this the rack-aware parity above could pass on groups where racks change nothing. */
    @Test
    void racksChangeTheRangeAssignmentOfManyRandomGroups() {
        Random random = new Random(2);
        int changed = 0;
        for (int i = 0; i < GROUPS; i++) {
            Group group = Group.random(random, true);
            Map<String, Member> rackless = new LinkedHashMap<>();
            group.members.forEach((id, m) -> rackless.put(id, new Member(id, m.instanceId(), m.topics(), null,
                List.of(), -1, Optional.empty())));
            Map<String, List<TopicPartition>> withRacks = group.kafkaAssign(new RangeAssignor());
            Map<String, List<TopicPartition>> without =
                new Group(group.brokers, group.cluster, rackless).kafkaAssign(new RangeAssignor());
            if (!withRacks.equals(without)) {
                changed++;
            }
        }
        assertThat(changed).as("groups whose range assignment racks change").isGreaterThan(GROUPS / 4);
    }

    @Test
    void roundRobinDealsAsKafkaClientsRoundRobinAssignor() {
        assertThat(mismatches(new RoundRobinBalancer(), RoundRobinAssignor::new, false, 3)).isEmpty();
        assertThat(mismatches(new RoundRobinBalancer(), RoundRobinAssignor::new, true, 4)).isEmpty();
    }

    private static List<String> mismatches(GroupBalancer balancer, Supplier<ConsumerPartitionAssignor> kafka,
                                           boolean racks, long seed) {
        Random random = new Random(seed);
        List<String> mismatches = new ArrayList<>();
        for (int i = 0; i < GROUPS && mismatches.size() < 3; i++) {
            Group group = Group.random(random, racks);
            Map<String, List<TopicPartition>> ours = Group.sorted(balancer.assign(group.members, group.topics()));
            Map<String, List<TopicPartition>> theirs = group.kafkaAssign(kafka.get());
            if (!ours.equals(theirs)) {
                mismatches.add("group " + i + " of seed " + seed + ":\n" + group + "Josef:  " + ours + "\nkafka: " + theirs);
            }
        }
        return mismatches;
    }
}
