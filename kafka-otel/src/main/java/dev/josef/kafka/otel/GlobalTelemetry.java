package dev.josef.kafka.otel;

import dev.josef.kafka.consumer.ConsumerRecords;
import dev.josef.kafka.consumer.spi.ConsumerHook;
import dev.josef.kafka.producer.DataLossException;
import dev.josef.kafka.producer.ProducerRecord;
import dev.josef.kafka.producer.RecordMetadata;
import dev.josef.kafka.producer.spi.ProducerHook;
import dev.josef.kafka.protocol.KafkaException;
import dev.josef.kafka.protocol.TopicPartition;
import io.opentelemetry.api.GlobalOpenTelemetry;

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
    private final boolean enabled = enabled();
    private volatile JosefTelemetry resolved;

    /** For {@code ServiceLoader}. */
    public GlobalTelemetry() {
    }

    /**
     * {@code GlobalOpenTelemetry}, read at the first record rather than when the
     * client is built: reading it fixes it, and an application may install its
     * SDK after creating its clients.
     */
    private JosefTelemetry delegate() {
        if (!enabled) {
            return null;
        }
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

    static boolean enabled() {
        String property = System.getProperty("josef.otel.auto");
        String value = property != null ? property : System.getenv("JOSEF_OTEL_AUTO");
        return value == null || !value.trim().equalsIgnoreCase("false");
    }

    /** After every other hook: an explicit {@code JosefTelemetry} of the same client has gone first. */
    @Override
    public int order() {
        return Integer.MAX_VALUE;
    }

    @Override
    public ProducerRecord onProduce(String clientId, ProducerRecord record) {
        return !enabled || JosefTelemetry.EXPLICIT_CLIENTS.contains(clientId) ? record
                : delegate().onProduce(clientId, record);
    }

    @Override
    public void onBatchSent(String clientId, TopicPartition partition, int records, int bytes, int attempt) {
        if (enabled && !JosefTelemetry.EXPLICIT_CLIENTS.contains(clientId)) {
            delegate().onBatchSent(clientId, partition, records, bytes, attempt);
        }
    }

    @Override
    public void onAcknowledged(String clientId, ProducerRecord record, RecordMetadata metadata, long bufferNanos,
                               long inFlightNanos) {
        if (enabled && !JosefTelemetry.EXPLICIT_CLIENTS.contains(clientId)) {
            delegate().onAcknowledged(clientId, record, metadata, bufferNanos, inFlightNanos);
        }
    }

    @Override
    public void onFailed(String clientId, ProducerRecord record, Throwable error, long bufferNanos,
                        long inFlightNanos) {
        if (enabled && !JosefTelemetry.EXPLICIT_CLIENTS.contains(clientId)) {
            delegate().onFailed(clientId, record, error, bufferNanos, inFlightNanos);
        }
    }

    @Override
    public void onDataLoss(String clientId, DataLossException loss) {
        if (enabled && !JosefTelemetry.EXPLICIT_CLIENTS.contains(clientId)) {
            delegate().onDataLoss(clientId, loss);
        }
    }

    @Override
    public void onRecordsPolled(String clientId, ConsumerRecords records) {
        if (enabled && !JosefTelemetry.EXPLICIT_CLIENTS.contains(clientId)) {
            delegate().onRecordsPolled(clientId, records);
        }
    }

    @Override
    public void onPartitionError(String clientId, TopicPartition partition, KafkaException error) {
        if (enabled && !JosefTelemetry.EXPLICIT_CLIENTS.contains(clientId)) {
            delegate().onPartitionError(clientId, partition, error);
        }
    }
}
