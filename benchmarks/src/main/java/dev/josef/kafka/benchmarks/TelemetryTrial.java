package dev.josef.kafka.benchmarks;

import dev.josef.kafka.consumer.Consumer;
import dev.josef.kafka.consumer.ConsumerRecord;
import dev.josef.kafka.producer.Producer;
import dev.josef.kafka.producer.ProducerRecord;
import dev.josef.kafka.protocol.TopicPartition;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.instrumentation.kafkaclients.v2_6.KafkaTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;

/**
 * One {@link TelemetryBenchmark} trial, in a JVM of its own: a producer that
 * writes, or a consumer that reads, a topic's records, with or without
 * OpenTelemetry, and prints {@code RESULT} with records/s and CPU per record
 * over the timed part and the process's whole CPU time.
 *
 * <p>Variants: {@code josef} (kafka-otel on the class path, switched off with
 * {@code josef.otel.auto=false}, which the parent passes), {@code josef-otel}
 * (the same jar, the SDK installed as {@code GlobalOpenTelemetry}: kafka-otel's
 * ServiceLoader hook traces every client with no code), {@code kafka-clients},
 * and {@code kafka-clients-otel} (wrapped by OpenTelemetry's
 * {@code opentelemetry-kafka-clients-2.6}). The SDK samples every trace and
 * exports spans (batched) and metrics to exporters that drop them.
 *
 * <p>Arguments: variant, produce|consume, bootstrap, topic, partitions,
 * records timed, warm-up records, value size.
 */
public final class TelemetryTrial {
    private TelemetryTrial() {
    }

    public static void main(String[] args) throws Exception {
        String variant = args[0];
        boolean produce = args[1].equals("produce");
        String bootstrap = args[2];
        String topic = args[3];
        int partitions = Integer.parseInt(args[4]);
        long timed = Long.parseLong(args[5]);
        long warmup = Long.parseLong(args[6]);
        int valueSize = Integer.parseInt(args[7]);
        OpenTelemetrySdk sdk = variant.endsWith("-otel") ? sdk() : null;
        if (sdk != null && variant.startsWith("josef")) {
            GlobalOpenTelemetry.set(sdk);
        }
        Map<String, Object> properties = new HashMap<>(Map.of("bootstrap.servers", bootstrap,
                "client.id", "telemetry-" + variant));
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long[] timing = new long[2];
        LongConsumer mark = done -> {
            if (done == warmup) {
                timing[0] = os.getProcessCpuTime();
                timing[1] = System.nanoTime();
            }
        };
        if (produce) {
            produce(variant, sdk, properties, topic, partitions, warmup + timed, valueSize, mark);
        } else {
            consume(variant, sdk, properties, topic, partitions, warmup + timed, mark);
        }
        long elapsed = System.nanoTime() - timing[1];
        long cpu = os.getProcessCpuTime() - timing[0];
        if (sdk != null) {
            sdk.close();
        }
        System.out.printf(Locale.ROOT, "RESULT recordsPerSecond=%.1f cpuNsPerRecord=%.1f processCpuSeconds=%.3f%n",
                timed / (elapsed / 1e9), (double) cpu / timed, os.getProcessCpuTime() / 1e9);
    }

