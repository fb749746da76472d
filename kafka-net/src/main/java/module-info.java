/**
 * The network layer: non-blocking connections to brokers, version negotiation,
 * pipelined requests with timeouts, metadata and routing, and SASL.
 */
module dev.josef.kafka.net {
    requires transitive dev.josef.kafka.protocol;
    requires org.slf4j;

    exports dev.josef.kafka.net;
    exports dev.josef.kafka.net.spi;
    // The engine that Josef's client modules build on; not for users.
    exports dev.josef.kafka.net.internal to
            dev.josef.kafka.admin,
            dev.josef.kafka.producer,
            dev.josef.kafka.consumer,
            dev.josef.kafka.otel,
            dev.josef.kafka.cli;

    uses dev.josef.kafka.net.spi.SaslMechanism;
    uses dev.josef.kafka.net.spi.ClientHook;
}
