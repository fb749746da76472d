package dev.josef.kafka.consumer.internal.balancer;

import dev.josef.kafka.consumer.spi.GroupBalancer;
import dev.josef.kafka.consumer.spi.GroupBalancer.Member;
import dev.josef.kafka.consumer.spi.GroupBalancer.Topic;
import dev.josef.kafka.protocol.TopicPartition;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A group living through generations: members join, leave and change their
 * subscriptions, topics grow, and each rebalance's result is what the members
 * then own, report in their user data, and (cooperative) in their subscriptions.
 */
final class Rebalances {
    final Random random;
    final boolean sameTopics;
    final Map<String, Topic> cluster = new TreeMap<>();
    final Map<String, List<String>> subscriptions = new TreeMap<>();
    final Map<String, Optional<String>> racks = new HashMap<>();
    /** What each member owns and the generation it got it in; -1 before its first assignment. */
    final Map<String, List<TopicPartition>> owned = new TreeMap<>();
    final Map<String, Integer> ownedGeneration = new HashMap<>();
    int generation;
    /** Whether the last {@link #change()} changed anything. */
    boolean changed;
    private int nextMember;

    Rebalances(Random random, boolean sameTopics, boolean withRacks) {
        this.random = random;
        this.sameTopics = sameTopics;
        int topicCount = 1 + random.nextInt(6);
        for (int t = 0; t < topicCount; t++) {
            String name = "topic-" + t;
            int partitions = 1 + random.nextInt(20);
            Map<Integer, Set<String>> partitionRacks = new HashMap<>();
            for (int p = 0; p < partitions && withRacks; p++) {
                partitionRacks.put(p, new HashSet<>(List.of("rack-" + random.nextInt(3), "rack-" + random.nextInt(3))));
            }
            cluster.put(name, new Topic(name, partitions, partitionRacks));
        }
        int members = 1 + random.nextInt(8);
        for (int m = 0; m < members; m++) {
            join(withRacks);
        }
    }

    private void join(boolean withRacks) {
        String id = "member-" + Integer.toHexString(random.nextInt(1 << 16)) + "-" + nextMember++;
        subscriptions.put(id, randomTopics());
        racks.put(id, withRacks && random.nextInt(4) != 0 ? Optional.of("rack-" + random.nextInt(3)) : Optional.empty());
        owned.put(id, List.of());
        ownedGeneration.put(id, -1);
    }

    private List<String> randomTopics() {
        List<String> names = List.copyOf(cluster.keySet());
        if (sameTopics) {
            return names;
        }
        Set<String> topics = new TreeSet<>();
        names.forEach(n -> {
            if (random.nextBoolean()) {
                topics.add(n);
            }
        });
        if (topics.isEmpty()) {
            topics.add(names.get(random.nextInt(names.size())));
        }
        return List.copyOf(topics);
    }

    /** Maybe one change before the next rebalance: a member leaves or joins, resubscribes, or a topic grows. */
    void change() {
        changed = true;
        int roll = random.nextInt(10);
        boolean withRacks = racks.values().stream().anyMatch(Optional::isPresent)
            || cluster.values().stream().anyMatch(t -> !t.partitionRacks().isEmpty());
        if (roll < 2 && subscriptions.size() > 1) {
            String gone = List.copyOf(subscriptions.keySet()).get(random.nextInt(subscriptions.size()));
            subscriptions.remove(gone);
            owned.remove(gone);
            ownedGeneration.remove(gone);
        } else if (roll < 4 && subscriptions.size() < 8) {
            join(withRacks);
        } else if (roll < 5 && !sameTopics) {
            String member = List.copyOf(subscriptions.keySet()).get(random.nextInt(subscriptions.size()));
            subscriptions.put(member, randomTopics());
        } else if (roll < 6) {
            Topic grown = List.copyOf(cluster.values()).get(random.nextInt(cluster.size()));
            Map<Integer, Set<String>> partitionRacks = new HashMap<>(grown.partitionRacks());
            if (!partitionRacks.isEmpty()) {
                partitionRacks.put(grown.partitions(), Set.of("rack-" + random.nextInt(3)));
            }
            cluster.put(grown.name(), new Topic(grown.name(), grown.partitions() + 1, partitionRacks));
        } else {
            changed = false;
        }
    }

