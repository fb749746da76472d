package dev.josef.kafka.otel;

import dev.josef.kafka.consumer.ConsumerRecord;
import dev.josef.kafka.consumer.ConsumerRecords;
import dev.josef.kafka.consumer.OffsetAndMetadata;
import dev.josef.kafka.consumer.spi.ConsumerHook;
import dev.josef.kafka.consumer.spi.ConsumerView;
import dev.josef.kafka.consumer.spi.RebalanceStep;
import dev.josef.kafka.net.internal.Clock;
import dev.josef.kafka.producer.DataLossException;
import dev.josef.kafka.producer.ProduceException;
import dev.josef.kafka.producer.ProducerRecord;
import dev.josef.kafka.producer.RecordMetadata;
import dev.josef.kafka.producer.spi.ProducerHook;
import dev.josef.kafka.producer.spi.ProducerView;
import dev.josef.kafka.protocol.BrokerException;
import dev.josef.kafka.protocol.Header;
import dev.josef.kafka.protocol.KafkaException;
import dev.josef.kafka.protocol.TopicPartition;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
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
import io.opentelemetry.context.propagation.TextMapSetter;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * OpenTelemetry for Josef's producer and consumer, handed once to a client's
 * builder or to a shared {@code Cluster} ({@code builder.hook(telemetry)}: it is
 * a {@code ProducerHook} and a {@code ConsumerHook}), following the messaging
 * semantic conventions (v1.44):
 *
 * <ul>
 *   <li><b>send {topic}</b> (PRODUCER), one per record, from {@code produce} to its
 *   acknowledgement (partition, offset, the leader's {@code server.address}) or
 *   failure ({@code error.type}, and {@code josef.persistence}: the honest
 *   outcome of behaviour 2). Its context goes into the record's headers through
 *   the configured propagator (W3C {@code traceparent} by default) once, when
 *   the record is produced, so a retried batch carries it once; a record that
 *   already carries a {@code traceparent} keeps it.</li>
 *   <li><b>poll {topic}</b> (CLIENT), one per poll that returned records, linked to
 *   each record's creation context (at most {@link #MAX_LINKS}); none for
 *   records fetched and never handed out.</li>
 *   <li><b>process {topic}</b> (CONSUMER), through {@link #process}: parented on the
 *   record's creation context when no span is current, else a child of the
 *   current span, linked to the creation context either way.</li>
 *   <li><b>commit {group}</b> (CLIENT, settle) for each offset commit;
 *   <b>commit_transaction</b> / <b>abort_transaction {transactional id}</b>
 *   (CLIENT) under the caller's span; <b>rebalance {group}</b> (INTERNAL) for each
 *   rebalance step, whose {@code josef.rebalance.run} event shows how long a
 *   poll held it (behaviour 5).</li>
 * </ul>
 *
 * <p>Metrics: {@code messaging.client.operation.duration} (s: sends, commits,
 * transaction ends), {@code messaging.client.sent.messages},
 * {@code messaging.client.consumed.messages}, {@code messaging.process.duration}
 * (s), and Josef's own ({@link Instruments}).
 *
 * <p>Threads: safe to share between clients and threads. Its methods run on the
 * threads the hooks document; none blocks. Clients are told apart by client id.
 */
public final class JosefTelemetry implements ProducerHook, ConsumerHook {
    /** Links a poll span carries at most (the SDK's default span limit). */
    public static final int MAX_LINKS = 128;
    static final String INSTRUMENTATION = "dev.josef.kafka";
    private static final String TRACEPARENT = "traceparent";
    /** Stands for a partition whose leader is unknown, when finding the one broker a poll read from. */
    private static final InetSocketAddress NO_SERVER = InetSocketAddress.createUnresolved("", 0);
    /**
     * Producers and consumers that have an explicit telemetry object: the
     * ServiceLoader-found one stays out of their way. By kind, as a producer and
     * a consumer may share a client id.
     */
    static final OpenClients<ProducerView> EXPLICIT_PRODUCERS = new OpenClients<>();
    static final OpenClients<ConsumerView> EXPLICIT_CONSUMERS = new OpenClients<>();

    private final Tracer tracer;
    private final TextMapPropagator propagator;
    private final boolean explicit;
    private final Clock clock;
    private final Instruments metrics;
    /** The group of the consumer whose poll on this thread returned records last, for process spans. */
    private final ThreadLocal<String> polledGroup = new ThreadLocal<>();
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
        this(openTelemetry, explicit, Clock.system());
    }

    /** @param clock where process durations and the end of spans timed from a client's durations are read */
    JosefTelemetry(OpenTelemetry openTelemetry, boolean explicit, Clock clock) {
        Objects.requireNonNull(openTelemetry, "openTelemetry");
        this.explicit = explicit;
        this.clock = Objects.requireNonNull(clock, "clock");
        String version = JosefTelemetry.class.getPackage().getImplementationVersion();
        this.tracer = version == null ? openTelemetry.getTracer(INSTRUMENTATION)
                : openTelemetry.getTracer(INSTRUMENTATION, version); // a null version is an API misuse: no spans
        this.propagator = openTelemetry.getPropagators().getTextMapPropagator();
        this.metrics = new Instruments(openTelemetry.getMeter(INSTRUMENTATION));
    }

    /**
     * Late among a client's hooks (just before the ServiceLoader-found one): a
     * hook that adds headers in {@code onProduce} runs first, so the record this
     * returns is the one the client sends and reports outcomes for.
     */
    @Override
    public int order() {
        return Integer.MAX_VALUE - 1;
    }

    /** Telemetry through {@code openTelemetry}'s tracer, meter and propagator. */
    public static JosefTelemetry create(OpenTelemetry openTelemetry) {
        return new JosefTelemetry(openTelemetry, true);
    }

    // ---------------------------------------------------------------- producer

    @Override
    public void onOpen(String clientId, ProducerView view) {
        if (explicit) {
            EXPLICIT_PRODUCERS.open(clientId, view);
        }
        metrics.producers.open(clientId, view);
    }

    @Override
    public void onClose(String clientId, ProducerView view) {
        metrics.producers.close(clientId, view);
        if (!metrics.producers.contains(clientId)) {
            sendsByClient.remove(clientId);
        }
        if (explicit) {
            EXPLICIT_PRODUCERS.close(clientId, view);
        }
    }

    @Override
    public ProducerRecord onProduce(String clientId, ProducerRecord record) {
        Context parent = Context.current();
        Context creation = userContext(record.headers());
        Send send = sendOf(clientId, record.topic());
        SpanBuilder builder = tracer.spanBuilder(send.spanName).setSpanKind(SpanKind.PRODUCER)
                .setAllAttributes(send.attributes);
        if (creation != null && !Span.fromContext(parent).getSpanContext().isValid()) {
            builder.setParent(creation); // the context the user put on the record is the message's creation
        } else {
            builder.setParent(parent);
        }
        if (record.partition() != null) {
            builder.setAttribute(Messaging.PARTITION, partitionId(record.partition()));
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
            List<Header> headers = new ArrayList<>(record.headers().size() + 2);
            headers.addAll(record.headers());
            propagator.inject(parent.with(span), headers, HEADER_SETTER);
            if (headers.size() > record.headers().size()) {
                out = record.withHeaders(headers);
            }
        }
        sends.put(new Identity(out), span);
        return out;
    }

    /** What every send span and measurement of a client and topic shares, made once. */
    private static final class Send {
        final String spanName;
        final Attributes attributes;

        Send(String clientId, String topic) {
            this.spanName = "send " + topic;
            this.attributes = common(clientId, topic, "send", "send");
        }
    }

    private final Map<String, Map<String, Send>> sendsByClient = new ConcurrentHashMap<>();

    private Send sendOf(String clientId, String topic) {
        Map<String, Send> byTopic = sendsByClient.get(clientId);
        if (byTopic == null) {
            byTopic = sendsByClient.computeIfAbsent(clientId, c -> new ConcurrentHashMap<>());
        }
        Send send = byTopic.get(topic);
        return send != null ? send : byTopic.computeIfAbsent(topic, t -> new Send(clientId, t));
    }

    private static final TextMapSetter<List<Header>> HEADER_SETTER = (carrier, key, value) ->
            carrier.add(new Header(key, value.getBytes(StandardCharsets.UTF_8)));

    /** Partition ids as the attribute's text, made once for the usual ones. */
    private static final String[] PARTITION_IDS = new String[1024];

    static {
        for (int i = 0; i < PARTITION_IDS.length; i++) {
            PARTITION_IDS[i] = Integer.toString(i);
        }
    }

    private static String partitionId(int partition) {
        return partition >= 0 && partition < PARTITION_IDS.length ? PARTITION_IDS[partition]
                : Integer.toString(partition);
    }

    @Override
    public void onBatchSent(String clientId, TopicPartition partition, int records, int bytes, int attempt) {
        Attributes attributes = Attributes.builder().put(Messaging.SYSTEM, Messaging.KAFKA)
                .put(Messaging.OPERATION_NAME, "send").put(Messaging.DESTINATION, partition.topic())
                .put(Messaging.PARTITION, Integer.toString(partition.partition()))
                .put(Messaging.CLIENT_ID, clientId).build();
        metrics.sentMessages.add(records, attributes);
        metrics.batchRecords.record(records, attributes);
    }

    @Override
    public void onRequestSent(String clientId, int nodeId, int batches, int records, int bytes) {
        metrics.requestRecords.record(records, Attributes.of(Messaging.SYSTEM, Messaging.KAFKA,
                Messaging.CLIENT_ID, clientId));
    }

    @Override
    public void onAcknowledged(String clientId, ProducerRecord record, RecordMetadata metadata, long bufferNanos,
                               long inFlightNanos) {
        Span span = sends.remove(new Identity(record));
        if (span == null) {
            return;
        }
        if (record.partition() == null) { // set at the start otherwise
            span.setAttribute(Messaging.PARTITION, partitionId(metadata.partition()));
        }
        if (metadata.offset() >= 0) {
            span.setAttribute(Messaging.OFFSET, metadata.offset());
        }
        ProducerView view = metrics.producers.first(clientId);
        if (view != null) {
            server(span, view.leader(TopicPartition.of(record.topic(), metadata.partition())));
        }
        span.end();
        metrics.operationDuration.record((bufferNanos + inFlightNanos) / 1e9,
                sendOf(clientId, record.topic()).attributes);
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
                span.setAttribute(Messaging.PARTITION, partitionId(p.partition()));
            }
        }
        span.setStatus(StatusCode.ERROR, error.getMessage() == null ? type : error.getMessage());
        span.end();
        metrics.operationDuration.record((bufferNanos + inFlightNanos) / 1e9,
                sendOf(clientId, record.topic()).attributes.toBuilder().put(Messaging.ERROR_TYPE, type).build());
    }

    @Override
    public void onDataLoss(String clientId, DataLossException loss) {
        metrics.dataLoss.add(1, Attributes.of(Messaging.SYSTEM, Messaging.KAFKA, Messaging.CLIENT_ID, clientId,
                Messaging.DESTINATION, loss.topic(), Messaging.PARTITION, Integer.toString(loss.partition())));
    }

    /**
     * A <b>commit_transaction {transactional id}</b> or <b>abort_transaction
     * {transactional id}</b> span (CLIENT), a child of the caller's current span,
     * from the call to its end.
     */
    @Override
    public void onTransactionEnd(String clientId, String transactionalId, boolean commit, long durationNanos,
                                 Throwable error) {
        String operation = commit ? "commit_transaction" : "abort_transaction";
        Attributes attributes = Attributes.builder().put(Messaging.SYSTEM, Messaging.KAFKA)
                .put(Messaging.OPERATION_NAME, operation).put(Messaging.CLIENT_ID, clientId)
                .put(Messaging.TRANSACTIONAL_ID, transactionalId).build();
        long end = epochNanos();
        Span span = tracer.spanBuilder(operation + " " + transactionalId).setSpanKind(SpanKind.CLIENT)
                .setAllAttributes(attributes).setStartTimestamp(end - durationNanos, TimeUnit.NANOSECONDS)
                .startSpan();
        Attributes measured = failed(span, error, attributes);
        span.end(end, TimeUnit.NANOSECONDS);
        metrics.operationDuration.record(durationNanos / 1e9, measured);
    }

    // ---------------------------------------------------------------- consumer

    @Override
    public void onOpen(String clientId, ConsumerView view) {
        if (explicit) {
            EXPLICIT_CONSUMERS.open(clientId, view);
        }
        metrics.consumers.open(clientId, view);
    }

    @Override
    public void onClose(String clientId, ConsumerView view) {
        metrics.consumers.close(clientId, view);
        if (explicit) {
            EXPLICIT_CONSUMERS.close(clientId, view);
        }
    }

    @Override
    public void onRecordsPolled(String clientId, ConsumerRecords records) {
        if (records.isEmpty()) {
            return;
        }
        ConsumerView view = metrics.consumers.first(clientId);
        String group = view == null ? null : view.groupId().orElse(null);
        polledGroup.set(group);
        Set<String> topics = new TreeSet<>();
        Set<InetSocketAddress> servers = new HashSet<>();
        for (TopicPartition tp : records.partitions()) {
            topics.add(tp.topic());
            if (view != null && servers.size() < 2) {
                servers.add(view.leader(tp).orElse(NO_SERVER));
            }
        }
        String topic = topics.size() == 1 ? topics.iterator().next() : null;
        Attributes attributes = common(clientId, topic, "poll", "receive", group);
        SpanBuilder builder = tracer.spanBuilder(topic == null ? "poll" : "poll " + topic)
                .setSpanKind(SpanKind.CLIENT).setAllAttributes(attributes)
                .setAttribute(Messaging.BATCH_COUNT, (long) records.count());
        if (servers.size() == 1 && !servers.contains(NO_SERVER)) {
            InetSocketAddress server = servers.iterator().next(); // every record came from one broker
            builder.setAttribute(Messaging.SERVER_ADDRESS, server.getHostString())
                    .setAttribute(Messaging.SERVER_PORT, (long) server.getPort());
        }
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
            AttributesBuilder counted = Attributes.builder().put(Messaging.SYSTEM, Messaging.KAFKA)
                    .put(Messaging.OPERATION_NAME, "poll").put(Messaging.DESTINATION, tp.topic())
                    .put(Messaging.PARTITION, Integer.toString(tp.partition())).put(Messaging.CLIENT_ID, clientId);
            if (group != null) {
                counted.put(Messaging.GROUP, group);
            }
            metrics.consumedMessages.add(records.records(tp).size(), counted.build());
        }
    }

    @Override
    public void onPartitionError(String clientId, TopicPartition partition, KafkaException error) {
        metrics.partitionErrors.add(1, Attributes.builder().put(Messaging.SYSTEM, Messaging.KAFKA)
                .put(Messaging.CLIENT_ID, clientId).put(Messaging.DESTINATION, partition.topic())
                .put(Messaging.PARTITION, Integer.toString(partition.partition()))
                .put(Messaging.ERROR_TYPE, errorType(error)).build());
    }

    /**
     * A <b>commit {group}</b> span (CLIENT, operation type {@code settle}), from
     * the commit being made to its answer; its own trace, since it is answered
     * on the consumer's group thread.
     */
    @Override
    public void onCommit(String clientId, String groupId, Map<TopicPartition, OffsetAndMetadata> offsets,
                         long durationNanos, KafkaException error) {
        Set<String> topics = new TreeSet<>();
        for (TopicPartition tp : offsets.keySet()) {
            topics.add(tp.topic());
        }
        Attributes attributes = common(clientId, topics.size() == 1 ? topics.iterator().next() : null, "commit",
                "settle", groupId);
        long end = epochNanos();
        Span span = tracer.spanBuilder("commit " + groupId).setSpanKind(SpanKind.CLIENT).setNoParent()
                .setAllAttributes(attributes).setAttribute(Messaging.PARTITION_COUNT, (long) offsets.size())
                .setStartTimestamp(end - durationNanos, TimeUnit.NANOSECONDS).startSpan();
        Attributes measured = failed(span, error, attributes);
        span.end(end, TimeUnit.NANOSECONDS);
        metrics.operationDuration.record(durationNanos / 1e9, measured);
    }

    /**
     * A <b>rebalance {group}</b> span (INTERNAL), a child of the caller's current
     * span (the poll, allowRebalance or close that ran it), from the step being
     * handed to the application until it ran; the event {@code josef.rebalance.run}
     * marks when the application let it run, so a step a poll held (behaviour 5)
     * shows its wait.
     */
    @Override
    public void onRebalance(String clientId, String groupId, RebalanceStep step) {
        String kind = step.kind().name().toLowerCase(java.util.Locale.ROOT);
        long end = epochNanos();
        long start = end - step.runNanos() - step.waitedNanos();
        Attributes attributes = Attributes.builder().put(Messaging.SYSTEM, Messaging.KAFKA)
                .put(Messaging.CLIENT_ID, clientId).put(Messaging.GROUP, groupId)
                .put(Messaging.REBALANCE_STEP, kind).build();
        Span span = tracer.spanBuilder("rebalance " + groupId).setSpanKind(SpanKind.INTERNAL)
                .setAllAttributes(attributes).setAttribute(Messaging.PARTITION_COUNT, (long) step.partitions().size())
                .setStartTimestamp(start, TimeUnit.NANOSECONDS).startSpan();
        span.addEvent("josef.rebalance.run", start + step.waitedNanos(), TimeUnit.NANOSECONDS);
        span.end(end, TimeUnit.NANOSECONDS);
        metrics.rebalances.add(1, attributes);
        metrics.rebalanceDuration.record((step.waitedNanos() + step.runNanos()) / 1e9, attributes);
        metrics.rebalanceWait.record(step.waitedNanos() / 1e9, attributes);
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
        String group = polledGroup.get();
        Attributes attributes = common(null, record.topic(), "process", "process", group);
        SpanBuilder builder = tracer.spanBuilder("process " + record.topic()).setSpanKind(SpanKind.CONSUMER)
                .setAllAttributes(attributes)
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
            metrics.processDuration.record((clock.nanoTime() - start) / 1e9, errorType == null ? attributes
                    : attributes.toBuilder().put(Messaging.ERROR_TYPE, errorType).build());
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
        return common(clientId, topic, operation, type, null);
    }

    private static Attributes common(String clientId, String topic, String operation, String type, String group) {
        AttributesBuilder b = Attributes.builder().put(Messaging.SYSTEM, Messaging.KAFKA)
                .put(Messaging.OPERATION_NAME, operation).put(Messaging.OPERATION_TYPE, type);
        if (group != null) {
            b.put(Messaging.GROUP, group);
        }
        if (topic != null) {
            b.put(Messaging.DESTINATION, topic);
        }
        if (clientId != null) {
            b.put(Messaging.CLIENT_ID, clientId);
        }
        return b.build();
    }

    /** Marks {@code span} failed by {@code error}, if any; returns the metric's attributes (with error.type). */
    private static Attributes failed(Span span, Throwable error, Attributes attributes) {
        if (error == null) {
            return attributes;
        }
        String type = errorType(error);
        span.setAttribute(Messaging.ERROR_TYPE, type);
        span.setStatus(StatusCode.ERROR, error.getMessage() == null ? type : error.getMessage());
        return attributes.toBuilder().put(Messaging.ERROR_TYPE, type).build();
    }

    private static void server(Span span, Optional<InetSocketAddress> leader) {
        leader.ifPresent(a -> span.setAttribute(Messaging.SERVER_ADDRESS, a.getHostString())
                .setAttribute(Messaging.SERVER_PORT, (long) a.getPort()));
    }

    /** Now, for spans timed from a duration the client measured. */
    private long epochNanos() {
        return clock.currentTimeNanos();
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
        boolean ascii = true;
        for (byte b : key) {
            if (b < 0) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            return new String(key, StandardCharsets.US_ASCII);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(key)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
