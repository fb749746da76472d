package dev.josef.kafka.otel;

import dev.josef.kafka.consumer.Consumer;
import dev.josef.kafka.consumer.ConsumerConfig;
import dev.josef.kafka.consumer.ConsumerRecord;
import dev.josef.kafka.consumer.ConsumerRecords;
import dev.josef.kafka.net.Cluster;
import dev.josef.kafka.net.NetworkConfig;
import dev.josef.kafka.producer.ProduceFuture;
import dev.josef.kafka.producer.Producer;
import dev.josef.kafka.producer.ProducerConfig;
import dev.josef.kafka.producer.ProducerRecord;
import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.Header;
import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.testkit.KafkaCluster;
import dev.josef.kafka.testkit.KafkaClusterExtension;
import dev.josef.kafka.testkit.KafkaProxy;
import dev.josef.kafka.testkit.ProxyRule;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.instrumentation.kafkaclients.v2_6.KafkaTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * kafka-otel on a real broker with the OpenTelemetry SDK's in-memory exporters:
 * the spans' exact names, kinds, attributes, parents and links; one
 * {@code traceparent} per record even when its batch is retried; the metrics;
 * and one trace across Josef and kafka-clients instrumented by OpenTelemetry's
 * own kafka-clients library, both ways.
 */
@ExtendWith(KafkaClusterExtension.class)
class OtelIT {
    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private final InMemoryMetricReader metrics = InMemoryMetricReader.create();
    private OpenTelemetrySdk sdk;
    private JosefTelemetry telemetry;

