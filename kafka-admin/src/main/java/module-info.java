/**
 * Typed admin operations on a Kafka cluster: topics, partitions, offsets,
 * records, configs and groups, on top of kafka-net's engine.
 */
module dev.josef.kafka.admin {
    // NetworkConfig and NetworkException appear in Admin's signatures.
    requires transitive dev.josef.kafka.net;
    requires org.slf4j;

    exports dev.josef.kafka.admin;
}
