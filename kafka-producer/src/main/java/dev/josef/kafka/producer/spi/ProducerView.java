package dev.josef.kafka.producer.spi;

import dev.josef.kafka.protocol.TopicPartition;

import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * What a producer tells about itself on demand, for gauges and span attributes:
 * {@link ProducerHook#onOpen} hands it over, and it may be read from any thread
 * until {@link ProducerHook#onClose}. Every method is cheap and takes no lock.
 */
public interface ProducerView {

    /** Bytes of records buffered and not yet answered (their encoded size, at most). */
    long bufferedBytes();

    /** Records buffered and not yet answered. */
    int bufferedRecords();

    /** The buffer's limit in bytes ({@code bufferMemory}). */
    long bufferLimitBytes();

    /** Produce requests sent and not yet answered, over all brokers. */
    int requestsInFlight();

    /** The address of {@code partition}'s leader in the producer's current metadata (unresolved), if known. */
    Optional<InetSocketAddress> leader(TopicPartition partition);
}
