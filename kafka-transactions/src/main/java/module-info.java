/**
 * Exactly-once consume-process-produce: {@link dev.josef.kafka.transactions.TransactionalSession}
 * owns a group consumer and a transactional producer, and commits what was read
 * and what was written in one transaction. A module of its own because the
 * producer and the consumer never depend on each other.
 */
module dev.josef.kafka.transactions {
    requires transitive dev.josef.kafka.producer;
    requires transitive dev.josef.kafka.consumer;
    requires org.slf4j;

    exports dev.josef.kafka.transactions;
}
