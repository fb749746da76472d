/**
 * The consumer: fetches records from partition leaders (or a replica in the
 * client's rack), for assigned partitions, named topics or a topic pattern,
 * with read_committed filtering and corrupt batches reported and skipped; and
 * consumer groups (classic protocol) with rebalances that wait for the application.
 */
module dev.josef.kafka.consumer {
    // NetworkConfig, Cluster and the protocol's TopicPartition/Header/KafkaException appear in its signatures.
    requires transitive dev.josef.kafka.net;
    requires org.slf4j;

    exports dev.josef.kafka.consumer;
    exports dev.josef.kafka.consumer.spi;

    uses dev.josef.kafka.consumer.spi.BatchCorruptionHandler;
    uses dev.josef.kafka.consumer.spi.ConsumerHook;
    uses dev.josef.kafka.consumer.spi.GroupBalancer;
    uses dev.josef.kafka.consumer.spi.RebalanceHook;
}
