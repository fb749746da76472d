package dev.josef.kafka.consumer.spi;

import dev.josef.kafka.net.spi.Hook;
import dev.josef.kafka.consumer.ConsumerRecords;
import dev.josef.kafka.consumer.OffsetAndMetadata;
import dev.josef.kafka.protocol.KafkaException;
import dev.josef.kafka.protocol.TopicPartition;

import java.util.Map;

/**
 * Observes a consumer: fetches, batches, polls and partition errors, for metrics
 * and tracing (kafka-otel). Every hook is applied, lower {@link #order()} first;
 * hooks come from the consumer's builder and from ServiceLoader. A hook that
 * throws is logged and ignored for that event. Hooks must be fast and
 * thread-safe: {@link #onFetch} runs on the consumer's fetcher thread,
 * {@link #onCommit} when the commit ends, on the consumer's group thread (or on
 * the committing thread, when it ended before that thread could wait; never the
 * I/O thread, never under a lock), {@link #onOpen} and
 * {@link #onClose} on the thread that creates or closes the consumer, the
 * others on the thread that polls.
 */
public interface ConsumerHook extends Hook {

    /**
     * A Fetch answered by broker {@code nodeId}.
     *
     * @param partitions   how many partitions the answer carried data or an error for
     * @param bytes        the record bytes it carried
     * @param latencyNanos from sending the request to handling its answer, the broker's wait for data included
     */
    default void onFetch(String clientId, int nodeId, int partitions, long bytes, long latencyNanos) {
    }

    /**
     * A fetched batch was decoded for the application.
     *
     * @param compression the batch's codec id (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd)
     */
    default void onBatchFetched(String clientId, TopicPartition partition, long baseOffset, int records, int bytes,
                                int compression) {
    }

    /** A poll is about to return {@code records} (not called for an empty poll). */
    default void onRecordsPolled(String clientId, ConsumerRecords records) {
    }

    /** A partition met an error that the poll reports. */
    default void onPartitionError(String clientId, TopicPartition partition, KafkaException error) {
    }

    /**
     * The consumer was created; {@code view} tells its state on demand
     * until {@link #onClose} (for gauges a metrics reader polls).
     */
    default void onOpen(String clientId, ConsumerView view) {
    }

    /** The consumer closed (after leaving its group). */
    default void onClose(String clientId, ConsumerView view) {
    }

    /**
     * An offset commit to group {@code groupId} ended: {@code error} is null when
     * the coordinator took every offset, else why it failed. A commit still
     * queued when the consumer closes is not reported.
     *
     * @param durationNanos from the commit being made (queued) until its answer
     */
    default void onCommit(String clientId, String groupId, Map<TopicPartition, OffsetAndMetadata> offsets,
                          long durationNanos, KafkaException error) {
    }

    /**
     * A rebalance step ran on the application's side (after its rebalance
     * hooks), with how long it waited for the application and how long it ran.
     */
    default void onRebalance(String clientId, String groupId, RebalanceStep step) {
    }
}
