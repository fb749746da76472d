package dev.josef.kafka.otel;

import dev.josef.kafka.consumer.ConsumerRecords;
import dev.josef.kafka.consumer.OffsetAndMetadata;
import dev.josef.kafka.consumer.spi.ConsumerHook;
import dev.josef.kafka.consumer.spi.ConsumerView;
import dev.josef.kafka.consumer.spi.RebalanceStep;
import dev.josef.kafka.producer.DataLossException;
import dev.josef.kafka.producer.ProducerRecord;
import dev.josef.kafka.producer.RecordMetadata;
import dev.josef.kafka.producer.spi.ProducerHook;
import dev.josef.kafka.producer.spi.ProducerView;
import dev.josef.kafka.protocol.KafkaException;
import dev.josef.kafka.protocol.TopicPartition;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What {@code ServiceLoader} finds when kafka-otel is on the class path or
 * module path: {@link JosefTelemetry} on {@code GlobalOpenTelemetry} (what an
 * agent or the SDK's autoconfiguration installs), for every producer and
 * consumer, with no code. It stays out of the way of a client that was given a
 * {@code JosefTelemetry} of its own (it runs after it, and skips that client).
 * Until an OpenTelemetry is installed there, an event costs a check and is
 * dropped; one installed after the clients were built serves them from then
 * on (their gauges too).
 *
 * <p>Off with the system property {@code josef.otel.auto=false} or the
 * environment variable {@code JOSEF_OTEL_AUTO=false}: then it does nothing at
 * all, and the clients' hot paths are as without kafka-otel.
 */
public final class GlobalTelemetry implements ProducerHook, ConsumerHook {
    private final boolean enabled = autoEnabled();

    /** The telemetry on the GlobalOpenTelemetry it was built from; one for every client, replaced when that changes. */
    private record Resolved(OpenTelemetry source, JosefTelemetry telemetry) {
    }

    private static volatile Resolved resolved;
    /** The clients this hook serves that are open, so telemetry built after they opened still has their views. */
    private static final Map<String, ProducerView> PRODUCERS = new ConcurrentHashMap<>();
    private static final Map<String, ConsumerView> CONSUMERS = new ConcurrentHashMap<>();

    /** For {@code ServiceLoader}. */
    public GlobalTelemetry() {
    }

    /**
     * The telemetry on {@code GlobalOpenTelemetry}, or null while nothing is
     * installed there: until an agent, the SDK's autoconfiguration or the
     * application installs one, an event costs a check and is dropped, and
     * {@code GlobalOpenTelemetry} is not read (reading it would fix a no-op). So
     * an SDK installed after the clients were built is used from then on.
     */
    private static JosefTelemetry delegate() {
        if (!GlobalOpenTelemetry.isSet()) {
            return null;
        }
        OpenTelemetry global = GlobalOpenTelemetry.get();
        Resolved r = resolved;
        if (r != null && r.source() == global) {
            return r.telemetry();
        }
        synchronized (GlobalTelemetry.class) {
            r = resolved;
            if (r == null || r.source() != global) {
                JosefTelemetry telemetry = new JosefTelemetry(global, false);
                PRODUCERS.forEach(telemetry::onOpen);
                CONSUMERS.forEach(telemetry::onOpen);
                r = new Resolved(global, telemetry);
                resolved = r;
            }
            return r.telemetry();
        }
    }

    static boolean autoEnabled() {
        String property = System.getProperty("josef.otel.auto");
        String value = property != null ? property : System.getenv("JOSEF_OTEL_AUTO");
        return value == null || !value.trim().equalsIgnoreCase("false");
    }

    /** Off by configuration: then the client leaves it out altogether. */
    @Override
    public boolean enabled() {
        return enabled;
    }

    /** After every other hook: an explicit {@code JosefTelemetry} of the same client has gone first. */
    @Override
    public int order() {
        return Integer.MAX_VALUE;
    }

    /**
     * The telemetry for this client's event, or null: none installed yet, or the
     * client has a telemetry object of its own.
     */
    private static JosefTelemetry forClient(String clientId) {
        JosefTelemetry d = delegate();
        return d == null || JosefTelemetry.EXPLICIT_CLIENTS.contains(clientId) ? null : d;
    }

    @Override
    public void onOpen(String clientId, ProducerView view) {
        if (!JosefTelemetry.EXPLICIT_CLIENTS.contains(clientId)) {
            PRODUCERS.put(clientId, view);
            JosefTelemetry d = delegate();
            if (d != null) {
                d.onOpen(clientId, view);
            }
        }
    }

    @Override
    public void onClose(String clientId, ProducerView view) {
        if (PRODUCERS.remove(clientId, view)) {
            JosefTelemetry d = delegate();
            if (d != null) {
                d.onClose(clientId, view);
            }
        }
    }

    @Override
    public ProducerRecord onProduce(String clientId, ProducerRecord record) {
        JosefTelemetry d = forClient(clientId);
        return d == null ? record : d.onProduce(clientId, record);
    }

    @Override
    public void onBatchSent(String clientId, TopicPartition partition, int records, int bytes, int attempt) {
        JosefTelemetry d = forClient(clientId);
        if (d != null) {
            d.onBatchSent(clientId, partition, records, bytes, attempt);
        }
    }

    @Override
    public void onRequestSent(String clientId, int nodeId, int batches, int records, int bytes) {
        JosefTelemetry d = forClient(clientId);
        if (d != null) {
            d.onRequestSent(clientId, nodeId, batches, records, bytes);
        }
    }

    @Override
    public void onAcknowledged(String clientId, ProducerRecord record, RecordMetadata metadata, long bufferNanos,
                               long inFlightNanos) {
        JosefTelemetry d = forClient(clientId);
        if (d != null) {
            d.onAcknowledged(clientId, record, metadata, bufferNanos, inFlightNanos);
        }
    }

    @Override
    public void onFailed(String clientId, ProducerRecord record, Throwable error, long bufferNanos,
                        long inFlightNanos) {
        JosefTelemetry d = forClient(clientId);
        if (d != null) {
            d.onFailed(clientId, record, error, bufferNanos, inFlightNanos);
        }
    }

    @Override
    public void onDataLoss(String clientId, DataLossException loss) {
        JosefTelemetry d = forClient(clientId);
        if (d != null) {
            d.onDataLoss(clientId, loss);
        }
    }

    @Override
    public void onTransactionEnd(String clientId, String transactionalId, boolean commit, long durationNanos,
                                 Throwable error) {
        JosefTelemetry d = forClient(clientId);
        if (d != null) {
            d.onTransactionEnd(clientId, transactionalId, commit, durationNanos, error);
        }
    }

    @Override
    public void onOpen(String clientId, ConsumerView view) {
        if (!JosefTelemetry.EXPLICIT_CLIENTS.contains(clientId)) {
            CONSUMERS.put(clientId, view);
            JosefTelemetry d = delegate();
            if (d != null) {
                d.onOpen(clientId, view);
            }
        }
    }

    @Override
    public void onClose(String clientId, ConsumerView view) {
        if (CONSUMERS.remove(clientId, view)) {
            JosefTelemetry d = delegate();
            if (d != null) {
                d.onClose(clientId, view);
            }
        }
    }

    @Override
    public void onRecordsPolled(String clientId, ConsumerRecords records) {
        JosefTelemetry d = forClient(clientId);
        if (d != null) {
            d.onRecordsPolled(clientId, records);
        }
    }

    @Override
    public void onPartitionError(String clientId, TopicPartition partition, KafkaException error) {
        JosefTelemetry d = forClient(clientId);
        if (d != null) {
            d.onPartitionError(clientId, partition, error);
        }
    }

    @Override
    public void onCommit(String clientId, String groupId, Map<TopicPartition, OffsetAndMetadata> offsets,
                         long durationNanos, KafkaException error) {
        JosefTelemetry d = forClient(clientId);
        if (d != null) {
            d.onCommit(clientId, groupId, offsets, durationNanos, error);
        }
    }

    @Override
    public void onRebalance(String clientId, String groupId, RebalanceStep step) {
        JosefTelemetry d = forClient(clientId);
        if (d != null) {
            d.onRebalance(clientId, groupId, step);
        }
    }
}
