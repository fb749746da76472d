package dev.josef.kafka.producer.spi;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Each topic's partitions in turn, one counter per topic. */
final class RoundRobinPartitioner implements Partitioner {
    private final ConcurrentMap<String, AtomicInteger> next = new ConcurrentHashMap<>();

    @Override
    public String name() {
        return "round-robin";
    }

    @Override
    public int partition(String topic, byte[] key, byte[] value, int partitionCount) {
        int turn = next.computeIfAbsent(topic, t -> new AtomicInteger()).getAndIncrement();
        return (turn & 0x7fffffff) % partitionCount;
    }

    @Override
    public String toString() {
        return "round-robin";
    }
}
