package dev.josef.kafka.otel;

import dev.josef.kafka.consumer.OffsetAndMetadata;
import dev.josef.kafka.consumer.PendingRebalance;
import dev.josef.kafka.consumer.spi.RebalanceStep;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.TopicPartition;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The commit, transaction-end and rebalance spans and their metrics, from the
 * hook events alone (no broker): names, kinds, parents, attributes, timing from
 * the durations the client measured, and {@code error.type} on failures.
 */
class JosefTelemetryTest {
    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private final InMemoryMetricReader metrics = InMemoryMetricReader.create();
    private final OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
            .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(metrics).build()).build();
    private final dev.josef.kafka.net.internal.ManualClock clock = new dev.josef.kafka.net.internal.ManualClock();
    private final JosefTelemetry telemetry = new JosefTelemetry(sdk, true, clock);

    @AfterEach
    void close() {
        sdk.close();
    }

    private static String text(SpanData span, String key) {
        return span.getAttributes().get(AttributeKey.stringKey(key));
    }

    private HistogramPointData duration(String operation, String errorType) {
        MetricData m = metrics.collectAllMetrics().stream()
                .filter(d -> d.getName().equals("messaging.client.operation.duration")).findFirst().orElseThrow();
        return m.getHistogramData().getPoints().stream()
                .filter(p -> operation.equals(p.getAttributes().get(AttributeKey.stringKey("messaging.operation.name")))
                        && java.util.Objects.equals(errorType,
                        p.getAttributes().get(AttributeKey.stringKey("error.type"))))
                .findFirst().orElseThrow();
    }

    @Test
    void aCommitIsASettleSpanOfItsGroupAndAFailedOneNamesTheError() {
        TopicPartition a0 = TopicPartition.of("a", 0);
        TopicPartition a1 = TopicPartition.of("a", 1);
        telemetry.onCommit("c1", "g", Map.of(a0, OffsetAndMetadata.of(5), a1, OffsetAndMetadata.of(7)),
                TimeUnit.MILLISECONDS.toNanos(40), null);
        telemetry.onCommit("c1", "g", Map.of(a0, OffsetAndMetadata.of(9), TopicPartition.of("b", 0),
                OffsetAndMetadata.of(1)), TimeUnit.MILLISECONDS.toNanos(3),
                (dev.josef.kafka.protocol.KafkaException) ErrorCode.exception(ErrorCode.REBALANCE_IN_PROGRESS.code(),
                        null));
        assertThat(spans.getFinishedSpanItems()).hasSize(2).allSatisfy(s -> {
            assertThat(s.getName()).isEqualTo("commit g");
            assertThat(s.getKind()).isEqualTo(SpanKind.CLIENT);
            assertThat(s.getParentSpanContext().isValid()).isFalse();
            assertThat(text(s, "messaging.operation.name")).isEqualTo("commit");
            assertThat(text(s, "messaging.operation.type")).isEqualTo("settle");
            assertThat(text(s, "messaging.consumer.group.name")).isEqualTo("g");
            assertThat(text(s, "messaging.client.id")).isEqualTo("c1");
            assertThat(s.getAttributes().get(AttributeKey.longKey("josef.partition_count"))).isEqualTo(2);
        });
        SpanData ok = spans.getFinishedSpanItems().get(0);
        assertThat(text(ok, "messaging.destination.name")).isEqualTo("a");
        assertThat(ok.getEndEpochNanos() - ok.getStartEpochNanos()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(40));
        assertThat(ok.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
        SpanData failed = spans.getFinishedSpanItems().get(1);
        assertThat(text(failed, "messaging.destination.name")).as("two topics: none named").isNull();
        assertThat(text(failed, "error.type")).isEqualTo("REBALANCE_IN_PROGRESS");
        assertThat(failed.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(duration("commit", null).getSum()).isEqualTo(0.040);
        assertThat(duration("commit", "REBALANCE_IN_PROGRESS").getCount()).isEqualTo(1);
    }

    @Test
    void transactionEndsAreChildrenOfTheCallersSpanAndAFailedCommitNamesItsError() {
        Span app = sdk.getTracer("test").spanBuilder("app").startSpan();
        try (Scope scope = app.makeCurrent()) {
            telemetry.onTransactionEnd("p1", "tx", true, TimeUnit.MILLISECONDS.toNanos(12), null);
            telemetry.onTransactionEnd("p1", "tx", true, TimeUnit.MILLISECONDS.toNanos(2),
                    new IllegalStateException("refused"));
            telemetry.onTransactionEnd("p1", "tx", false, TimeUnit.MILLISECONDS.toNanos(5), null);
        } finally {
            app.end();
        }
        assertThat(spans.getFinishedSpanItems()).extracting(SpanData::getName)
                .containsExactly("commit_transaction tx", "commit_transaction tx", "abort_transaction tx", "app");
        for (SpanData s : spans.getFinishedSpanItems().subList(0, 3)) {
            assertThat(s.getKind()).isEqualTo(SpanKind.CLIENT);
            assertThat(s.getParentSpanId()).isEqualTo(app.getSpanContext().getSpanId());
            assertThat(text(s, "josef.transactional.id")).isEqualTo("tx");
            assertThat(text(s, "messaging.client.id")).isEqualTo("p1");
        }
        SpanData failed = spans.getFinishedSpanItems().get(1);
        assertThat(text(failed, "error.type")).isEqualTo("java.lang.IllegalStateException");
        assertThat(failed.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(spans.getFinishedSpanItems().get(0).getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
        assertThat(duration("commit_transaction", null).getSum()).isEqualTo(0.012);
        assertThat(duration("abort_transaction", null).getSum()).isEqualTo(0.005);
        assertThat(duration("commit_transaction", "java.lang.IllegalStateException").getCount()).isEqualTo(1);
    }

    @Test
    void aRebalanceStepSpansItsWaitAndItsRunWithAnEventWhereItBeganToRun() {
        telemetry.onRebalance("c1", "g", new RebalanceStep(PendingRebalance.Kind.REVOKE,
                Set.of(TopicPartition.of("a", 0), TopicPartition.of("a", 1)), TimeUnit.SECONDS.toNanos(3),
                TimeUnit.MILLISECONDS.toNanos(250)));
        SpanData span = spans.getFinishedSpanItems().get(0);
        assertThat(span.getEndEpochNanos()).as("ends now, by the telemetry's clock").isEqualTo(clock.currentTimeNanos());
        assertThat(span.getName()).isEqualTo("rebalance g");
        assertThat(span.getKind()).isEqualTo(SpanKind.INTERNAL);
        assertThat(text(span, "josef.rebalance.step")).isEqualTo("revoke");
        assertThat(span.getAttributes().get(AttributeKey.longKey("josef.partition_count"))).isEqualTo(2);
        assertThat(span.getEndEpochNanos() - span.getStartEpochNanos()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(3250));
        assertThat(span.getEvents()).singleElement().satisfies(e -> {
            assertThat(e.getName()).isEqualTo("josef.rebalance.run");
            assertThat(e.getEpochNanos() - span.getStartEpochNanos()).isEqualTo(TimeUnit.SECONDS.toNanos(3));
        });
        Map<String, MetricData> byName = new java.util.HashMap<>();
        metrics.collectAllMetrics().forEach(m -> byName.put(m.getName(), m));
        assertThat(byName.get("josef.consumer.rebalances").getLongSumData().getPoints()).singleElement()
                .satisfies(p -> {
                    assertThat(p.getValue()).isEqualTo(1);
                    assertThat(p.getAttributes().get(AttributeKey.stringKey("josef.rebalance.step")))
                            .isEqualTo("revoke");
                });
        assertThat(byName.get("josef.consumer.rebalance.wait").getUnit()).isEqualTo("s");
        assertThat(byName.get("josef.consumer.rebalance.wait").getHistogramData().getPoints()).singleElement()
                .satisfies(p -> assertThat(p.getSum()).isEqualTo(3.0));
        assertThat(byName.get("josef.consumer.rebalance.duration").getHistogramData().getPoints()).singleElement()
                .satisfies(p -> assertThat(p.getSum()).isEqualTo(3.25));
    }

    private static final class StubProducer implements dev.josef.kafka.producer.spi.ProducerView {
        @Override
        public long bufferedBytes() {
            return 0;
        }

        @Override
        public int bufferedRecords() {
            return 0;
        }

        @Override
        public long bufferLimitBytes() {
            return 1;
        }

        @Override
        public int requestsInFlight() {
            return 0;
        }

        @Override
        public java.util.Optional<java.net.InetSocketAddress> leader(TopicPartition partition) {
            return java.util.Optional.empty();
        }
    }

    private static final class StubConsumer implements dev.josef.kafka.consumer.spi.ConsumerView {
        @Override
        public java.util.Optional<String> groupId() {
            return java.util.Optional.of("g");
        }

        @Override
        public Map<TopicPartition, Long> lags() {
            return Map.of();
        }

        @Override
        public java.util.Optional<java.net.InetSocketAddress> leader(TopicPartition partition) {
            return java.util.Optional.empty();
        }
    }

    @Test
    void theFoundHookServesAConsumerSharingItsIdWithAProducerThatHasItsOwnTelemetry() throws Exception {
        InMemorySpanExporter globalSpans = InMemorySpanExporter.create();
        OpenTelemetrySdk global = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(globalSpans)).build()).build();
        io.opentelemetry.api.GlobalOpenTelemetry.resetForTest();
        io.opentelemetry.api.GlobalOpenTelemetry.set(global);
        StubProducer producer = new StubProducer();
        StubConsumer consumer = new StubConsumer();
        GlobalTelemetry forProducer = new GlobalTelemetry(); // ServiceLoader makes one per client
        GlobalTelemetry forConsumer = new GlobalTelemetry();
        try {
            Thread.sleep(GlobalTelemetry.RECHECK_MILLIS * 3);
            telemetry.onOpen("app", producer); // the producer "app" was given a telemetry object of its own
            forProducer.onOpen("app", producer);
            forConsumer.onOpen("app", consumer);
            forProducer.onTransactionEnd("app", "tx", true, 1_000_000, null);
            forConsumer.onCommit("app", "g", Map.of(TopicPartition.of("a", 0), OffsetAndMetadata.of(1)), 1_000_000,
                    null);
            assertThat(globalSpans.getFinishedSpanItems()).extracting(SpanData::getName)
                    .as("the producer is its own telemetry's; the consumer is the found hook's")
                    .containsExactly("commit g");
        } finally {
            forConsumer.onClose("app", consumer);
            forProducer.onClose("app", producer);
            telemetry.onClose("app", producer);
            io.opentelemetry.api.GlobalOpenTelemetry.resetForTest();
            global.close();
        }
    }
}
