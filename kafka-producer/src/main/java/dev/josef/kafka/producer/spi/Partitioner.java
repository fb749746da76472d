package dev.josef.kafka.producer.spi;

/**
 * Chooses the partition of a record that does not name one.
 *
 * <p>Chosen in configuration by {@link #name()} ({@code partitioner}, or
 * kafka-clients' {@code partitioner.class} for the classes that map), or passed
 * as an instance to the producer's builder, which wins over discovery. Providers
 * are found with {@link java.util.ServiceLoader}. Built in:
 * {@link #defaultPartitioner()} ({@code "default"}), {@link #roundRobin()}
 * ({@code "round-robin"}) and {@link #manual()} ({@code "manual"}).
 *
 * <p>Called on the producing thread, for every record without a partition, so
 * it must be fast and thread-safe. An exception it throws fails that record's
 * {@code produce} call and nothing else.
 */
public interface Partitioner {
    /**
     * Returned to leave the choice to the producer, which then spreads records
     * with uniform sticky batching (KIP-794): it fills a batch on one partition
     * of the topic, then moves to another partition that has a leader.
     */
    int UNASSIGNED = -1;

    /** The name configuration chooses this partitioner by. */
    String name();

    /**
     * The partition of {@code topic} for a record, from 0 to
     * {@code partitionCount - 1}, or {@link #UNASSIGNED}.
     *
     * @param key   the record's key; null when it has none
     * @param value the record's value; null for a tombstone
     */
    int partition(String topic, byte[] key, byte[] value, int partitionCount);

    /**
     * kafka-clients' default: a keyed record goes to
     * {@code (murmur2(key) & 0x7fffffff) % partitionCount}, the partition
     * kafka-clients (and every client that copies it) picks for the same key, so
     * records of one key stay in order across clients; a record without a key is
     * spread by the producer ({@link #UNASSIGNED}).
     */
    static Partitioner defaultPartitioner() {
        return DefaultPartitioner.INSTANCE;
    }

    /** Every record, keyed or not, to the topic's next partition in turn. */
    static Partitioner roundRobin() {
        return new RoundRobinPartitioner();
    }

    /** Every record must name its partition; one that does not is refused at the call. */
    static Partitioner manual() {
        return ManualPartitioner.INSTANCE;
    }

    /** {@code murmur2(key) & 0x7fffffff}: the hash kafka-clients partitions keys by. */
    static int keyHash(byte[] key) {
        return Murmur2.hash(key) & 0x7fffffff;
    }
}
