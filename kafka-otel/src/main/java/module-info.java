/**
 * OpenTelemetry for Josef's clients: send, poll and process spans with W3C
 * trace context in record headers, and the messaging metrics, following the
 * messaging semantic conventions. Built from an {@code OpenTelemetry} instance
 * ({@link dev.josef.kafka.otel.JosefTelemetry}) or found by
 * {@code ServiceLoader} with {@code GlobalOpenTelemetry}.
 */
module dev.josef.kafka.otel {
    requires transitive dev.josef.kafka.producer;
    requires transitive dev.josef.kafka.consumer;
    requires transitive io.opentelemetry.api;
    requires transitive io.opentelemetry.context;

    exports dev.josef.kafka.otel;

    provides dev.josef.kafka.producer.spi.ProducerHook with dev.josef.kafka.otel.GlobalTelemetry;
    provides dev.josef.kafka.consumer.spi.ConsumerHook with dev.josef.kafka.otel.GlobalTelemetry;
}
