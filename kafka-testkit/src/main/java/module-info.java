/**
 * Real Apache Kafka brokers for tests (child JVMs on loopback, started from
 * Maven artifacts) and a protocol-aware proxy that injects faults between a
 * client and those brokers.
 */
module dev.josef.kafka.testkit {
    requires transitive dev.josef.kafka.protocol;
    requires static org.junit.jupiter.api;

    exports dev.josef.kafka.testkit;
}
