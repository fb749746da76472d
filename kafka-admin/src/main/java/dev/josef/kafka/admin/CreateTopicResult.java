package dev.josef.kafka.admin;

import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.Uuid;

import java.util.Map;

/**
 * How creating one topic went. On success (and for a validate-only request that
 * passed) it holds what the controller decided: the id, the partition count and
 * replication factor, and the topic's configs when the broker sent them
 * (CreateTopics v5+; a sensitive value is null); on failure only {@code name} and the error mean anything.
 *
 * @param topicId {@link Uuid#ZERO} before CreateTopics v7 or on failure
 */
public record CreateTopicResult(String name, Uuid topicId, int partitions, short replicationFactor,
                                Map<String, String> configs, ErrorCode error, String errorMessage) implements Outcome {
    public CreateTopicResult {
        // A sensitive config's value is null, which Map.copyOf would refuse.
        configs = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(configs));
    }
}