    /** Sends {@code total} records without waiting, then waits for them all; {@code mark} counts acknowledgements. */
    private static void produce(String variant, OpenTelemetrySdk sdk, Map<String, Object> properties, String topic,
                                int partitions, long total, int valueSize, LongConsumer mark) throws Exception {
        properties.putAll(Map.of("acks", "all", "linger.ms", "5",
                "key.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer",
                "value.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer"));
        byte[][] keys = new byte[1024][];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = String.format(Locale.ROOT, "key-%011d", i).getBytes(StandardCharsets.US_ASCII);
        }
        byte[] value = new byte[valueSize];
        Arrays.fill(value, (byte) 'v');
        AtomicLong acked = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Object done = new Object();
        Runnable ack = () -> {
            long n = acked.incrementAndGet();
            mark.accept(n);
            if (n == total) {
                synchronized (done) {
                    done.notifyAll();
                }
            }
        };
        if (variant.startsWith("josef")) {
            try (Producer producer = Producer.create(properties)) {
                for (long i = 0; i < total; i++) {
                    producer.produce(ProducerRecord.of(topic, keys[(int) (i & 1023)], value)
                            .withPartition((int) (i % partitions)), (m, e) -> {
                                if (e != null) {
                                    failure.compareAndSet(null, e);
                                }
                                ack.run();
                            });
                }
                await(done, acked, total, failure);
            }
        } else {
            org.apache.kafka.clients.producer.Producer<byte[], byte[]> producer = new KafkaProducer<>(properties);
            if (sdk != null) {
                producer = KafkaTelemetry.create(sdk).wrap(producer);
            }
            try {
                for (long i = 0; i < total; i++) {
                    producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic,
                            (int) (i % partitions), keys[(int) (i & 1023)], value), (m, e) -> {
                                if (e != null) {
                                    failure.compareAndSet(null, e);
                                }
                                ack.run();
                            });
                }
                await(done, acked, total, failure);
            } finally {
                producer.close();
            }
        }
    }

    private static void await(Object done, AtomicLong acked, long total, AtomicReference<Throwable> failure)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        synchronized (done) {
            while (acked.get() < total && System.nanoTime() < deadline) {
                done.wait(100);
            }
        }
        if (failure.get() != null || acked.get() < total) {
            throw new IllegalStateException(acked.get() + " of " + total + " acknowledged; first failure: "
                    + failure.get());
        }
    }

    /** Reads {@code total} records from the topic's start, assigned (no group); {@code mark} counts them. */
    private static void consume(String variant, OpenTelemetrySdk sdk, Map<String, Object> properties, String topic,
                                int partitions, long total, LongConsumer mark) {
        properties.putAll(Map.of("auto.offset.reset", "earliest",
                "key.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer",
                "value.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer"));
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        long read = 0;
        long bytes = 0;
        if (variant.startsWith("josef")) {
            List<TopicPartition> assigned = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                assigned.add(TopicPartition.of(topic, p));
            }
            try (Consumer consumer = Consumer.create(properties)) {
                consumer.assign(assigned);
                while (read < total && System.nanoTime() < deadline) {
                    for (ConsumerRecord r : consumer.poll(Duration.ofMillis(500))) {
                        bytes += r.value().length;
                        mark.accept(++read);
                    }
                }
            }
        } else {
            Collection<org.apache.kafka.common.TopicPartition> assigned = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                assigned.add(new org.apache.kafka.common.TopicPartition(topic, p));
            }
            org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties);
            if (sdk != null) {
                consumer = KafkaTelemetry.create(sdk).wrap(consumer);
            }
            try {
                consumer.assign(assigned);
                consumer.seekToBeginning(assigned);
                while (read < total && System.nanoTime() < deadline) {
                    ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(500));
                    for (org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> r : records) {
                        bytes += r.value().length;
                        mark.accept(++read);
                    }
                }
            } finally {
                consumer.close();
            }
        }
        if (read < total || bytes == 0) {
            throw new IllegalStateException("read " + read + " of " + total + " records in 3 minutes");
        }
    }

    /** The SDK: every trace sampled, spans batched to an exporter that drops them, metrics read every 10 s. */
    private static OpenTelemetrySdk sdk() {
        SpanExporter spans = SpanExporter.composite(); // of none: the SDK's exporter that drops what it gets
        MetricExporter metrics = new MetricExporter() {
            @Override
            public AggregationTemporality getAggregationTemporality(InstrumentType type) {
                return AggregationTemporality.CUMULATIVE;
            }

            @Override
            public CompletableResultCode export(Collection<MetricData> batch) {
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode flush() {
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode shutdown() {
                return CompletableResultCode.ofSuccess();
            }
        };
        return OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder()
                        .addSpanProcessor(BatchSpanProcessor.builder(spans).build()).build())
                .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(PeriodicMetricReader
                        .builder(metrics).setInterval(Duration.ofSeconds(10)).build()).build())
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                .build();
    }
}
