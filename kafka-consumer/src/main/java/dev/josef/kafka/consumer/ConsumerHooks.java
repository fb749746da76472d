package dev.josef.kafka.consumer;

import dev.josef.kafka.consumer.spi.ConsumerHook;
import dev.josef.kafka.consumer.spi.ConsumerView;
import dev.josef.kafka.consumer.spi.RebalanceStep;
import dev.josef.kafka.net.internal.GuardedHooks;
import dev.josef.kafka.protocol.KafkaException;
import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.protocol.internal.Providers;

import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * A consumer's hooks: those given to the builder and those ServiceLoader finds,
 * by {@code order()}, each call guarded ({@link GuardedHooks}).
 */
final class ConsumerHooks {
    private final GuardedHooks<ConsumerHook> hooks;
    private final String clientId;
    /** What {@link #open} handed over; {@link #close} hands it back. */
    private volatile ConsumerView view;

    ConsumerHooks(List<ConsumerHook> given, String clientId) {
        this.hooks = new GuardedHooks<>(Providers.ordered(given, ServiceLoader.load(ConsumerHook.class).iterator(),
                "ConsumerHook", ConsumerHook::order), "consumer " + clientId);
        this.clientId = clientId;
    }

    boolean isEmpty() {
        return hooks.isEmpty();
    }

    void fetch(int nodeId, int partitions, long bytes, long latencyNanos) {
        hooks.each("onFetch", h -> h.onFetch(clientId, nodeId, partitions, bytes, latencyNanos));
    }

    void batchFetched(TopicPartition partition, long baseOffset, int records, int bytes, int compression) {
        hooks.each("onBatchFetched", h -> h.onBatchFetched(clientId, partition, baseOffset, records, bytes, compression));
    }

    void polled(ConsumerRecords records) {
        hooks.each("onRecordsPolled", h -> h.onRecordsPolled(clientId, records));
    }

    void partitionError(TopicPartition partition, KafkaException error) {
        hooks.each("onPartitionError", h -> h.onPartitionError(clientId, partition, error));
    }

    void open(ConsumerView view) {
        this.view = view;
        hooks.each("onOpen", h -> h.onOpen(clientId, view));
    }

    void close() {
        ConsumerView opened = view;
        if (opened != null) {
            hooks.each("onClose", h -> h.onClose(clientId, opened));
        }
    }

    void commit(String groupId, Map<TopicPartition, OffsetAndMetadata> offsets, long durationNanos,
                KafkaException error) {
        hooks.each("onCommit", h -> h.onCommit(clientId, groupId, offsets, durationNanos, error));
    }

    void rebalance(String groupId, RebalanceStep step) {
        hooks.each("onRebalance", h -> h.onRebalance(clientId, groupId, step));
    }
}
