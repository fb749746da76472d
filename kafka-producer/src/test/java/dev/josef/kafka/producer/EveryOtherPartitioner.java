package dev.josef.kafka.producer;

import dev.josef.kafka.producer.spi.Partitioner;

/** A Partitioner provider for the discovery test: even-numbered partitions only, by key length. */
public final class EveryOtherPartitioner implements Partitioner {
    @Override
    public String name() {
        return "test-every-other";
    }

    @Override
    public int partition(String topic, byte[] key, byte[] value, int partitionCount) {
        int slots = (partitionCount + 1) / 2;
        return 2 * ((key == null ? 0 : key.length) % slots);
    }
}
