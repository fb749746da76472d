package dev.josef.kafka.otel;

import dev.josef.kafka.consumer.spi.ConsumerView;
import dev.josef.kafka.producer.spi.ProducerView;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.LongHistogram;
import io.opentelemetry.api.metrics.Meter;

import java.util.List;

/**
 * The meter's instruments: the messaging conventions' metrics and Josef's own
 * ({@code josef.*}), and the gauges read from the clients open now.
 *
 * <p>Threads: safe to share; the gauges' callbacks run on the metric reader's
 * thread and read {@link #producers} and {@link #consumers}, which clients enter
 * at {@code onOpen} and leave at {@code onClose}.
 */
final class Instruments {
    /** Records per batch and per request: from one to the most a request holds. */
    private static final List<Long> COUNT_BUCKETS = List.of(1L, 2L, 5L, 10L, 20L, 50L, 100L, 200L, 500L, 1000L,
            2000L, 5000L, 10000L);

    final DoubleHistogram operationDuration;
    final LongCounter sentMessages;
    final LongCounter consumedMessages;
    final DoubleHistogram processDuration;
    final LongHistogram batchRecords;
    final LongHistogram requestRecords;
    final LongCounter dataLoss;
    final LongCounter partitionErrors;
    final LongCounter rebalances;
    final DoubleHistogram rebalanceDuration;
    final DoubleHistogram rebalanceWait;
    final OpenClients<ProducerView> producers = new OpenClients<>();
    final OpenClients<ConsumerView> consumers = new OpenClients<>();

    Instruments(Meter meter) {
        operationDuration = meter.histogramBuilder("messaging.client.operation.duration").setUnit("s")
                .setDescription("Duration of a messaging operation initiated by a producer or consumer client")
                .setExplicitBucketBoundariesAdvice(Messaging.DURATION_BUCKETS).build();
        sentMessages = meter.counterBuilder("messaging.client.sent.messages").setUnit("{message}")
                .setDescription("Number of messages the producer attempted to send to the broker").build();
        consumedMessages = meter.counterBuilder("messaging.client.consumed.messages").setUnit("{message}")
                .setDescription("Number of messages delivered to the application").build();
        processDuration = meter.histogramBuilder("messaging.process.duration").setUnit("s")
                .setDescription("Duration of processing operation")
                .setExplicitBucketBoundariesAdvice(Messaging.DURATION_BUCKETS).build();
        batchRecords = meter.histogramBuilder("josef.producer.batch.records").ofLongs().setUnit("{message}")
                .setDescription("Records per batch the producer sent")
                .setExplicitBucketBoundariesAdvice(COUNT_BUCKETS).build();
        requestRecords = meter.histogramBuilder("josef.producer.request.records").ofLongs().setUnit("{message}")
                .setDescription("Records per Produce request the producer sent")
                .setExplicitBucketBoundariesAdvice(COUNT_BUCKETS).build();
        dataLoss = meter.counterBuilder("josef.producer.data_loss").setUnit("{event}")
                .setDescription("Possible data loss detected by the producer (behaviour 3)").build();
        partitionErrors = meter.counterBuilder("josef.consumer.partition_errors").setUnit("{error}")
                .setDescription("Errors a poll reported for a partition (corrupt batches, truncation, ...)").build();
        rebalances = meter.counterBuilder("josef.consumer.rebalances").setUnit("{step}")
                .setDescription("Rebalance steps (assign, revoke, lose) the consumer ran").build();
        rebalanceDuration = meter.histogramBuilder("josef.consumer.rebalance.duration").setUnit("s")
                .setDescription("From a rebalance step being handed to the application until it ran")
                .setExplicitBucketBoundariesAdvice(Messaging.DURATION_BUCKETS).build();
        rebalanceWait = meter.histogramBuilder("josef.consumer.rebalance.wait").setUnit("s")
                .setDescription("How long a rebalance step waited for the application (a held poll: behaviour 5)")
                .setExplicitBucketBoundariesAdvice(Messaging.DURATION_BUCKETS).build();

        meter.upDownCounterBuilder("josef.producer.buffer.used").setUnit("By")
                .setDescription("Bytes of records buffered and not yet answered")
                .buildWithCallback(m -> producers.forEach((id, v) -> m.record(v.bufferedBytes(), client(id))));
        meter.upDownCounterBuilder("josef.producer.buffer.records").setUnit("{message}")
                .setDescription("Records buffered and not yet answered")
                .buildWithCallback(m -> producers.forEach((id, v) -> m.record(v.bufferedRecords(), client(id))));
        meter.gaugeBuilder("josef.producer.buffer.limit").ofLongs().setUnit("By")
                .setDescription("The producer's buffer limit (bufferMemory)")
                .buildWithCallback(m -> producers.forEach((id, v) -> m.record(v.bufferLimitBytes(), client(id))));
        meter.upDownCounterBuilder("josef.producer.requests.in_flight").setUnit("{request}")
                .setDescription("Produce requests sent and not yet answered")
                .buildWithCallback(m -> producers.forEach((id, v) -> m.record(v.requestsInFlight(), client(id))));
        meter.gaugeBuilder("josef.consumer.lag").ofLongs().setUnit("{message}")
                .setDescription("Records between the consumer's position and the partition's end (the last stable "
                        + "offset with read_committed), as of the last fetch")
                .buildWithCallback(m -> consumers.forEach((id, v) -> {
                    String group = v.groupId().orElse(null);
                    v.lags().forEach((tp, lag) -> {
                        var attributes = client(id).toBuilder().put(Messaging.DESTINATION, tp.topic())
                                .put(Messaging.PARTITION, Integer.toString(tp.partition()));
                        if (group != null) {
                            attributes.put(Messaging.GROUP, group);
                        }
                        m.record(lag, attributes.build());
                    });
                }));
    }

    private static Attributes client(String clientId) {
        return Attributes.of(Messaging.SYSTEM, Messaging.KAFKA, Messaging.CLIENT_ID, clientId);
    }
}
