package dev.josef.kafka.otel;

import io.opentelemetry.api.common.AttributeKey;

/**
 * The messaging semantic conventions' attribute keys and values (v1.44, still
 * "development", so kept here rather than taken from an incubating artifact).
 */
final class Messaging {
    static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("messaging.system");
    static final AttributeKey<String> OPERATION_NAME = AttributeKey.stringKey("messaging.operation.name");
    static final AttributeKey<String> OPERATION_TYPE = AttributeKey.stringKey("messaging.operation.type");
    static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
    static final AttributeKey<String> PARTITION = AttributeKey.stringKey("messaging.destination.partition.id");
    static final AttributeKey<Long> OFFSET = AttributeKey.longKey("messaging.kafka.offset");
    static final AttributeKey<String> KEY = AttributeKey.stringKey("messaging.kafka.message.key");
    static final AttributeKey<Boolean> TOMBSTONE = AttributeKey.booleanKey("messaging.kafka.message.tombstone");
    static final AttributeKey<String> GROUP = AttributeKey.stringKey("messaging.consumer.group.name");
    static final AttributeKey<String> CLIENT_ID = AttributeKey.stringKey("messaging.client.id");
    static final AttributeKey<Long> BATCH_COUNT = AttributeKey.longKey("messaging.batch.message_count");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
    /** Josef's own: the transactional id of a transaction span. */
    static final AttributeKey<String> TRANSACTIONAL_ID = AttributeKey.stringKey("josef.transactional.id");
    /** Josef's own: what a rebalance step did (assign, revoke, lose). */
    static final AttributeKey<String> REBALANCE_STEP = AttributeKey.stringKey("josef.rebalance.step");
    /** Josef's own: how many partitions a rebalance step or a commit concerned. */
    static final AttributeKey<Long> PARTITION_COUNT = AttributeKey.longKey("josef.partition_count");
    /** Josef's own: behaviour 2's honest outcome of a record that failed (PERSISTED, NOT_PERSISTED, POSSIBLY_PERSISTED). */
    static final AttributeKey<String> PERSISTENCE = AttributeKey.stringKey("josef.persistence");

    static final String KAFKA = "kafka";

    /** messaging.client.operation.duration's advised buckets, in seconds. */
    static final java.util.List<Double> DURATION_BUCKETS = java.util.List.of(0.005, 0.01, 0.025, 0.05, 0.075, 0.1,
            0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0);

    private Messaging() {
    }
}
