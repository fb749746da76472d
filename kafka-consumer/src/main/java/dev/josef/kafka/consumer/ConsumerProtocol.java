package dev.josef.kafka.consumer;

import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.protocol.internal.WireWriter;
import dev.josef.kafka.protocol.message.ConsumerProtocolAssignment;
import dev.josef.kafka.protocol.message.ConsumerProtocolSubscription;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The bytes of the classic group protocol's "consumer" type: a member's
 * subscription in JoinGroup and its assignment in SyncGroup. Both start with an
 * int16 version; a version above what Josef writes is read with the newest
 * layout Josef knows and its tail ignored, as the protocol asks, so newer
 * kafka-clients members can share a group with Josef.
 */
final class ConsumerProtocol {
    static final String PROTOCOL_TYPE = "consumer";
    /** v3 carries the rack (KIP-881); v1 owned partitions (KIP-429); v2 the generation. */
    static final short SUBSCRIPTION_VERSION = 3;
    static final short ASSIGNMENT_VERSION = 3;

    /** A subscription as a member sends it. */
    record Subscription(List<String> topics, ByteBuffer userData, List<TopicPartition> owned, int generation,
                        Optional<String> rack) {
    }

    private ConsumerProtocol() {
    }

    static byte[] subscription(Collection<String> topics, ByteBuffer userData, Collection<TopicPartition> owned,
                               int generation, String rack) {
        ConsumerProtocolSubscription s = new ConsumerProtocolSubscription()
                .setTopics(new ArrayList<>(new TreeSet<>(topics)))
                .setUserData(userData)
                .setOwnedPartitions(byTopic(owned))
                .setGenerationId(generation)
                .setRackId(rack == null || rack.isEmpty() ? null : rack);
        return withVersion(s.size(SUBSCRIPTION_VERSION), SUBSCRIPTION_VERSION, w -> s.write(w, SUBSCRIPTION_VERSION));
    }

    /** @throws IllegalArgumentException when the bytes are not a subscription */
    static Subscription subscription(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        short version = readVersion(in, "subscription");
        try {
            ConsumerProtocolSubscription s = ConsumerProtocolSubscription.read(in,
                    (short) Math.min(version, ConsumerProtocolSubscription.HIGHEST_VERSION));
            List<TopicPartition> owned = new ArrayList<>();
            for (ConsumerProtocolSubscription.TopicPartition t : s.ownedPartitions()) {
                t.partitions().forEach(p -> owned.add(new TopicPartition(t.topic(), p)));
            }
            owned.sort(null);
            List<String> topics = new ArrayList<>(new TreeSet<>(s.topics()));
            return new Subscription(topics, s.userData(), owned, version >= 2 ? s.generationId() : -1,
                    Optional.ofNullable(s.rackId()).filter(r -> !r.isEmpty()));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("a member's subscription (version " + version + ") does not parse: "
                    + e.getMessage(), e);
        }
    }

    static byte[] assignment(Collection<TopicPartition> partitions) {
        ConsumerProtocolAssignment a = new ConsumerProtocolAssignment();
        Map<String, List<Integer>> grouped = group(partitions);
        List<ConsumerProtocolAssignment.TopicPartition> topics = new ArrayList<>();
        grouped.forEach((topic, ps) -> topics.add(new ConsumerProtocolAssignment.TopicPartition()
                .setTopic(topic).setPartitions(ps)));
        a.setAssignedPartitions(topics);
        return withVersion(a.size(ASSIGNMENT_VERSION), ASSIGNMENT_VERSION, w -> a.write(w, ASSIGNMENT_VERSION));
    }

    /**
     * The partitions of an assignment; an empty array (a follower's share of a
     * SyncGroup that failed, or a leader that assigned nothing) is no partitions.
     *
     * @throws IllegalArgumentException when the bytes are not an assignment
     */
    static List<TopicPartition> assignment(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            return List.of();
        }
        ByteBuffer in = ByteBuffer.wrap(bytes);
        short version = readVersion(in, "assignment");
        try {
            ConsumerProtocolAssignment a = ConsumerProtocolAssignment.read(in,
                    (short) Math.min(version, ConsumerProtocolAssignment.HIGHEST_VERSION));
            List<TopicPartition> partitions = new ArrayList<>();
            for (ConsumerProtocolAssignment.TopicPartition t : a.assignedPartitions()) {
                t.partitions().forEach(p -> partitions.add(new TopicPartition(t.topic(), p)));
            }
            partitions.sort(null);
            return partitions;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("the group's assignment (version " + version + ") does not parse: "
                    + e.getMessage(), e);
        }
    }

    private static short readVersion(ByteBuffer in, String what) {
        if (in.remaining() < 2) {
            throw new IllegalArgumentException("a consumer protocol " + what + " of " + in.remaining()
                    + " bytes has no version");
        }
        short version = in.getShort();
        if (version < 0) {
            throw new IllegalArgumentException("a consumer protocol " + what + " has version " + version);
        }
        return version;
    }

    private static List<ConsumerProtocolSubscription.TopicPartition> byTopic(Collection<TopicPartition> owned) {
        List<ConsumerProtocolSubscription.TopicPartition> out = new ArrayList<>();
        group(owned).forEach((topic, ps) -> out.add(new ConsumerProtocolSubscription.TopicPartition()
                .setTopic(topic).setPartitions(ps)));
        return out;
    }

    /** Sorted by topic, then partition, as kafka-clients writes them. */
    private static Map<String, List<Integer>> group(Collection<TopicPartition> partitions) {
        Map<String, List<Integer>> grouped = new TreeMap<>();
        for (TopicPartition tp : new TreeSet<>(partitions)) {
            grouped.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition());
        }
        return grouped;
    }

    private interface Body {
        void write(WireWriter writer);
    }

    private static byte[] withVersion(int size, short version, Body body) {
        ByteBuffer buffer = ByteBuffer.allocate(2 + size);
        buffer.putShort(version);
        body.write(new WireWriter(buffer));
        return buffer.array();
    }
}