    @BeforeEach
    void sdk() {
        sdk = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans))
                        .build())
                .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(metrics).build())
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build();
        telemetry = JosefTelemetry.create(sdk);
    }

    @AfterEach
    void close() {
        sdk.close();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private List<SpanData> spans(Predicate<SpanData> which) {
        return spans.getFinishedSpanItems().stream().filter(which).toList();
    }

    private List<ConsumerRecord> read(Consumer consumer, int count) {
        List<ConsumerRecord> read = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (read.size() < count && System.nanoTime() < deadline) {
            for (ConsumerRecord r : consumer.poll(Duration.ofMillis(200))) {
                read.add(r);
            }
        }
        assertThat(read).hasSize(count);
        return read;
    }

    private static long traceparents(List<Header> headers) {
        return headers.stream().filter(h -> h.key().equals("traceparent")).count();
    }

    @Test
    void sendPollAndProcessSpansFollowTheConventionsAndCarryTheContextOnce(KafkaCluster cluster) throws Exception {
        String topic = "otel-spans";
        cluster.createTopic(topic, 1, 1);
        Span app = sdk.getTracer("test").spanBuilder("app").startSpan();
        String userTraceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        List<ProduceFuture> sent = new ArrayList<>();
        try (Producer producer = Producer.create(ProducerConfig.builder().bootstrapServers(cluster.bootstrapServers())
                .hook(telemetry).build())) {
            Scope scope = app.makeCurrent();
            try {
                sent.add(producer.produce(ProducerRecord.of(topic, bytes("k1"), bytes("v1")).withPartition(0)));
                sent.add(producer.produce(ProducerRecord.of(topic, null, null).withPartition(0)));
                sent.add(producer.produce(ProducerRecord.of(topic, bytes("k3"), bytes("v3")).withPartition(0)
                        .withHeader("traceparent", bytes(userTraceparent))));
            } finally {
                scope.close();
            }
            for (ProduceFuture f : sent) {
                f.get(30, TimeUnit.SECONDS);
            }
        }
        app.end();
        List<SpanData> sends = spans(s -> s.getName().equals("send " + topic));
        assertThat(sends).hasSize(3).allSatisfy(s -> {
            assertThat(s.getKind()).isEqualTo(SpanKind.PRODUCER);
            assertThat(s.getAttributes().get(AttributeKey.stringKey("messaging.system"))).isEqualTo("kafka");
            assertThat(s.getAttributes().get(AttributeKey.stringKey("messaging.operation.name"))).isEqualTo("send");
            assertThat(s.getAttributes().get(AttributeKey.stringKey("messaging.operation.type"))).isEqualTo("send");
            assertThat(s.getAttributes().get(AttributeKey.stringKey("messaging.destination.name"))).isEqualTo(topic);
            assertThat(s.getAttributes().get(AttributeKey.stringKey("messaging.destination.partition.id")))
                    .isEqualTo("0");
            assertThat(s.getAttributes().get(AttributeKey.stringKey("messaging.client.id"))).startsWith("producer-");
        });
        SpanData first = sends.stream().filter(s -> "k1".equals(s.getAttributes()
                .get(AttributeKey.stringKey("messaging.kafka.message.key")))).findFirst().orElseThrow();
        assertThat(first.getParentSpanId()).isEqualTo(app.getSpanContext().getSpanId());
        assertThat(first.getAttributes().get(AttributeKey.longKey("messaging.kafka.offset"))).isZero();
        SpanData tombstone = sends.stream().filter(s -> Boolean.TRUE.equals(s.getAttributes()
                .get(AttributeKey.booleanKey("messaging.kafka.message.tombstone")))).findFirst().orElseThrow();
        assertThat(tombstone.getAttributes().get(AttributeKey.longKey("messaging.kafka.offset"))).isEqualTo(1);
        SpanData userOwned = sends.stream().filter(s -> "k3".equals(s.getAttributes()
                .get(AttributeKey.stringKey("messaging.kafka.message.key")))).findFirst().orElseThrow();
        assertThat(userOwned.getTraceId()).as("the span of a record whose context the user set, in the app's trace")
                .isEqualTo(app.getSpanContext().getTraceId());

        spans.reset();
        try (Consumer consumer = Consumer.create(ConsumerConfig.builder().bootstrapServers(cluster.bootstrapServers())
                .offsetReset(dev.josef.kafka.consumer.OffsetReset.EARLIEST)
                .hook(telemetry).build())) {
            consumer.assign(List.of(TopicPartition.of(topic, 0)));
            List<ConsumerRecord> records = read(consumer, 3);
            assertThat(records).allSatisfy(r -> assertThat(traceparents(r.headers())).isEqualTo(1));
            assertThat(new String(records.get(2).headers().get(0).value(), StandardCharsets.UTF_8))
                    .as("the user's traceparent is kept").isEqualTo(userTraceparent);
            assertThat(telemetry.process(records.get(0), () -> "done")).isEqualTo("done");
            assertThatThrownBy(() -> telemetry.process(records.get(1), (Runnable) () -> {
                throw new IllegalArgumentException("bad record");
            })).isInstanceOf(IllegalArgumentException.class);
        }
        List<SpanData> polls = spans(s -> s.getName().equals("poll " + topic));
        assertThat(polls).isNotEmpty().allSatisfy(p -> {
            assertThat(p.getKind()).isEqualTo(SpanKind.CLIENT);
            assertThat(p.getAttributes().get(AttributeKey.stringKey("messaging.operation.type"))).isEqualTo("receive");
        });
        assertThat(polls.stream().mapToLong(p -> p.getAttributes().get(AttributeKey.longKey(
                "messaging.batch.message_count"))).sum()).isEqualTo(3);
        assertThat(polls.stream().flatMap(p -> p.getLinks().stream()).map(l -> l.getSpanContext().getSpanId()))
                .as("a poll links every record's creation context").contains(first.getSpanId(), tombstone.getSpanId(),
                        "b7ad6b7169203331");
        List<SpanData> processes = spans(s -> s.getName().equals("process " + topic));
        assertThat(processes).hasSize(2).allSatisfy(p -> assertThat(p.getKind()).isEqualTo(SpanKind.CONSUMER));
        SpanData processed = processes.stream().filter(p -> p.getStatus().getStatusCode() != StatusCode.ERROR)
                .findFirst().orElseThrow();
        assertThat(processed.getParentSpanId()).as("no span was current: parented on the creation")
                .isEqualTo(first.getSpanId());
        assertThat(processed.getLinks()).extracting(l -> l.getSpanContext().getSpanId()).contains(first.getSpanId());
        SpanData failed = processes.stream().filter(p -> p.getStatus().getStatusCode() == StatusCode.ERROR)
                .findFirst().orElseThrow();
        assertThat(failed.getAttributes().get(AttributeKey.stringKey("error.type")))
                .isEqualTo("java.lang.IllegalArgumentException");

        Map<String, MetricData> byName = new java.util.HashMap<>();
        for (MetricData m : metrics.collectAllMetrics()) {
            byName.put(m.getName(), m);
        }
        assertThat(byName.get("messaging.client.operation.duration").getUnit()).isEqualTo("s");
        assertThat(byName.get("messaging.client.operation.duration").getHistogramData().getPoints().stream()
                .mapToLong(p -> p.getCount()).sum()).isEqualTo(3);
        assertThat(byName.get("messaging.client.sent.messages").getLongSumData().getPoints().stream()
                .mapToLong(p -> p.getValue()).sum()).isEqualTo(3);
        assertThat(byName.get("messaging.client.consumed.messages").getLongSumData().getPoints().stream()
                .mapToLong(p -> p.getValue()).sum()).isEqualTo(3);
        assertThat(byName.get("messaging.process.duration").getHistogramData().getPoints().stream()
                .mapToLong(p -> p.getCount()).sum()).isEqualTo(2);
    }

    @Test
    void aRetriedBatchCarriesOneTraceparentAndAFailedSendSaysWhy(KafkaCluster cluster) throws Exception {
        String topic = "otel-retry";
        cluster.createTopic(topic, 1, 1);
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers());
             Producer producer = Producer.create(ProducerConfig.builder().bootstrapServers(proxy.bootstrapServers())
                     .hook(telemetry).build())) {
            ProxyRule retry = proxy.add(ProxyRule.on(ApiKey.PRODUCE).topic(topic).times(2)
                    .replaceError(ErrorCode.NOT_LEADER_OR_FOLLOWER));
            producer.produce(ProducerRecord.of(topic, bytes("retried")).withPartition(0)).get(30, TimeUnit.SECONDS);
            assertThat(retry.fired()).isEqualTo(2);
            proxy.add(ProxyRule.on(ApiKey.PRODUCE).topic(topic).times(1).replaceError(ErrorCode.INVALID_RECORD));
            ProduceFuture refused = producer.produce(ProducerRecord.of(topic, bytes("refused")).withPartition(0));
            assertThatThrownBy(() -> refused.get(30, TimeUnit.SECONDS)).hasMessageContaining("INVALID_RECORD");
        }
        try (Consumer consumer = Consumer.create(ConsumerConfig.builder().bootstrapServers(cluster.bootstrapServers())
                .offsetReset(dev.josef.kafka.consumer.OffsetReset.EARLIEST)
                .build())) {
            consumer.assign(List.of(TopicPartition.of(topic, 0)));
            // The proxy replaced the broker's answers: the records are in the log (the refused one too), once each.
            List<ConsumerRecord> records = read(consumer, 2);
            assertThat(records).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                    .containsExactly("retried", "refused");
            assertThat(traceparents(records.get(0).headers())).as("sent three times, one traceparent").isEqualTo(1);
        }
        SpanData failed = spans(s -> s.getName().equals("send " + topic)
                && s.getStatus().getStatusCode() == StatusCode.ERROR).get(0);
        assertThat(failed.getAttributes().get(AttributeKey.stringKey("error.type"))).isEqualTo("INVALID_RECORD");
        assertThat(failed.getAttributes().get(AttributeKey.stringKey("josef.persistence"))).isEqualTo("NOT_PERSISTED");
    }

    @Test
    void oneTraceAcrossJosefAndKafkaClientsWithOpenTelemetrysInstrumentationBothWays(KafkaCluster cluster)
            throws Exception {
        String josefToKafka = "otel-josef-to-kafka";
        String kafkaToJosef = "otel-kafka-to-josef";
        cluster.createTopic(josefToKafka, 1, 1);
        cluster.createTopic(kafkaToJosef, 1, 1);
        KafkaTelemetry instrumentation = KafkaTelemetry.create(sdk);
        try (Producer producer = Producer.create(ProducerConfig.builder().bootstrapServers(cluster.bootstrapServers())
                .hook(telemetry).build())) {
            producer.produce(ProducerRecord.of(josefToKafka, bytes("from-josef")).withPartition(0))
                    .get(30, TimeUnit.SECONDS);
        }
        SpanData send = spans(s -> s.getName().equals("send " + josefToKafka)).get(0);
        Map<String, Object> consumerProps = Map.of("bootstrap.servers", cluster.bootstrapServers(),
                "group.id", "otel-interop", "auto.offset.reset", "earliest",
                "key.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer",
                "value.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
        try (org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> kafka =
                     instrumentation.wrap(new KafkaConsumer<byte[], byte[]>(consumerProps))) {
            kafka.subscribe(List.of(josefToKafka));
            int seen = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (seen == 0 && System.nanoTime() < deadline) {
                for (var ignored : kafka.poll(Duration.ofMillis(200))) {
                    seen++; // iterating makes the instrumentation's process span
                }
            }
            assertThat(seen).isEqualTo(1);
        }
        assertThat(spans(s -> !s.getName().startsWith("send ") && s.getTraceId().equals(send.getTraceId())
                || s.getLinks().stream().anyMatch(l -> l.getSpanContext().getTraceId().equals(send.getTraceId()))))
                .as("kafka-clients' instrumented consumer continues (or links) Josef's trace").isNotEmpty();

        spans.reset();
        Map<String, Object> producerProps = Map.of("bootstrap.servers", cluster.bootstrapServers(),
                "key.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer",
                "value.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
        try (org.apache.kafka.clients.producer.Producer<byte[], byte[]> kafka =
                     instrumentation.wrap(new KafkaProducer<byte[], byte[]>(producerProps))) {
            kafka.send(new org.apache.kafka.clients.producer.ProducerRecord<>(kafkaToJosef, 0, null,
                    bytes("from-kafka-clients"))).get(30, TimeUnit.SECONDS);
        }
        SpanData kafkaSend = spans(s -> s.getKind() == SpanKind.PRODUCER).get(0);
        try (Consumer consumer = Consumer.create(ConsumerConfig.builder().bootstrapServers(cluster.bootstrapServers())
                .offsetReset(dev.josef.kafka.consumer.OffsetReset.EARLIEST)
                .hook(telemetry).build())) {
            consumer.assign(List.of(TopicPartition.of(kafkaToJosef, 0)));
            ConsumerRecord r = read(consumer, 1).get(0);
            telemetry.process(r, () -> { });
        }
        SpanData process = spans(s -> s.getName().equals("process " + kafkaToJosef)).get(0);
        assertThat(process.getTraceId()).as("Josef's process span is in kafka-clients' trace")
                .isEqualTo(kafkaSend.getTraceId());
        assertThat(process.getParentSpanId()).isEqualTo(kafkaSend.getSpanId());
        SpanData poll = spans(s -> s.getName().equals("poll " + kafkaToJosef)).get(0);
        assertThat(poll.getLinks()).extracting(l -> l.getSpanContext().getSpanId()).contains(kafkaSend.getSpanId());
    }

    @Test
    void everySendSpanEndsWhenTheRecordIsRefusedAtTheCallOrCancelled(KafkaCluster cluster) throws Exception {
        String topic = "otel-refused";
        cluster.createTopic(topic, 1, 1);
        try (Producer producer = Producer.create(ProducerConfig.builder().bootstrapServers(cluster.bootstrapServers())
                .bufferMemory(64 * 1024).linger(Duration.ofSeconds(30)).hook(telemetry).build())) {
            ProduceFuture cancelled = producer.produce(ProducerRecord.of(topic, bytes("cancelled")).withPartition(0));
            assertThat(cancelled.cancel(false)).isTrue();
            int produced = 1;
            boolean refused = false;
            while (!refused && produced < 1000) { // lingering: the buffer fills until tryProduce is refused
                produced++;
                refused = producer.tryProduce(ProducerRecord.of(topic, new byte[4096]).withPartition(0))
                        .isCompletedExceptionally();
            }
            assertThat(refused).isTrue();
            producer.close(Duration.ofSeconds(30));
            List<SpanData> sends = spans(s -> s.getName().equals("send " + topic));
            assertThat(sends).as("each produce's span ended, none left open").hasSize(produced);
            assertThat(sends).filteredOn(s -> s.getStatus().getStatusCode() == StatusCode.ERROR)
                    .extracting(s -> s.getAttributes().get(AttributeKey.stringKey("error.type")))
                    .containsExactlyInAnyOrder("java.util.concurrent.CancellationException",
                            "dev.josef.kafka.producer.ProduceException");
        }
    }

    @Test
    void withKafkaOtelPresentAClientWithoutAHookIsTracedOnGlobalOpenTelemetry(KafkaCluster cluster)
            throws Exception {
        String topic = "otel-global";
        cluster.createTopic(topic, 1, 1);
        io.opentelemetry.api.GlobalOpenTelemetry.resetForTest();
        try (Producer producer = Producer.create(ProducerConfig.builder().bootstrapServers(cluster.bootstrapServers())
                .build())) {
            producer.produce(ProducerRecord.of(topic, bytes("before")).withPartition(0)).get(30, TimeUnit.SECONDS);
            // Installed after the producer was built, as an application may do: used from then on (the hook
            // looks at GlobalOpenTelemetry at most every RECHECK_MILLIS).
            io.opentelemetry.api.GlobalOpenTelemetry.set(sdk);
            Thread.sleep(GlobalTelemetry.RECHECK_MILLIS * 3);
            producer.produce(ProducerRecord.of(topic, bytes("found")).withPartition(0)).get(30, TimeUnit.SECONDS);
            assertThat(metricsByName().get("josef.producer.buffer.limit").getLongGaugeData().getPoints())
                    .as("the producer opened before the SDK was installed has its gauges")
                    .extracting(p -> p.getAttributes().get(AttributeKey.stringKey("messaging.client.id")))
                    .contains(producer.clientId());
        } finally {
            io.opentelemetry.api.GlobalOpenTelemetry.resetForTest();
        }
        assertThat(spans(s -> s.getName().equals("send " + topic))).singleElement()
                .satisfies(s -> assertThat(s.getAttributes().get(AttributeKey.longKey("messaging.kafka.offset")))
                        .isEqualTo(1));
    }

    @Test
    void withoutTheHookNothingIsTracedAndNoHeaderIsAdded(KafkaCluster cluster) throws Exception {
        String topic = "otel-off";
        cluster.createTopic(topic, 1, 1);
        try (Producer producer = Producer.create(ProducerConfig.builder().bootstrapServers(cluster.bootstrapServers())
                .build())) {
            producer.produce(ProducerRecord.of(topic, bytes("plain")).withPartition(0)).get(30, TimeUnit.SECONDS);
        }
        try (Consumer consumer = Consumer.create(ConsumerConfig.builder().bootstrapServers(cluster.bootstrapServers())
                .offsetReset(dev.josef.kafka.consumer.OffsetReset.EARLIEST)
                .build())) {
            consumer.assign(List.of(TopicPartition.of(topic, 0)));
            assertThat(read(consumer, 1).get(0).headers()).isEmpty();
        }
        assertThat(spans(s -> s.getName().startsWith("send "))).isEmpty();
    }

    private Map<String, MetricData> metricsByName() {
        Map<String, MetricData> byName = new java.util.HashMap<>();
        for (MetricData m : metrics.collectAllMetrics()) {
            byName.put(m.getName(), m);
        }
        return byName;
    }

    private static String text(SpanData span, String key) {
        return span.getAttributes().get(AttributeKey.stringKey(key));
    }

    /**
     * One telemetry object given to a shared cluster covers the transactional
     * producer and the group consumers on it: transaction-end spans under the
     * application's span, commit spans, the group on poll and process spans,
     * the broker's address, a rebalance span that shows how long a poll held the
     * step (behaviour 5), and the gauges and rebalance metrics.
     */
    @Test
    void transactionCommitAndRebalanceSpansAndTheGaugesFromOneTelemetryOnASharedCluster(KafkaCluster cluster)
            throws Exception {
        String topic = "otel-group";
        String group = "otel-group-g";
        cluster.createTopic(topic, 2, 1);
        int brokerPort = Integer.parseInt(cluster.bootstrapServers().substring(
                cluster.bootstrapServers().lastIndexOf(':') + 1));
        Span app = sdk.getTracer("test").spanBuilder("app").startSpan();
        try (Cluster shared = Cluster.connect(NetworkConfig.builder().bootstrapServers(cluster.bootstrapServers())
                .hook(telemetry).build())) {
            String producerId;
            try (Producer producer = Producer.create(ProducerConfig.builder()
                    .bootstrapServers(cluster.bootstrapServers()).transactionalId("otel-tx").build(), shared)) {
                producerId = producer.clientId();
                producer.initTransactions();
                try (Scope scope = app.makeCurrent()) {
                    producer.beginTransaction();
                    producer.produce(ProducerRecord.of(topic, bytes("a")).withPartition(0));
                    producer.produce(ProducerRecord.of(topic, bytes("b")).withPartition(1));
                    producer.commitTransaction();
                    producer.beginTransaction();
                    producer.produce(ProducerRecord.of(topic, bytes("aborted")).withPartition(0));
                    assertThat(producer.flush(Duration.ofSeconds(30))).isTrue(); // sent, then aborted
                    producer.abortTransaction();
                }
                Map<String, MetricData> open = metricsByName();
                assertThat(open.get("josef.producer.buffer.limit").getLongGaugeData().getPoints()).singleElement()
                        .satisfies(p -> {
                            assertThat(p.getValue()).isEqualTo(ProducerConfig.DEFAULT_BUFFER_MEMORY);
                            assertThat(p.getAttributes().get(AttributeKey.stringKey("messaging.client.id")))
                                    .isEqualTo(producerId);
                        });
                assertThat(open.get("josef.producer.buffer.used").getUnit()).isEqualTo("By");
                assertThat(open.get("josef.producer.requests.in_flight").getLongSumData().getPoints())
                        .singleElement().satisfies(p -> assertThat(p.getValue()).isZero());
                assertThat(open.get("josef.producer.request.records").getHistogramData().getPoints().stream()
                        .mapToDouble(p -> p.getSum()).sum()).as("records sent in requests").isEqualTo(3);
            }
            app.end();
            assertThat(metricsByName().get("josef.producer.buffer.limit"))
                    .as("a closed producer leaves the gauges").satisfiesAnyOf(
                            m -> assertThat(m).isNull(),
                            m -> assertThat(m.getLongGaugeData().getPoints()).isEmpty());
            SpanData committed = spans(s -> s.getName().equals("commit_transaction otel-tx")).get(0);
            SpanData aborted = spans(s -> s.getName().equals("abort_transaction otel-tx")).get(0);
            for (SpanData end : List.of(committed, aborted)) {
                assertThat(end.getKind()).isEqualTo(SpanKind.CLIENT);
                assertThat(end.getParentSpanId()).isEqualTo(app.getSpanContext().getSpanId());
                assertThat(text(end, "josef.transactional.id")).isEqualTo("otel-tx");
                assertThat(text(end, "messaging.client.id")).isEqualTo(producerId);
                assertThat(end.getStatus().getStatusCode()).isNotEqualTo(StatusCode.ERROR);
            }
            assertThat(text(committed, "messaging.operation.name")).isEqualTo("commit_transaction");
            assertThat(spans(s -> s.getName().equals("send " + topic))).hasSize(3).allSatisfy(s -> {
                assertThat(text(s, "server.address")).isNotBlank();
                assertThat(s.getAttributes().get(AttributeKey.longKey("server.port"))).isEqualTo(brokerPort);
            });

            spans.reset();
            ConsumerConfig.Builder member = ConsumerConfig.builder().bootstrapServers(cluster.bootstrapServers())
                    .groupId(group).offsetReset(dev.josef.kafka.consumer.OffsetReset.EARLIEST)
                    .isolationLevel(dev.josef.kafka.protocol.IsolationLevel.READ_COMMITTED)
                    .sessionTimeout(Duration.ofSeconds(10)).heartbeatInterval(Duration.ofSeconds(1))
                    .autoCommit(false);
            try (Consumer a = Consumer.create(member.blockRebalanceOnPoll().build(), shared)) {
                a.subscribe(List.of(topic));
                List<ConsumerRecord> read = read(a, 2);
                assertThat(read).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                        .containsExactlyInAnyOrder("a", "b");
                telemetry.process(read.get(0), () -> { });
                a.commitSync();
                Map<String, MetricData> open = metricsByName();
                assertThat(open.get("josef.consumer.lag").getLongGaugeData().getPoints())
                        .extracting(p -> p.getAttributes().get(AttributeKey.stringKey(
                                "messaging.destination.partition.id")))
                        .containsExactlyInAnyOrder("0", "1");
                assertThat(open.get("josef.consumer.lag").getLongGaugeData().getPoints()).allSatisfy(p ->
                        assertThat(p.getAttributes().get(AttributeKey.stringKey("messaging.consumer.group.name")))
                                .isEqualTo(group));
                try (Consumer b = Consumer.create(ConsumerConfig.builder()
                        .bootstrapServers(cluster.bootstrapServers()).groupId(group)
                        .sessionTimeout(Duration.ofSeconds(10)).heartbeatInterval(Duration.ofSeconds(1))
                        .build(), shared)) {
                    b.subscribe(List.of(topic));
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (a.pendingRebalance().isEmpty() && System.nanoTime() < deadline) {
                        a.poll(Duration.ofMillis(50));
                        b.poll(Duration.ofMillis(50));
                    }
                    assertThat(a.pendingRebalance()).as("the poll holds the revoke").isPresent();
                    Thread.sleep(500); // the application works on, holding the rebalance
                    a.allowRebalance();
                }
            }
        }
        List<SpanData> polls = spans(s -> s.getName().equals("poll " + topic));
        assertThat(polls).isNotEmpty().allSatisfy(p -> {
            assertThat(text(p, "messaging.consumer.group.name")).isEqualTo(group);
            assertThat(p.getAttributes().get(AttributeKey.longKey("server.port"))).isEqualTo(brokerPort);
        });
        assertThat(spans(s -> s.getName().equals("process " + topic))).singleElement()
                .satisfies(p -> assertThat(text(p, "messaging.consumer.group.name")).isEqualTo(group));
        SpanData commit = spans(s -> s.getName().equals("commit " + group)).get(0);
        assertThat(commit.getKind()).isEqualTo(SpanKind.CLIENT);
        assertThat(text(commit, "messaging.operation.name")).isEqualTo("commit");
        assertThat(text(commit, "messaging.operation.type")).isEqualTo("settle");
        assertThat(text(commit, "messaging.destination.name")).isEqualTo(topic);
        assertThat(commit.getAttributes().get(AttributeKey.longKey("josef.partition_count"))).isEqualTo(2);
        assertThat(commit.getStatus().getStatusCode()).isNotEqualTo(StatusCode.ERROR);

        List<SpanData> rebalances = spans(s -> s.getName().equals("rebalance " + group));
        assertThat(rebalances).extracting(s -> text(s, "josef.rebalance.step")).contains("assign", "revoke");
        SpanData held = rebalances.stream().filter(s -> "revoke".equals(text(s, "josef.rebalance.step")))
                .findFirst().orElseThrow();
        assertThat(held.getKind()).isEqualTo(SpanKind.INTERNAL);
        assertThat(held.getAttributes().get(AttributeKey.longKey("josef.partition_count"))).isEqualTo(2);
        assertThat(held.getEvents()).singleElement().satisfies(e -> {
            assertThat(e.getName()).isEqualTo("josef.rebalance.run");
            assertThat(e.getEpochNanos() - held.getStartEpochNanos()).as("the hold shows in the trace")
                    .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(500));
        });
        Map<String, MetricData> byName = metricsByName();
        assertThat(byName.get("josef.consumer.rebalances").getLongSumData().getPoints())
                .extracting(p -> p.getAttributes().get(AttributeKey.stringKey("josef.rebalance.step")))
                .contains("assign", "revoke");
        assertThat(byName.get("josef.consumer.rebalance.wait").getHistogramData().getPoints().stream()
                .mapToDouble(p -> p.getMax()).max().orElse(0)).isGreaterThanOrEqualTo(0.5);
        assertThat(byName.get("messaging.client.operation.duration").getHistogramData().getPoints())
                .extracting(p -> p.getAttributes().get(AttributeKey.stringKey("messaging.operation.name")))
                .contains("send", "commit", "commit_transaction", "abort_transaction");
    }

    @Test
    void switchedOffByConfigurationTheFoundHookTracesNothingEvenWithGlobalOpenTelemetrySet(KafkaCluster cluster)
            throws Exception {
        String topic = "otel-switched-off";
        cluster.createTopic(topic, 1, 1);
        io.opentelemetry.api.GlobalOpenTelemetry.resetForTest();
        io.opentelemetry.api.GlobalOpenTelemetry.set(sdk);
        System.setProperty("josef.otel.auto", "false");
        try (Producer producer = Producer.create(ProducerConfig.builder().bootstrapServers(cluster.bootstrapServers())
                .build())) {
            producer.produce(ProducerRecord.of(topic, bytes("quiet")).withPartition(0)).get(30, TimeUnit.SECONDS);
        } finally {
            System.clearProperty("josef.otel.auto");
            io.opentelemetry.api.GlobalOpenTelemetry.resetForTest();
        }
        try (Consumer consumer = Consumer.create(ConsumerConfig.builder().bootstrapServers(cluster.bootstrapServers())
                .offsetReset(dev.josef.kafka.consumer.OffsetReset.EARLIEST).build())) {
            consumer.assign(List.of(TopicPartition.of(topic, 0)));
            assertThat(read(consumer, 1).get(0).headers()).as("no trace context added").isEmpty();
        }
        assertThat(spans(s -> true)).isEmpty();
    }

    @Test
    void aHookAddingHeadersAfterTelemetryWasGivenLeavesNoSendSpanOpen(KafkaCluster cluster) throws Exception {
        String topic = "otel-hook-order";
        cluster.createTopic(topic, 1, 1);
        dev.josef.kafka.producer.spi.ProducerHook tagger = new dev.josef.kafka.producer.spi.ProducerHook() {
            @Override
            public ProducerRecord onProduce(String clientId, ProducerRecord record) {
                return record.withHeader("tag", bytes("x"));
            }
        };
        try (Producer producer = Producer.create(ProducerConfig.builder().bootstrapServers(cluster.bootstrapServers())
                .hook(telemetry).hook(tagger).build())) {
            producer.produce(ProducerRecord.of(topic, bytes("tagged")).withPartition(0)).get(30, TimeUnit.SECONDS);
        }
        // Telemetry runs after the tagger whatever the order they were given in: it sees, and reports the outcome
        // of, the record the producer sends.
        assertThat(spans(s -> s.getName().equals("send " + topic))).singleElement()
                .satisfies(s -> assertThat(s.getAttributes().get(AttributeKey.longKey("messaging.kafka.offset")))
                        .isZero());
        try (Consumer consumer = Consumer.create(ConsumerConfig.builder().bootstrapServers(cluster.bootstrapServers())
                .offsetReset(dev.josef.kafka.consumer.OffsetReset.EARLIEST).build())) {
            consumer.assign(List.of(TopicPartition.of(topic, 0)));
            assertThat(read(consumer, 1).get(0).headers()).extracting(Header::key)
                    .containsExactly("tag", "traceparent");
        }
    }
}
