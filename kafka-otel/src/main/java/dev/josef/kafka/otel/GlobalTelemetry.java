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

import dev.josef.kafka.net.internal.Clock;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What {@code ServiceLoader} finds when kafka-otel is on the class path or
 * module path: {@link JosefTelemetry} on {@code GlobalOpenTelemetry} (what an
 * agent or the SDK's autoconfiguration installs), for every producer and
 * consumer, with no code. It stays out of the way of a client that was given a
 * {@code JosefTelemetry} of its own (it runs after it, and skips that client).
 * Until an OpenTelemetry is installed there, events are dropped; one installed
 * after the clients were built serves them from then on (their gauges too),
 * within {@link #RECHECK_MILLIS} ms. {@code GlobalOpenTelemetry} is read at most
 * that often (it takes a JVM-wide lock until something is installed) and is
 * never fixed to a no-op by reading it, unless the SDK's global
 * autoconfiguration is asked for ({@code otel.java.global-autoconfigure.enabled}),
 * which the first read then runs.
 *
 * <p>ServiceLoader makes one instance per client (each client loads its hooks),
 * so an instance knows its one client from {@code onOpen} on.
 *
 * <p>Off with the system property {@code josef.otel.auto=false} or the
 * environment variable {@code JOSEF_OTEL_AUTO=false}: then it does nothing at
 * all, and the clients' hot paths are as without kafka-otel.
 */
public final class GlobalTelemetry implements ProducerHook, ConsumerHook {
    /** How often, at most, {@code GlobalOpenTelemetry} is looked at again. */
    static final long RECHECK_MILLIS = 50;
    private static final Clock CLOCK = Clock.system();
    private static final boolean AUTOCONFIGURE = autoconfigure();

    /** The telemetry on the GlobalOpenTelemetry it was built from; one for every client, replaced when that changes. */
    private record Resolved(OpenTelemetry source, JosefTelemetry telemetry) {
    }

    private static volatile Resolved resolved;
    private static volatile long nextCheck = CLOCK.nanoTime();
    /** The open clients this hook serves, so telemetry built after they opened still has their views. */
    private static final OpenClients<ProducerView> PRODUCERS = new OpenClients<>();
    private static final OpenClients<ConsumerView> CONSUMERS = new OpenClients<>();

    private final boolean enabled = autoEnabled();
    /** Whether this instance's client is served: from onOpen, unless it has a telemetry object of its own. */
    private volatile boolean serves;

    /** For {@code ServiceLoader}. */
    public GlobalTelemetry() {
    }

    /** The telemetry on {@code GlobalOpenTelemetry}, or null while nothing is installed there. */
    private static JosefTelemetry delegate() {
        long now = CLOCK.nanoTime();
        if (now - nextCheck >= 0) {
            synchronized (GlobalTelemetry.class) {
                if (now - nextCheck >= 0) {
                    resolved = current(resolved);
                    nextCheck = now + TimeUnit.MILLISECONDS.toNanos(RECHECK_MILLIS);
                }
            }
        }
        Resolved r = resolved;
        return r == null ? null : r.telemetry();
    }

    /** Under the class's lock. */
    private static Resolved current(Resolved was) {
        if (!AUTOCONFIGURE && !GlobalOpenTelemetry.isSet()) {
            return null;
        }
        OpenTelemetry global = GlobalOpenTelemetry.get();
        if (was != null && was.source() == global) {
            return was;
        }
        JosefTelemetry telemetry = new JosefTelemetry(global, false);
        PRODUCERS.forEach(telemetry::onOpen);
        CONSUMERS.forEach(telemetry::onOpen);
        return new Resolved(global, telemetry);
    }

    private static boolean autoconfigure() {
        String property = System.getProperty("otel.java.global-autoconfigure.enabled");
        String value = property != null ? property : System.getenv("OTEL_JAVA_GLOBAL_AUTOCONFIGURE_ENABLED");
        return value != null && value.trim().equalsIgnoreCase("true");
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

    /** The telemetry for this instance's client, or null: not served, or nothing installed yet. */
    private JosefTelemetry forClient() {
        return serves ? delegate() : null;
    }

    @Override
    public void onOpen(String clientId, ProducerView view) {
        if (!JosefTelemetry.EXPLICIT_PRODUCERS.contains(clientId, view)) {
            serves = true;
            PRODUCERS.open(clientId, view);
            JosefTelemetry d = delegate();
            if (d != null) {
                d.onOpen(clientId, view);
            }
        }
    }

    @Override
    public void onClose(String clientId, ProducerView view) {
        if (serves && PRODUCERS.close(clientId, view)) {
            JosefTelemetry d = delegate();
            if (d != null) {
                d.onClose(clientId, view);
            }
        }
    }

    @Override
    public ProducerRecord onProduce(String clientId, ProducerRecord record) {
        JosefTelemetry d = forClient();
        return d == null ? record : d.onProduce(clientId, record);
    }

    @Override
    public void onBatchSent(String clientId, TopicPartition partition, int records, int bytes, int attempt) {
        JosefTelemetry d = forClient();
        if (d != null) {
            d.onBatchSent(clientId, partition, records, bytes, attempt);
        }
    }

    @Override
    public void onRequestSent(String clientId, int nodeId, int batches, int records, int bytes) {
        JosefTelemetry d = forClient();
        if (d != null) {
            d.onRequestSent(clientId, nodeId, batches, records, bytes);
        }
    }

    @Override
    public void onAcknowledged(String clientId, ProducerRecord record, RecordMetadata metadata, long bufferNanos,
                               long inFlightNanos) {
        JosefTelemetry d = forClient();
        if (d != null) {
            d.onAcknowledged(clientId, record, metadata, bufferNanos, inFlightNanos);
        }
    }

    @Override
    public void onFailed(String clientId, ProducerRecord record, Throwable error, long bufferNanos,
                        long inFlightNanos) {
        JosefTelemetry d = forClient();
        if (d != null) {
            d.onFailed(clientId, record, error, bufferNanos, inFlightNanos);
        }
    }

    @Override
    public void onDataLoss(String clientId, DataLossException loss) {
        JosefTelemetry d = forClient();
        if (d != null) {
            d.onDataLoss(clientId, loss);
        }
    }

    @Override
    public void onTransactionEnd(String clientId, String transactionalId, boolean commit, long durationNanos,
                                 Throwable error) {
        JosefTelemetry d = forClient();
        if (d != null) {
            d.onTransactionEnd(clientId, transactionalId, commit, durationNanos, error);
        }
    }

    @Override
    public void onOpen(String clientId, ConsumerView view) {
        if (!JosefTelemetry.EXPLICIT_CONSUMERS.contains(clientId, view)) {
            serves = true;
            CONSUMERS.open(clientId, view);
            JosefTelemetry d = delegate();
            if (d != null) {
                d.onOpen(clientId, view);
            }
        }
    }

    @Override
    public void onClose(String clientId, ConsumerView view) {
        if (serves && CONSUMERS.close(clientId, view)) {
            JosefTelemetry d = delegate();
            if (d != null) {
                d.onClose(clientId, view);
            }
        }
    }

    @Override
    public void onRecordsPolled(String clientId, ConsumerRecords records) {
        JosefTelemetry d = forClient();
        if (d != null) {
            d.onRecordsPolled(clientId, records);
        }
    }

    @Override
    public void onPartitionError(String clientId, TopicPartition partition, KafkaException error) {
        JosefTelemetry d = forClient();
        if (d != null) {
            d.onPartitionError(clientId, partition, error);
        }
    }

    @Override
    public void onCommit(String clientId, String groupId, Map<TopicPartition, OffsetAndMetadata> offsets,
                         long durationNanos, KafkaException error) {
        JosefTelemetry d = forClient();
        if (d != null) {
            d.onCommit(clientId, groupId, offsets, durationNanos, error);
        }
    }

    @Override
    public void onRebalance(String clientId, String groupId, RebalanceStep step) {
        JosefTelemetry d = forClient();
        if (d != null) {
            d.onRebalance(clientId, groupId, step);
        }
    }
}
