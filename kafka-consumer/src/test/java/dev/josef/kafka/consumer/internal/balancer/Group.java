package dev.josef.kafka.consumer.internal.balancer;

import dev.josef.kafka.consumer.spi.GroupBalancer.Member;
import dev.josef.kafka.consumer.spi.GroupBalancer.Topic;
import dev.josef.kafka.protocol.TopicPartition;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.GroupSubscription;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Subscription;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;

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
 * A group and its cluster, as Josef's balancers and kafka-clients' assignors each
 * take it, so one input can be run through both.
 */
final class Group {
    /** A cluster's broker, with its rack or none. */
    record Broker(int id, Optional<String> rack) {
    }

    /** A topic's partitions, each by the brokers holding its replicas. */
    record TopicLayout(String name, List<List<Broker>> replicas) {
    }

    final List<Broker> brokers;
    final Map<String, TopicLayout> cluster;
    final Map<String, Member> members;

    Group(List<Broker> brokers, Map<String, TopicLayout> cluster, Map<String, Member> members) {
        this.brokers = brokers;
        this.cluster = cluster;
        this.members = members;
    }

    /**
     * 1–8 members, about a third static; 1–6 topics of 1–20 partitions; each member
     * subscribing to a random subset, now and then to a topic the cluster lacks.
     * With racks: 1–4 racks over 6 brokers, replicas on 1–3 brokers, most members
     * in a rack (now and then one no broker is in).
     */
    static Group random(Random random, boolean racks) {
        int rackCount = 1 + random.nextInt(4);
        List<Broker> brokers = new ArrayList<>();
        for (int id = 0; id < 6; id++) {
            brokers.add(new Broker(id, racks ? Optional.of("rack-" + random.nextInt(rackCount)) : Optional.empty()));
        }
        Map<String, TopicLayout> cluster = new TreeMap<>();
        int topicCount = 1 + random.nextInt(6);
        while (cluster.size() < topicCount) {
            String name = "topic-" + (char) ('a' + random.nextInt(26)) + random.nextInt(10);
            int partitions = 1 + random.nextInt(20);
            List<List<Broker>> replicas = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                List<Broker> shuffled = new ArrayList<>(brokers);
                java.util.Collections.shuffle(shuffled, random);
                replicas.add(List.copyOf(shuffled.subList(0, 1 + random.nextInt(3))));
            }
            cluster.put(name, new TopicLayout(name, replicas));
        }
        List<String> names = List.copyOf(cluster.keySet());
        Map<String, Member> members = new LinkedHashMap<>();
        int memberCount = 1 + random.nextInt(8);
        while (members.size() < memberCount) {
            String id = "consumer-" + Integer.toHexString(random.nextInt(1 << 20));
            // The coordinator lets one member at a time hold a group.instance.id.
            Optional<String> instance = random.nextInt(3) == 0
                ? Optional.of("instance-" + Integer.toHexString(random.nextInt(1 << 12)) + "-" + members.size())
                : Optional.empty();
            Set<String> topics = new TreeSet<>();
            for (String name : names) {
                if (random.nextBoolean()) {
                    topics.add(name);
                }
            }
            if (topics.isEmpty() || random.nextInt(10) == 0) {
                topics.add(random.nextInt(10) == 0 ? "absent-topic" : names.get(random.nextInt(names.size())));
            }
            Optional<String> rack = racks && random.nextInt(5) != 0
                ? Optional.of("rack-" + random.nextInt(rackCount + (random.nextInt(8) == 0 ? 2 : 0)))
                : Optional.empty();
            members.put(id, new Member(id, instance, List.copyOf(topics), null, List.of(), -1, rack));
        }
        return new Group(brokers, cluster, members);
    }

    /**
     * A cluster laid out to match {@code topics}' replica racks: a broker in each
     * rack, and one in none for partitions whose replicas have no rack.
     */
    static Group of(Map<String, Topic> topics, Map<String, Member> members) {
        Map<String, Broker> byRack = new TreeMap<>();
        Broker rackless = new Broker(0, Optional.empty());
        topics.values().forEach(t -> t.partitionRacks().values().forEach(racks -> racks.forEach(rack ->
            byRack.computeIfAbsent(rack, r -> new Broker(1 + byRack.size(), Optional.of(r))))));
        List<Broker> brokers = new ArrayList<>(byRack.values());
        brokers.add(rackless);
        Map<String, TopicLayout> cluster = new TreeMap<>();
        topics.values().forEach(t -> {
            List<List<Broker>> replicas = new ArrayList<>();
            for (int p = 0; p < t.partitions(); p++) {
                List<Broker> holders = t.racks(p).stream().sorted().map(byRack::get).toList();
                replicas.add(holders.isEmpty() ? List.of(rackless) : holders);
            }
            cluster.put(t.name(), new TopicLayout(t.name(), replicas));
        });
        return new Group(brokers, cluster, members);
    }

    /** What Josef's balancers are given: the subscribed topics the cluster knows. */
    Map<String, Topic> topics() {
        Set<String> subscribed = new HashSet<>();
        members.values().forEach(m -> subscribed.addAll(m.topics()));
        Map<String, Topic> topics = new TreeMap<>();
        cluster.forEach((name, layout) -> {
            if (subscribed.contains(name)) {
                Map<Integer, Set<String>> racks = new HashMap<>();
                for (int p = 0; p < layout.replicas().size(); p++) {
                    Set<String> r = new HashSet<>();
                    layout.replicas().get(p).forEach(b -> b.rack().ifPresent(r::add));
                    racks.put(p, r);
                }
                topics.put(name, new Topic(name, layout.replicas().size(), racks));
            }
        });
        return topics;
    }

    Cluster kafkaCluster() {
        Map<Integer, Node> nodes = new HashMap<>();
        brokers.forEach(b -> nodes.put(b.id(), new Node(b.id(), "broker-" + b.id(), 9092, b.rack().orElse(null))));
        List<PartitionInfo> partitions = new ArrayList<>();
        cluster.forEach((name, layout) -> {
            for (int p = 0; p < layout.replicas().size(); p++) {
                Node[] replicas = layout.replicas().get(p).stream().map(b -> nodes.get(b.id())).toArray(Node[]::new);
                partitions.add(new PartitionInfo(name, p, replicas[0], replicas, replicas));
            }
        });
        return new Cluster("cluster", nodes.values(), partitions, Set.of(), Set.of());
    }

    /** The members as kafka-clients' leader reads their subscriptions. */
    GroupSubscription kafkaSubscriptions() {
        Map<String, Subscription> subscriptions = new HashMap<>();
        members.forEach((id, m) -> {
            Subscription s = new Subscription(m.topics(), m.userData(),
                m.owned().stream().map(Group::kafka).toList(), m.generation(), m.rack());
            s.setGroupInstanceId(m.instanceId());
            subscriptions.put(id, s);
        });
        return new GroupSubscription(subscriptions);
    }

    /** kafka-clients' assignment of this group, each member's partitions sorted. */
    Map<String, List<TopicPartition>> kafkaAssign(ConsumerPartitionAssignor assignor) {
        Map<String, List<TopicPartition>> result = new TreeMap<>();
        assignor.assign(kafkaCluster(), kafkaSubscriptions()).groupAssignment().forEach((id, a) ->
            result.put(id, a.partitions().stream().map(Group::josef).sorted().toList()));
        return result;
    }

    static org.apache.kafka.common.TopicPartition kafka(TopicPartition tp) {
        return new org.apache.kafka.common.TopicPartition(tp.topic(), tp.partition());
    }

    static TopicPartition josef(org.apache.kafka.common.TopicPartition tp) {
        return new TopicPartition(tp.topic(), tp.partition());
    }

    static Map<String, List<TopicPartition>> sorted(Map<String, List<TopicPartition>> assignment) {
        Map<String, List<TopicPartition>> result = new TreeMap<>();
        assignment.forEach((id, ps) -> result.put(id, ps.stream().sorted().toList()));
        return result;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        cluster.forEach((name, layout) -> {
            s.append(name);
            layout.replicas().forEach(r -> s.append(' ').append(r.stream()
                .map(b -> b.id() + b.rack().map(rack -> "@" + rack).orElse("")).toList()));
            s.append('\n');
        });
        members.values().forEach(m -> s.append(m.memberId()).append(' ').append(m.instanceId().orElse("-"))
            .append(' ').append(m.rack().orElse("-")).append(' ').append(m.topics()).append('\n'));
        return s.toString();
    }
}
