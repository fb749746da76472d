/**
 * Kafka's wire protocol: primitives, every request and response generated from
 * Kafka's own specs, record batches, error codes, and the compression codec SPI.
 */
module dev.josef.kafka.protocol {
    exports dev.josef.kafka.protocol;
    exports dev.josef.kafka.protocol.spi;

    // Generated messages and wire primitives are for Josef's own modules: users
    // work with the client APIs, which can evolve without breaking on every
    // Kafka spec change.
    exports dev.josef.kafka.protocol.message to
            dev.josef.kafka.compression,
            dev.josef.kafka.net,
            dev.josef.kafka.admin,
            dev.josef.kafka.producer,
            dev.josef.kafka.consumer,
            dev.josef.kafka.otel,
            dev.josef.kafka.testkit,
            dev.josef.kafka.cli;
    exports dev.josef.kafka.protocol.internal to
            dev.josef.kafka.compression,
            dev.josef.kafka.net,
            dev.josef.kafka.admin,
            dev.josef.kafka.producer,
            dev.josef.kafka.consumer,
            dev.josef.kafka.otel,
            dev.josef.kafka.testkit,
            dev.josef.kafka.cli;

    uses dev.josef.kafka.protocol.spi.CompressionCodec;
}
