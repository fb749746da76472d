package dev.josef.kafka.otel;

import dev.josef.kafka.consumer.ConsumerRecord;
import dev.josef.kafka.consumer.ConsumerRecords;
import dev.josef.kafka.consumer.spi.ConsumerHook;
import dev.josef.kafka.net.internal.Clock;
import dev.josef.kafka.producer.DataLossException;
import dev.josef.kafka.producer.ProduceException;
import dev.josef.kafka.producer.ProducerRecord;
import dev.josef.kafka.producer.RecordMetadata;
import dev.josef.kafka.producer.spi.ProducerHook;
import dev.josef.kafka.protocol.BrokerException;
import dev.josef.kafka.protocol.Header;
import dev.josef.kafka.protocol.KafkaException;
import dev.josef.kafka.protocol.TopicPartition;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * OpenTelemetry for Josef's producer and consumer, handed once to a client's
 * builder ({@code builder.hook(telemetry)}: it is a {@code ProducerHook} and a
 * {@code ConsumerHook}), following the messaging semantic conventions (v1.44):
 *
 * <ul>
 *   <li><b>send {topic}</b> (PRODUCER), one per record, from {@code produce} to its
 *   acknowledgement (partition and offset) or failure ({@code error.type}, and
 *   {@code josef.persistence}: the honest outcome of behaviour 2). Its context
 *   goes into the record's headers through the configured propagator (W3C
 *   {@code traceparent} by default) once, when the record is produced, so a
 *   retried batch carries it once; a record that already carries a
 *   {@code traceparent} keeps it.</li>
 *   <li><b>poll {topic}</b> (CLIENT), one per poll that returned records, linked to
 *   each record's creation context (at most {@link #MAX_LINKS}); none for
 *   records fetched and never handed out.</li>
 *   <li><b>process {topic}</b> (CONSUMER), through {@link #process}: parented on the
 *   record's creation context when no span is current, else a child of the
 *   current span, linked to the creation context either way.</li>
 * </ul>
 *
 * <p>Metrics: {@code messaging.client.operation.duration} (s, send from produce to
 * acknowledgement), {@code messaging.client.sent.messages},
 * {@code messaging.client.consumed.messages}, {@code messaging.process.duration}
 * (s), and Josef's {@code josef.producer.batch.records},
 * {@code josef.producer.data_loss} and {@code josef.consumer.partition_errors}.
 *
 * <p>Threads: safe to share between clients and threads. Its methods run on the
 * threads the hooks document; none blocks.
 */
public final class JosefTelemetry implements ProducerHook, ConsumerHook {
    /** Links a poll span carries at most (the SDK's default span limit). */
    public static final int MAX_LINKS = 128;
    static final String INSTRUMENTATION = "dev.josef.kafka";
    private static final String TRACEPARENT = "traceparent";
    /** Clients that have an explicit telemetry object: the ServiceLoader-found one stays out of their way. */
    static final Set<String> EXPLICIT_CLIENTS = ConcurrentHashMap.newKeySet();

    private final Tracer tracer;
    private final TextMapPropagator propagator;
    private final boolean explicit;
    private final Clock clock = Clock.system();
    private final DoubleHistogram operationDuration;
    private final LongCounter sentMessages;
    private final LongCounter consumedMessages;
    private final DoubleHistogram processDuration;
    private final DoubleHistogram batchRecords;
    private final LongCounter dataLoss;
    private final LongCounter partitionErrors;
    /** Send spans by record, until the record's outcome. Keyed by identity: equal records are different sends. */
    private final Map<Identity, Span> sends = new ConcurrentHashMap<>();

    private record Identity(ProducerRecord record) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Identity other && other.record == record;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(record);
        }
    }

    JosefTelemetry(OpenTelemetry openTelemetry, boolean explicit) {
        Objects.requireNonNull(openTelemetry, "openTelemetry");
        this.explicit = explicit;
        String version = JosefTelemetry.class.getPackage().getImplementationVersion();
        this.tracer = version == null ? openTelemetry.getTracer(INSTRUMENTATION)
                : openTelemetry.getTracer(INSTRUMENTATION, version); // a null version is an API misuse: no spans
        this.propagator = openTelemetry.getPropagators().getTextMapPropagator();
        Meter meter = openTelemetry.getMeter(INSTRUMENTATION);
        this.operationDuration = meter.histogramBuilder("messaging.client.operation.duration").setUnit("s")
                .setDescription("Duration of a messaging operation initiated by a producer or consumer client")
                .setExplicitBucketBoundariesAdvice(Messaging.DURATION_BUCKETS).build();
        this.sentMessages = meter.counterBuilder("messaging.client.sent.messages").setUnit("{message}")
                .setDescription("Number of messages the producer attempted to send to the broker").build();
        this.consumedMessages = meter.counterBuilder("messaging.client.consumed.messages").setUnit("{message}")
                .setDescription("Number of messages delivered to the application").build();
        this.processDuration = meter.histogramBuilder("messaging.process.duration").setUnit("s")
                .setDescription("Duration of processing operation")
                .setExplicitBucketBoundariesAdvice(Messaging.DURATION_BUCKETS).build();
        this.batchRecords = meter.histogramBuilder("josef.producer.batch.records").setUnit("{message}")
                .setDescription("Records per batch the producer sent").build();
        this.dataLoss = meter.counterBuilder("josef.producer.data_loss").setUnit("{event}")
                .setDescription("Possible data loss detected by the producer (behaviour 3)").build();
        this.partitionErrors = meter.counterBuilder("josef.consumer.partition_errors").setUnit("{error}")
                .setDescription("Errors a poll reported for a partition (corrupt batches, truncation, ...)").build();
    }

    /** Telemetry through {@code openTelemetry}'s tracer, meter and propagator. */
    public static JosefTelemetry create(OpenTelemetry openTelemetry) {
        return new JosefTelemetry(openTelemetry, true);
    }

    // ---------------------------------------------------------------- producer

    @Override
    public ProducerRecord onProduce(String clientId, ProducerRecord record) {
        if (!explicit && EXPLICIT_CLIENTS.contains(clientId)) {
            return record;
        }
        if (explicit) {
            EXPLICIT_CLIENTS.add(clientId);
        }
        Context parent = Context.current();
        Context creation = userContext(record.headers());
        SpanBuilder builder = tracer.spanBuilder("send " + record.topic()).setSpanKind(SpanKind.PRODUCER)
                .setAllAttributes(common(clientId, record.topic(), "send", "send"));
        if (creation != null && !Span.fromContext(parent).getSpanContext().isValid()) {
            builder.setParent(creation); // the context the user put on the record is the message's creation
        } else {
            builder.setParent(parent);
        }
        if (record.partition() != null) {
            builder.setAttribute(Messaging.PARTITION, Integer.toString(record.partition()));
        }
        String key = text(record.key());
        if (key != null) {
            builder.setAttribute(Messaging.KEY, key);
        }
        if (record.value() == null) {
            builder.setAttribute(Messaging.TOMBSTONE, true);
        }
        Span span = builder.startSpan();
        ProducerRecord out = record;
        if (creation == null) {
            Map<String, String> carrier = new LinkedHashMap<>();
            propagator.inject(parent.with(span), carrier, Map::put);
            for (Map.Entry<String, String> e : carrier.entrySet()) {
                out = out.withHeader(e.getKey(), e.getValue().getBytes(StandardCharsets.UTF_8));
            }
        }
        sends.put(new Identity(out), span);
        return out;
    }

    @Override
    public void onBatchSent(String clientId, TopicPartition partition, int records, int bytes, int attempt) {
        Attributes attributes = Attributes.builder().put(Messaging.SYSTEM, Messaging.KAFKA)
                .put(Messaging.OPERATION_NAME, "send").put(Messaging.DESTINATION, partition.topic())
                .put(Messaging.PARTITION, Integer.toString(partition.partition())).build();
        sentMessages.add(records, attributes);
        batchRecords.record(records, attributes);
    }

    @Override
    public void onAcknowledged(String clientId, ProducerRecord record, RecordMetadata metadata, long bufferNanos,
                               long inFlightNanos) {
        Span span = sends.remove(new Identity(record));
        if (span == null) {
            return;
        }
        span.setAttribute(Messaging.PARTITION, Integer.toString(metadata.partition()));
        if (metadata.offset() >= 0) {
            span.setAttribute(Messaging.OFFSET, metadata.offset());
        }
        span.end();
        operationDuration.record((bufferNanos + inFlightNanos) / 1e9, common(clientId, record.topic(), "send", "send"));
    }

    @Override
    public void onFailed(String clientId, ProducerRecord record, Throwable error, long bufferNanos,
                         long inFlightNanos) {
        Span span = sends.remove(new Identity(record));
        if (span == null) {
            return;
        }
        String type = errorType(error);
        span.setAttribute(Messaging.ERROR_TYPE, type);
        if (error instanceof ProduceException p) {
            span.setAttribute(Messaging.PERSISTENCE, p.persistence().name());
            if (p.partition() >= 0) {
                span.setAttribute(Messaging.PARTITION, Integer.toString(p.partition()));
            }
        }
        span.setStatus(StatusCode.ERROR, error.getMessage() == null ? type : error.getMessage());
        span.end();
        operationDuration.record((bufferNanos + inFlightNanos) / 1e9, common(clientId, record.topic(), "send", "send")
                .toBuilder().put(Messaging.ERROR_TYPE, type).build());
    }

    @Override
    public void onDataLoss(String clientId, DataLossException loss) {
        dataLoss.add(1, Attributes.of(Messaging.DESTINATION, loss.topic(), Messaging.PARTITION,
                Integer.toString(loss.partition())));
    }

    // ---------------------------------------------------------------- consumer

    @Override
    public void onRecordsPolled(String clientId, ConsumerRecords records) {
        if (records.isEmpty() || (!explicit && EXPLICIT_CLIENTS.contains(clientId))) {
            return;
        }
        if (explicit) {
            EXPLICIT_CLIENTS.add(clientId);
        }
        Set<String> topics = new java.util.TreeSet<>();
        for (TopicPartition tp : records.partitions()) {
            topics.add(tp.topic());
        }
        String topic = topics.size() == 1 ? topics.iterator().next() : null;
        SpanBuilder builder = tracer.spanBuilder(topic == null ? "poll" : "poll " + topic)
                .setSpanKind(SpanKind.CLIENT).setAllAttributes(common(clientId, topic, "poll", "receive"))
                .setAttribute(Messaging.BATCH_COUNT, (long) records.count());
        int links = 0;
        for (ConsumerRecord r : records) {
            if (links >= MAX_LINKS) {
                break;
            }
            Context creation = userContext(r.headers());
            SpanContext linked = creation == null ? null : Span.fromContext(creation).getSpanContext();
            if (linked != null && linked.isValid()) {
                builder.addLink(linked);
                links++;
            }
        }
        builder.startSpan().end();
        for (TopicPartition tp : records.partitions()) {
            consumedMessages.add(records.records(tp).size(), Attributes.of(Messaging.SYSTEM, Messaging.KAFKA,
                    Messaging.OPERATION_NAME, "poll", Messaging.DESTINATION, tp.topic(), Messaging.PARTITION,
                    Integer.toString(tp.partition())));
        }
    }

    @Override
    public void onPartitionError(String clientId, TopicPartition partition, KafkaException error) {
        partitionErrors.add(1, Attributes.of(Messaging.DESTINATION, partition.topic(), Messaging.PARTITION,
                Integer.toString(partition.partition()), Messaging.ERROR_TYPE, errorType(error)));
    }

    /**
     * Runs {@code work} for {@code record} in a <b>process {topic}</b> span
     * (CONSUMER), current while it runs: parented on the record's creation
     * context when no span is current, else on the current span; linked to the
     * creation context either way. An exception it throws is recorded
     * ({@code error.type}) and thrown on.
     */
    public <T> T process(ConsumerRecord record, Supplier<T> work) {
        Objects.requireNonNull(record, "record");
        Objects.requireNonNull(work, "work");
        Context current = Context.current();
        Context creation = userContext(record.headers());
        SpanBuilder builder = tracer.spanBuilder("process " + record.topic()).setSpanKind(SpanKind.CONSUMER)
                .setAllAttributes(common(null, record.topic(), "process", "process"))
                .setAttribute(Messaging.PARTITION, Integer.toString(record.partition()))
                .setAttribute(Messaging.OFFSET, record.offset());
        String key = text(record.key());
        if (key != null) {
            builder.setAttribute(Messaging.KEY, key);
        }
        if (record.value() == null) {
            builder.setAttribute(Messaging.TOMBSTONE, true);
        }
        SpanContext linked = creation == null ? null : Span.fromContext(creation).getSpanContext();
        boolean ambient = Span.fromContext(current).getSpanContext().isValid();
        if (linked != null && linked.isValid()) {
            builder.addLink(linked);
            if (!ambient) {
                builder.setParent(creation);
            }
        }
        Span span = builder.startSpan();
        long start = clock.nanoTime();
        String errorType = null;
        Scope scope = span.makeCurrent();
        try {
            return work.get();
        } catch (RuntimeException | Error e) {
            errorType = errorType(e);
            span.setAttribute(Messaging.ERROR_TYPE, errorType);
            span.setStatus(StatusCode.ERROR, e.getMessage() == null ? errorType : e.getMessage());
            throw e;
        } finally {
            scope.close();
            span.end();
            AttributesBuilder attributes = common(null, record.topic(), "process", "process").toBuilder();
            if (errorType != null) {
                attributes.put(Messaging.ERROR_TYPE, errorType);
            }
            processDuration.record((clock.nanoTime() - start) / 1e9, attributes.build());
        }
    }

    /** As {@link #process(ConsumerRecord, Supplier)}, for work that returns nothing. */
    public void process(ConsumerRecord record, Runnable work) {
        Objects.requireNonNull(work, "work");
        process(record, () -> {
            work.run();
            return null;
        });
    }

    // ---------------------------------------------------------------- helpers

    private static Attributes common(String clientId, String topic, String operation, String type) {
        AttributesBuilder b = Attributes.builder().put(Messaging.SYSTEM, Messaging.KAFKA)
                .put(Messaging.OPERATION_NAME, operation).put(Messaging.OPERATION_TYPE, type);
        if (topic != null) {
            b.put(Messaging.DESTINATION, topic);
        }
        if (clientId != null) {
            b.put(Messaging.CLIENT_ID, clientId);
        }
        return b.build();
    }

    /** The creation context a record's headers carry, or null when they carry none. */
    private Context userContext(List<Header> headers) {
        boolean any = false;
        for (Header h : headers) {
            if (h.key().equals(TRACEPARENT)) {
                any = true;
                break;
            }
        }
        if (!any) {
            return null;
        }
        Context extracted = propagator.extract(Context.root(), headers, HEADERS);
        return Span.fromContext(extracted).getSpanContext().isValid() ? extracted : null;
    }

    private static final TextMapGetter<List<Header>> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(List<Header> carrier) {
            List<String> keys = new ArrayList<>(carrier.size());
            for (Header h : carrier) {
                keys.add(h.key());
            }
            return keys;
        }

        @Override
        public String get(List<Header> carrier, String key) {
            if (carrier == null) {
                return null;
            }
            String last = null;
            for (Header h : carrier) {
                if (h.key().equals(key) && h.value() != null) {
                    last = new String(h.value(), StandardCharsets.UTF_8);
                }
            }
            return last;
        }
    };

    /** The conventions' error.type: the Kafka error's name, else the exception's class. */
    static String errorType(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof BrokerException b) {
                return b.errorCode().name();
            }
        }
        return error == null ? "_OTHER" : error.getClass().getName();
    }

    /** A key as text when it is valid UTF-8; null otherwise (binary keys are not recorded). */
    private static String text(byte[] key) {
        if (key == null) {
            return null;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(key)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
