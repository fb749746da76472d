package dev.josef.kafka.consumer;

import dev.josef.kafka.testkit.KafkaClusterConfig;
import dev.josef.kafka.testkit.KafkaClusterExtension;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link TransactionsInterop} on a cluster formatted with
 * {@code transaction.version=1}: AddPartitionsToTxn and AddOffsetsToTxn, and
 * Produce, TxnOffsetCommit and EndTxn capped below the versions of version 2.
 */
@ExtendWith(KafkaClusterExtension.class)
@KafkaClusterConfig(features = "transaction.version=1",
        brokerProperties = "transaction.abort.timed.out.transaction.cleanup.interval.ms=500")
class TransactionsV1IT extends TransactionsInterop {
    @Override
    int transactionVersion() {
        return 1;
    }
}
