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

import java.util.Map;

/**
 * What {@code ServiceLoader} finds when kafka-otel is on the class path or
 * module path: {@link JosefTelemetry} on {@code GlobalOpenTelemetry} (what an
 * agent or the SDK's autoconfiguration installs), for every producer and
 * consumer, with no code. It stays out of the way of a client that was given a
 * {@code JosefTelemetry} of its own (it runs after it, and skips that client).
 *
 * <p>Off with the system property {@code josef.otel.auto=false} or the
 * environment variable {@code JOSEF_OTEL_AUTO=false}: then it does nothing at
 * all, and the clients' hot paths are as without kafka-otel.
 */
public final class GlobalTelemetry implements ProducerHook, ConsumerHook {
    private final boolean enabled = autoEnabled();
    private volatile JosefTelemetry resolved;

    /** For {@code ServiceLoader}. */
    public GlobalTelemetry() {
    }

    /**
     * {@code GlobalOpenTelemetry}, read at the first event rather than when the
     * client is built: reading it fixes it, and an application may install its
     * SDK after creating its clients.
     */
    private JosefTelemetry delegate() {
        JosefTelemetry d = resolved;
        if (d == null) {
            synchronized (this) {
                d = resolved;
                if (d == null) {
                    d = new JosefTelemetry(GlobalOpenTelemetry.get(), false);
                    resolved = d;
                }
            }
        }
        return d;
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

    /** Whether this client is this hook's: not when it was given a telemetry object of its own. */
    private static boolean mine(String clientId) {
        return !JosefTelemetry.EXPLICIT_CLIENTS.contains(clientId);
    }

    @Override
    public void onOpen(String clientId, ProducerView view) {
        if (mine(clientId)) {
            delegate().onOpen(clientId, view);
        }
    }

    @Override
    public void onClose(String clientId, ProducerView view) {
        if (mine(clientId)) {
            delegate().onClose(clientId, view);
        }
    }

    @Override
    public ProducerRecord onProduce(String clientId, ProducerRecord record) {
        return mine(clientId) ? delegate().onProduce(clientId, record) : record;
    }

    @Override
    public void onBatchSent(String clientId, TopicPartition partition, int records, int bytes, int attempt) {
        if (mine(clientId)) {
            delegate().onBatchSent(clientId, partition, records, bytes, attempt);
        }
    }

    @Override
    public void onRequestSent(String clientId, int nodeId, int batches, int records, int bytes) {
        if (mine(clientId)) {
            delegate().onRequestSent(clientId, nodeId, batches, records, bytes);
        }
    }

    @Override
    public void onAcknowledged(String clientId, ProducerRecord record, RecordMetadata metadata, long bufferNanos,
                               long inFlightNanos) {
        if (mine(clientId)) {
            delegate().onAcknowledged(clientId, record, metadata, bufferNanos, inFlightNanos);
        }
    }

    @Override
    public void onFailed(String clientId, ProducerRecord record, Throwable error, long bufferNanos,
                        long inFlightNanos) {
        if (mine(clientId)) {
            delegate().onFailed(clientId, record, error, bufferNanos, inFlightNanos);
        }
    }

    @Override
    public void onDataLoss(String clientId, DataLossException loss) {
        if (mine(clientId)) {
            delegate().onDataLoss(clientId, loss);
        }
    }

    @Override
    public void onTransactionEnd(String clientId, String transactionalId, boolean commit, long durationNanos,
                                 Throwable error) {
        if (mine(clientId)) {
            delegate().onTransactionEnd(clientId, transactionalId, commit, durationNanos, error);
        }
    }

    @Override
    public void onOpen(String clientId, ConsumerView view) {
        if (mine(clientId)) {
            delegate().onOpen(clientId, view);
        }
    }

    @Override
    public void onClose(String clientId, ConsumerView view) {
        if (mine(clientId)) {
            delegate().onClose(clientId, view);
        }
    }

    @Override
    public void onRecordsPolled(String clientId, ConsumerRecords records) {
        if (mine(clientId)) {
            delegate().onRecordsPolled(clientId, records);
        }
    }

    @Override
    public void onPartitionError(String clientId, TopicPartition partition, KafkaException error) {
        if (mine(clientId)) {
            delegate().onPartitionError(clientId, partition, error);
        }
    }

    @Override
    public void onCommit(String clientId, String groupId, Map<TopicPartition, OffsetAndMetadata> offsets,
                         long durationNanos, KafkaException error) {
        if (mine(clientId)) {
            delegate().onCommit(clientId, groupId, offsets, durationNanos, error);
        }
    }

    @Override
    public void onRebalance(String clientId, String groupId, RebalanceStep step) {
        if (mine(clientId)) {
            delegate().onRebalance(clientId, groupId, step);
        }
    }
}
