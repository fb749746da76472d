package dev.josef.kafka.producer.spi;

/** Keys by murmur2, as kafka-clients; records without a key are left to the producer's sticky spreading. */
final class DefaultPartitioner implements Partitioner {
    static final DefaultPartitioner INSTANCE = new DefaultPartitioner();

    private DefaultPartitioner() {
    }

    @Override
    public String name() {
        return "default";
    }

    @Override
    public int partition(String topic, byte[] key, byte[] value, int partitionCount) {
        return key == null ? UNASSIGNED : Partitioner.keyHash(key) % partitionCount;
    }

    @Override
    public String toString() {
        return "default (murmur2 for keys, sticky for the rest)";
    }
}
