package dev.josef.kafka.consumer;

import dev.josef.kafka.consumer.spi.ConsumerHook;
import dev.josef.kafka.net.internal.Providers;
import dev.josef.kafka.protocol.KafkaException;
import dev.josef.kafka.protocol.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import java.util.function.Consumer;

/** A consumer's hooks, sorted by order, each call guarded so a failing hook harms nothing else. */
final class ConsumerHooks {
    private static final Logger LOG = LoggerFactory.getLogger(ConsumerHooks.class);

    private final List<ConsumerHook> hooks;
    private final String clientId;

    ConsumerHooks(List<ConsumerHook> given, String clientId) {
        List<ConsumerHook> all = new ArrayList<>(given);
        all.addAll(Providers.collect(ServiceLoader.load(ConsumerHook.class).iterator(), "ConsumerHook"));
        this.hooks = all.stream().sorted(Comparator.comparingInt(ConsumerHooks::orderOf)).toList();
        this.clientId = clientId;
    }

    boolean isEmpty() {
        return hooks.isEmpty();
    }

    void fetch(int nodeId, int partitions, long bytes, long latencyNanos) {
        each(h -> h.onFetch(clientId, nodeId, partitions, bytes, latencyNanos));
    }

    void batchFetched(TopicPartition partition, long baseOffset, int records, int bytes, int compression) {
        each(h -> h.onBatchFetched(clientId, partition, baseOffset, records, bytes, compression));
    }

    void polled(ConsumerRecords records) {
        each(h -> h.onRecordsPolled(clientId, records));
    }

    void partitionError(TopicPartition partition, KafkaException error) {
        each(h -> h.onPartitionError(clientId, partition, error));
    }

    private void each(Consumer<ConsumerHook> call) {
        for (ConsumerHook hook : hooks) {
            try {
                call.accept(hook);
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("consumer {}: hook {} failed; ignoring it for this event", clientId, hook.getClass().getName(), e);
            }
        }
    }

    private static int orderOf(ConsumerHook hook) {
        try {
            return hook.order();
        } catch (RuntimeException e) {
            return 0;
        }
    }
}