    /** The members as the leader sees them, each reporting what it owns through {@code balancer}. */
    Map<String, Member> members(GroupBalancer balancer, boolean reportOwned) {
        Map<String, Member> members = new LinkedHashMap<>();
        subscriptions.forEach((id, topics) -> {
            int gen = ownedGeneration.get(id);
            List<TopicPartition> mine = owned.get(id);
            members.put(id, new Member(id, Optional.empty(), topics,
                balancer.userData(new TreeSet<>(topics), new TreeSet<>(mine), gen),
                reportOwned ? mine : List.of(), reportOwned ? gen : -1, racks.get(id)));
        });
        return members;
    }

    /** The subscribed topics the cluster has. */
    Map<String, Topic> topics() {
        Set<String> subscribed = new HashSet<>();
        subscriptions.values().forEach(subscribed::addAll);
        Map<String, Topic> topics = new TreeMap<>();
        cluster.forEach((name, t) -> {
            if (subscribed.contains(name)) {
                topics.put(name, t);
            }
        });
        return topics;
    }

    /** The members take the result: it is what they own from this generation on. */
    void adopt(Map<String, List<TopicPartition>> result) {
        generation++;
        result.forEach((id, ps) -> {
            owned.put(id, ps.stream().sorted().toList());
            ownedGeneration.put(id, generation);
        });
    }

    /**
     * What each member owns that it can still be given: the partition exists and
     * the member still subscribes to its topic.
     */
    Map<String, Set<TopicPartition>> stillValid() {
        Map<String, Set<TopicPartition>> valid = new TreeMap<>();
        owned.forEach((id, ps) -> {
            Set<TopicPartition> keep = new HashSet<>();
            for (TopicPartition tp : ps) {
                Topic t = cluster.get(tp.topic());
                if (subscriptions.get(id).contains(tp.topic()) && tp.partition() < t.partitions()) {
                    keep.add(tp);
                }
            }
            valid.put(id, keep);
        });
        return valid;
    }

    static int retained(Map<String, List<TopicPartition>> result, Map<String, Set<TopicPartition>> before) {
        int kept = 0;
        for (var e : result.entrySet()) {
            for (TopicPartition tp : e.getValue()) {
                if (before.getOrDefault(e.getKey(), Set.of()).contains(tp)) {
                    kept++;
                }
            }
        }
        return kept;
    }

    /**
     * The most partitions any exactly balanced assignment lets members keep when
     * all subscribe to the same topics: each its share, and the longer shares to
     * members that had at least that many.
     */
    static int mostKeepable(Map<String, Set<TopicPartition>> before, int partitions) {
        int members = before.size();
        int minQuota = partitions / members;
        int longer = partitions % members;
        int keepable = 0;
        int couldKeepLonger = 0;
        for (Set<TopicPartition> had : before.values()) {
            keepable += Math.min(had.size(), minQuota);
            if (had.size() > minQuota) {
                couldKeepLonger++;
            }
        }
        return keepable + Math.min(longer, couldKeepLonger);
    }

    /** A partition that could go from a member to one that subscribes to its topic and has two fewer. */
    static Optional<String> evenableByOneMove(Map<String, Member> members, Map<String, List<TopicPartition>> result) {
        for (var giver : result.entrySet()) {
            for (TopicPartition tp : giver.getValue()) {
                for (var taker : result.entrySet()) {
                    if (members.get(taker.getKey()).topics().contains(tp.topic())
                        && taker.getValue().size() <= giver.getValue().size() - 2) {
                        return Optional.of(tp + " could go from " + giver.getKey() + " to " + taker.getKey());
                    }
                }
            }
        }
        return Optional.empty();
    }

    static int spread(Map<String, List<TopicPartition>> result) {
        int max = result.values().stream().mapToInt(List::size).max().orElse(0);
        int min = result.values().stream().mapToInt(List::size).min().orElse(0);
        return max - min;
    }

    static int partitionCount(Map<String, Topic> topics) {
        return topics.values().stream().mapToInt(Topic::partitions).sum();
    }

    static Map<String, List<TopicPartition>> copy(Map<String, List<TopicPartition>> result) {
        Map<String, List<TopicPartition>> copy = new TreeMap<>();
        result.forEach((id, ps) -> copy.put(id, new ArrayList<>(ps.stream().sorted().toList())));
        return copy;
    }
}
