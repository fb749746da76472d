/**
 * The producer: records batched per partition and sent to each partition's
 * leader, idempotent by default, with ordering protection after a failure and
 * honest outcomes on timeouts and cancellation.
 */
module dev.josef.kafka.producer {
    // NetworkConfig, Cluster and NetworkException appear in the producer's signatures.
    requires transitive dev.josef.kafka.net;
    requires org.slf4j;

    exports dev.josef.kafka.producer;
    exports dev.josef.kafka.producer.spi;

    uses dev.josef.kafka.producer.spi.Partitioner;
    uses dev.josef.kafka.producer.spi.OrderingPolicy;
    uses dev.josef.kafka.producer.spi.ProducerHook;
}
