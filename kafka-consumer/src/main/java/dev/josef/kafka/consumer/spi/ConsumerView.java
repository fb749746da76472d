package dev.josef.kafka.consumer.spi;

import dev.josef.kafka.protocol.TopicPartition;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;

/**
 * What a consumer tells about itself on demand, for gauges and span attributes:
 * {@link ConsumerHook#onOpen} hands it over, and it may be read from any thread
 * until {@link ConsumerHook#onClose}.
 */
public interface ConsumerView {

    /** The consumer's group, if it has one. */
    Optional<String> groupId();

    /**
     * Each assigned partition's lag whose end is known: the last fetch's high
     * watermark (the last stable offset with read_committed) minus the position.
     * A copy, taken under the fetcher's lock for a moment.
     */
    Map<TopicPartition, Long> lags();

    /** The address of {@code partition}'s leader in the consumer's current metadata (unresolved), if known. */
    Optional<InetSocketAddress> leader(TopicPartition partition);
}
