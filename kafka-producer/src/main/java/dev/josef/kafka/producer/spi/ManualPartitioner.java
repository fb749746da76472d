package dev.josef.kafka.producer.spi;

/** For applications that always choose: a record without a partition is a mistake, said at the call. */
final class ManualPartitioner implements Partitioner {
    static final ManualPartitioner INSTANCE = new ManualPartitioner();

    private ManualPartitioner() {
    }

    @Override
    public String name() {
        return "manual";
    }

    @Override
    public int partition(String topic, byte[] key, byte[] value, int partitionCount) {
        throw new IllegalArgumentException("the record for topic " + topic + " names no partition, and the "
                + "'manual' partitioner needs every record to name one (0 to " + (partitionCount - 1) + ")");
    }

    @Override
    public String toString() {
        return "manual";
    }
}
