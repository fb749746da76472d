package dev.josef.kafka.producer;

import dev.josef.kafka.net.internal.GuardedHooks;
import dev.josef.kafka.producer.spi.ProducerView;
import dev.josef.kafka.producer.spi.ProducerHook;
import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.protocol.internal.Providers;

import java.util.List;
import java.util.ServiceLoader;

/**
 * A producer's hooks: those given to the builder and those ServiceLoader finds,
 * by {@code order()}, each call guarded ({@link GuardedHooks}). Which thread
 * calls each is said in {@link ProducerHook}; never one holding a producer lock.
 */
final class ProducerHooks {
    private final GuardedHooks<ProducerHook> hooks;
    private final String clientId;
    /** What {@link #open} handed over; {@link #close} hands it back. */
    private volatile ProducerView view;

    ProducerHooks(List<ProducerHook> given, String clientId) {
        this.hooks = new GuardedHooks<>(Providers.ordered(given, ServiceLoader.load(ProducerHook.class).iterator(),
                "ProducerHook", ProducerHook::order), "producer " + clientId);
        this.clientId = clientId;
    }

    boolean isEmpty() {
        return hooks.isEmpty();
    }

    ProducerRecord produce(ProducerRecord record) {
        return hooks.transform("onProduce", record, (h, r) -> h.onProduce(clientId, r));
    }

    void buffered(ProducerRecord record, TopicPartition partition, int bytes) {
        hooks.each("onBuffered", h -> h.onBuffered(clientId, record, partition, bytes));
    }

    void batchSent(TopicPartition partition, int records, int bytes, int attempt) {
        hooks.each("onBatchSent", h -> h.onBatchSent(clientId, partition, records, bytes, attempt));
    }

    void acknowledged(ProducerRecord record, RecordMetadata metadata, long bufferNanos, long inFlightNanos) {
        hooks.each("onAcknowledged", h -> h.onAcknowledged(clientId, record, metadata, bufferNanos, inFlightNanos));
    }

    void failed(ProducerRecord record, Throwable error, long bufferNanos, long inFlightNanos) {
        hooks.each("onFailed", h -> h.onFailed(clientId, record, error, bufferNanos, inFlightNanos));
    }

    void dataLoss(DataLossException loss) {
        hooks.each("onDataLoss", h -> h.onDataLoss(clientId, loss));
    }

    void open(ProducerView view) {
        this.view = view;
        hooks.each("onOpen", h -> h.onOpen(clientId, view));
    }

    void close() {
        ProducerView opened = view;
        if (opened != null) {
            hooks.each("onClose", h -> h.onClose(clientId, opened));
        }
    }

    void requestSent(int nodeId, int batches, int records, int bytes) {
        hooks.each("onRequestSent", h -> h.onRequestSent(clientId, nodeId, batches, records, bytes));
    }

    void transactionEnd(String transactionalId, boolean commit, long durationNanos, Throwable error) {
        hooks.each("onTransactionEnd", h -> h.onTransactionEnd(clientId, transactionalId, commit, durationNanos,
                error));
    }
}
