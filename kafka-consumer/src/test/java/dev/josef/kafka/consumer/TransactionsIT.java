package dev.josef.kafka.consumer;

import dev.josef.kafka.testkit.KafkaClusterConfig;
import dev.josef.kafka.testkit.KafkaClusterExtension;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link TransactionsInterop} under transaction version 2, a Kafka 4 broker's default (KIP-890). */
@ExtendWith(KafkaClusterExtension.class)
@KafkaClusterConfig(brokerProperties = "transaction.abort.timed.out.transaction.cleanup.interval.ms=500")
class TransactionsIT extends TransactionsInterop {
    @Override
    int transactionVersion() {
        return 2;
    }
}
