package dev.josef.kafka.producer;

import dev.josef.kafka.net.internal.Providers;
import dev.josef.kafka.producer.spi.ProducerHook;
import dev.josef.kafka.protocol.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import java.util.function.Consumer;

/** A producer's hooks, sorted by order, each call guarded so a failing hook harms nothing else. */
final class ProducerHooks {
    private static final Logger LOG = LoggerFactory.getLogger(ProducerHooks.class);

    private final List<ProducerHook> hooks;
    private final String clientId;

    ProducerHooks(List<ProducerHook> given, String clientId) {
        List<ProducerHook> all = new ArrayList<>(given);
        all.addAll(installed());
        this.hooks = all.stream().sorted(Comparator.comparingInt(ProducerHooks::orderOf)).toList();
        this.clientId = clientId;
    }

    /** The hooks ServiceLoader finds; a provider that fails to load is logged and skipped. */
    static List<ProducerHook> installed() {
        return Providers.collect(ServiceLoader.load(ProducerHook.class).iterator(), "ProducerHook");
    }

    boolean isEmpty() {
        return hooks.isEmpty();
    }

    ProducerRecord produce(ProducerRecord record) {
        ProducerRecord current = record;
        for (ProducerHook hook : hooks) {
            try {
                ProducerRecord changed = hook.onProduce(clientId, current);
                if (changed != null) {
                    current = changed;
                }
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("producer {}: hook {} failed in onProduce; the record goes on unchanged by it",
                        clientId, hook.getClass().getName(), e);
            }
        }
        return current;
    }

    void buffered(ProducerRecord record, TopicPartition partition, int bytes) {
        each(h -> h.onBuffered(clientId, record, partition, bytes));
    }

    void batchSent(TopicPartition partition, int records, int bytes, int attempt) {
        each(h -> h.onBatchSent(clientId, partition, records, bytes, attempt));
    }

    void acknowledged(ProducerRecord record, RecordMetadata metadata, long bufferNanos, long inFlightNanos) {
        each(h -> h.onAcknowledged(clientId, record, metadata, bufferNanos, inFlightNanos));
    }

    void failed(ProducerRecord record, Throwable error, long bufferNanos, long inFlightNanos) {
        each(h -> h.onFailed(clientId, record, error, bufferNanos, inFlightNanos));
    }

    void dataLoss(DataLossException loss) {
        each(h -> h.onDataLoss(clientId, loss));
    }

    private void each(Consumer<ProducerHook> call) {
        for (ProducerHook hook : hooks) {
            try {
                call.accept(hook);
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("producer {}: hook {} failed; ignoring it for this event", clientId, hook.getClass().getName(), e);
            }
        }
    }

    private static int orderOf(ProducerHook hook) {
        try {
            return hook.order();
        } catch (RuntimeException e) {
            return 0;
        }
    }
}
