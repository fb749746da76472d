package dev.josef.kafka.consumer.internal.balancer;

import dev.josef.kafka.consumer.spi.GroupBalancer;
import dev.josef.kafka.protocol.TopicPartition;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiPredicate;

/**
 * {@code range}, as kafka-clients' {@code RangeAssignor} deals: topic by topic,
 * the partitions in ascending order cut into one contiguous range per subscribed
 * member in {@link MemberOrder}, the first {@code partitions % members} ranges one
 * longer. Members subscribed to the same topics with the same partition counts
 * thus get the same partition numbers of each, which joins rely on.
 *
 * <p>KIP-881: when members send racks and not every partition has replicas in
 * every rack, a first pass gives members partitions with a replica in their
 * rack, still within each member's range size, and the usual pass deals the rest.
 * Topics with the same members and partition count are matched together, so a
 * member gets the same partition number of each even then.
 */
public final class RangeBalancer implements GroupBalancer {

    @Override
    public String name() {
        return "range";
    }

    @Override
    public Map<String, List<TopicPartition>> assign(Map<String, Member> members, Map<String, Topic> topics) {
        Map<String, List<TopicPartition>> assignment = Balancing.emptyAssignment(members);
        List<TopicRanges> all = new ArrayList<>();
        for (Topic topic : topics.values()) {
            List<Member> subscribers = members.values().stream()
                .filter(m -> m.topics().contains(topic.name()))
                .sorted(MemberOrder.INSTANCE)
                .toList();
            if (topic.partitions() > 0 && !subscribers.isEmpty()) {
                all.add(new TopicRanges(topic, subscribers));
            }
        }

        boolean rackAware = all.stream().anyMatch(t -> t.racksMatter);
        if (rackAware) {
            assignRackLocal(all, assignment);
        }
        for (TopicRanges t : all) {
            t.deal((member, partition) -> true, assignment);
        }
        assignment.values().forEach(Collections::sort);
        return assignment;
    }

    /**
     * The rack-local first pass. kafka-clients runs it over every topic once any
     * topic needs it, and matches co-partitioned topics (same members, same
     * partition count, some member with a rack) together even when their own
     * replicas are in every rack; both are kept so a mixed group deals alike.
     */
    private static void assignRackLocal(List<TopicRanges> all, Map<String, List<TopicPartition>> assignment) {
        Map<Map<String, Optional<String>>, Map<Integer, List<TopicRanges>>> groups = new LinkedHashMap<>();
        for (TopicRanges t : all) {
            int copartitionKey = t.anyMemberHasRack ? t.partitions : 0;
            groups.computeIfAbsent(t.memberRacks, k -> new TreeMap<>())
                .computeIfAbsent(copartitionKey, k -> new ArrayList<>())
                .add(t);
        }
        groups.forEach((memberRacks, byPartitionCount) -> byPartitionCount.forEach((partitions, group) -> {
            if (group.size() > 1) {
                assignCopartitioned(memberRacks.keySet(), partitions, group, assignment);
            } else if (group.get(0).racksMatter) {
                TopicRanges t = group.get(0);
                t.deal(t::racksMatch, assignment);
            }
        }));
    }

    /** Partition number by partition number, to the first member local to it in every topic of the group. */
    private static void assignCopartitioned(Set<String> memberIds, int partitions, List<TopicRanges> group,
                                            Map<String, List<TopicPartition>> assignment) {
        Set<String> open = new LinkedHashSet<>(memberIds);
        for (int p = 0; p < partitions && !open.isEmpty(); p++) {
            int partition = p;
            Optional<String> taker = open.stream()
                .filter(m -> group.stream().allMatch(t -> t.racksMatch(m, partition) && t.mayTake(m) > 0))
                .findFirst();
            if (taker.isPresent()) {
                String member = taker.get();
                group.forEach(t -> t.give(member, List.of(partition), assignment));
                if (group.stream().allMatch(t -> t.mayTake(member) == 0)) {
                    open.remove(member);
                }
            }
        }
    }

    /** One topic being dealt: what is left, and how many each member may still take. */
    private static final class TopicRanges {
        final String topic;
        final int partitions;
        final Topic metadata;
        /** Subscribers in dealing order, with their racks. */
        final Map<String, Optional<String>> memberRacks = new LinkedHashMap<>();
        final boolean anyMemberHasRack;
        final boolean racksMatter;

        final TreeSet<Integer> unassigned = new TreeSet<>();
        final Map<String, Integer> taken = new HashMap<>();
        final int rangeSize;
        /** Members that may still get {@code rangeSize + 1} partitions. */
        int longerRangesLeft;

        TopicRanges(Topic topic, List<Member> subscribers) {
            this.topic = topic.name();
            this.partitions = topic.partitions();
            this.metadata = topic;
            for (Member m : subscribers) {
                memberRacks.put(m.memberId(), Balancing.rack(m));
                taken.put(m.memberId(), 0);
            }
            for (int p = 0; p < partitions; p++) {
                unassigned.add(p);
            }
            rangeSize = partitions / subscribers.size();
            longerRangesLeft = partitions % subscribers.size();

            Set<String> memberRackSet = new HashSet<>();
            memberRacks.values().forEach(r -> r.ifPresent(memberRackSet::add));
            anyMemberHasRack = !memberRackSet.isEmpty();
            racksMatter = anyMemberHasRack && Balancing.racksMatter(memberRackSet, topic);
        }

        /** A member without a rack is local everywhere; one with a rack only where a replica is. */
        boolean racksMatch(String member, int partition) {
            Optional<String> rack = memberRacks.get(member);
            return rack.isEmpty() || metadata.racks(partition).contains(rack.get());
        }

        int mayTake(String member) {
            return Math.max(0, rangeSize + (longerRangesLeft > 0 ? 1 : 0) - taken.get(member));
        }

        void give(String member, List<Integer> given, Map<String, List<TopicPartition>> assignment) {
            int now = taken.merge(member, given.size(), Integer::sum);
            if (now > rangeSize) {
                longerRangesLeft--;
            }
            unassigned.removeAll(given);
            List<TopicPartition> to = assignment.get(member);
            given.forEach(p -> to.add(new TopicPartition(topic, p)));
        }

        /** Each member in order takes the lowest partitions it may, up to its range size. */
        void deal(BiPredicate<String, Integer> may, Map<String, List<TopicPartition>> assignment) {
            for (String member : memberRacks.keySet()) {
                if (unassigned.isEmpty()) {
                    return;
                }
                int room = mayTake(member);
                List<Integer> given = new ArrayList<>();
                for (Iterator<Integer> it = unassigned.iterator(); it.hasNext() && given.size() < room; ) {
                    int p = it.next();
                    if (may.test(member, p)) {
                        given.add(p);
                    }
                }
                if (!given.isEmpty()) {
                    give(member, given, assignment);
                }
            }
        }
    }
}
