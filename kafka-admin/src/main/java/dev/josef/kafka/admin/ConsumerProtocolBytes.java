package dev.josef.kafka.admin;

import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.protocol.message.ConsumerProtocolAssignment;
import dev.josef.kafka.protocol.message.ConsumerProtocolSubscription;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Reads the member metadata and assignment bytes that DescribeGroups returns for
 * a classic group of protocol type {@code consumer}: an int16 version, then the
 * ConsumerProtocolSubscription or ConsumerProtocolAssignment body at that
 * version. Fields are only ever appended, so a version newer than the specs
 * Josef was built from is read at the newest known one and its tail ignored,
 * as kafka-clients does. kafka-admin may not depend on kafka-consumer, which
 * writes these bytes, so the reading is repeated here.
 */
final class ConsumerProtocolBytes {
    /** What a member subscribed to, sorted. */
    record Subscription(List<String> topics, Optional<String> rackId) {
    }

    private ConsumerProtocolBytes() {
    }

    /**
     * An empty array is no subscription: DescribeGroups leaves the metadata out
     * while a classic group is not Stable.
     *
     * @throws IllegalArgumentException when the bytes are not a subscription
     */
    static Subscription subscription(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            return new Subscription(List.of(), Optional.empty());
        }
        ByteBuffer in = ByteBuffer.wrap(bytes);
        short version = version(in, "subscription");
        try {
            ConsumerProtocolSubscription s = ConsumerProtocolSubscription.read(in,
                    (short) Math.min(version, ConsumerProtocolSubscription.HIGHEST_VERSION));
            return new Subscription(List.copyOf(new TreeSet<>(s.topics())),
                    Optional.ofNullable(s.rackId()).filter(r -> !r.isEmpty()));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("a consumer protocol subscription (version " + version
                    + ") does not parse: " + e.getMessage(), e);
        }
    }

    /**
     * An empty array is no partitions: a member between JoinGroup and SyncGroup
     * has no assignment yet.
     *
     * @throws IllegalArgumentException when the bytes are not an assignment
     */
    static List<TopicPartition> assignment(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            return List.of();
        }
        ByteBuffer in = ByteBuffer.wrap(bytes);
        short version = version(in, "assignment");
        try {
            ConsumerProtocolAssignment a = ConsumerProtocolAssignment.read(in,
                    (short) Math.min(version, ConsumerProtocolAssignment.HIGHEST_VERSION));
            TreeSet<TopicPartition> partitions = new TreeSet<>();
            for (ConsumerProtocolAssignment.TopicPartition t : a.assignedPartitions()) {
                for (int p : t.partitions()) {
                    partitions.add(new TopicPartition(t.topic(), p));
                }
            }
            return List.copyOf(partitions);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("a consumer protocol assignment (version " + version
                    + ") does not parse: " + e.getMessage(), e);
        }
    }

    private static short version(ByteBuffer in, String what) {
        if (in.remaining() < 2) {
            throw new IllegalArgumentException("a consumer protocol " + what + " of " + in.remaining()
                    + " byte has no version");
        }
        short version = in.getShort();
        if (version < 0) {
            throw new IllegalArgumentException("a consumer protocol " + what + " has version " + version);
        }
        return version;
    }
}
