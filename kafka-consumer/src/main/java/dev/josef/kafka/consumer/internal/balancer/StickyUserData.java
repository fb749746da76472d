package dev.josef.kafka.consumer.internal.balancer;

import dev.josef.kafka.protocol.TopicPartition;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The user data kafka-clients' sticky assignors put in a subscription, byte for
 * byte, so a group mixing Josef and kafka-clients members stays sticky whoever
 * leads it.
 *
 * <p>{@code sticky} (version 1, no version field): an int32 count of topics, each
 * an int16-length UTF-8 name, an int32 count and that many int32 partitions;
 * then the int32 generation of that assignment. Version 0 had no generation, so
 * a reader takes a missing one as -1. {@code cooperative-sticky}: only the int32
 * generation, which subscription version 2 made redundant by carrying it itself.
 */
final class StickyUserData {
    /** What a member says it had, and in which generation; -1 when it does not say. */
    record Previous(List<TopicPartition> partitions, int generation) {
        static final Previous NOTHING = new Previous(List.of(), -1);
    }

    private StickyUserData() {
    }

    static ByteBuffer encode(Collection<TopicPartition> partitions, int generation) {
        Map<String, List<Integer>> byTopic = new TreeMap<>();
        partitions.forEach(tp -> byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition()));
        int size = 4 + 4;
        for (Map.Entry<String, List<Integer>> e : byTopic.entrySet()) {
            size += 2 + e.getKey().getBytes(StandardCharsets.UTF_8).length + 4 + 4 * e.getValue().size();
        }
        ByteBuffer buffer = ByteBuffer.allocate(size);
        buffer.putInt(byTopic.size());
        byTopic.forEach((topic, ps) -> {
            byte[] name = topic.getBytes(StandardCharsets.UTF_8);
            buffer.putShort((short) name.length);
            buffer.put(name);
            buffer.putInt(ps.size());
            ps.forEach(buffer::putInt);
        });
        buffer.putInt(generation);
        return buffer.flip();
    }

    /**
     * What a {@code sticky} member had. Unreadable user data counts as nothing,
     * as kafka-clients takes it: the member loses its stickiness, not the group its
     * rebalance.
     */
    static Previous decode(ByteBuffer userData) {
        if (userData == null || !userData.hasRemaining()) {
            return Previous.NOTHING;
        }
        ByteBuffer in = userData.duplicate();
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            int topics = count(in, 2 + 4);
            for (int t = 0; t < topics; t++) {
                int length = in.getShort();
                if (length < 0 || length > in.remaining()) {
                    return Previous.NOTHING;
                }
                byte[] name = new byte[length];
                in.get(name);
                String topic = new String(name, StandardCharsets.UTF_8);
                int count = count(in, 4);
                for (int i = 0; i < count; i++) {
                    int partition = in.getInt();
                    // A name Kafka would refuse cannot be a topic of this cluster; skip it, not the rest.
                    try {
                        partitions.add(new TopicPartition(topic, partition));
                    } catch (IllegalArgumentException notATopicPartition) {
                        // skipped
                    }
                }
            }
            int generation = in.remaining() >= 4 ? in.getInt() : -1;
            return new Previous(List.copyOf(partitions), generation);
        } catch (BufferUnderflowException | IllegalArgumentException unreadable) {
            return Previous.NOTHING;
        }
    }

    /** An array's count, refused when it is negative or more elements than bytes left could hold. */
    private static int count(ByteBuffer in, int minElementSize) {
        int count = in.getInt();
        if (count < 0 || (long) count * minElementSize > in.remaining()) {
            throw new IllegalArgumentException("bad array count " + count);
        }
        return count;
    }

    static ByteBuffer encodeGeneration(int generation) {
        return ByteBuffer.allocate(4).putInt(generation).flip();
    }

    /** The generation a {@code cooperative-sticky} member wrote; -1 when it wrote none or nothing readable. */
    static int decodeGeneration(ByteBuffer userData) {
        if (userData == null || userData.remaining() < 4) {
            return -1;
        }
        return userData.duplicate().getInt();
    }
}
