package dev.josef.kafka.admin;

import dev.josef.kafka.protocol.TopicNames;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * A topic to create: a partition count and replication factor, or an explicit
 * replica assignment, and topic configs. Immutable; {@code with...} methods
 * return a changed copy.
 *
 * @param name              a legal topic name (1-249 of {@code [a-zA-Z0-9._-]}, not "." or "..")
 * @param partitions        at least 1, or {@link #BROKER_DEFAULT} for the broker's {@code num.partitions};
 *                          {@link #BROKER_DEFAULT} when {@code assignment} is given
 * @param replicationFactor at least 1, or {@link #BROKER_DEFAULT} for the broker's
 *                          {@code default.replication.factor}; {@link #BROKER_DEFAULT} when {@code assignment} is given
 * @param assignment        partition index to the broker ids of its replicas, preferred leader first;
 *                          empty to let the controller place replicas. Indexes run from 0 without gaps.
 * @param configs           topic configs such as {@code cleanup.policy}; empty for the broker's defaults
 */
public record NewTopic(String name, int partitions, short replicationFactor, Map<Integer, List<Integer>> assignment,
                       Map<String, String> configs) {

    /** Leave the count to the broker (KIP-464), or: the count comes from the assignment. */
    public static final int BROKER_DEFAULT = -1;

    public NewTopic {
        TopicNames.validate(name);
        Objects.requireNonNull(assignment, "assignment");
        Objects.requireNonNull(configs, "configs");
        if (assignment.isEmpty()) {
            if (partitions < 1 && partitions != BROKER_DEFAULT) {
                throw new IllegalArgumentException("partitions of topic '" + name + "' must be at least 1, was " + partitions);
            }
            if (replicationFactor < 1 && replicationFactor != BROKER_DEFAULT) {
                throw new IllegalArgumentException("replication factor of topic '" + name + "' must be at least 1, was "
                        + replicationFactor);
            }
        } else {
            if (partitions != BROKER_DEFAULT || replicationFactor != BROKER_DEFAULT) {
                throw new IllegalArgumentException("topic '" + name + "': give either an assignment or a partition count"
                        + " and replication factor, not both");
            }
            assignment = checkedAssignment(name, assignment);
        }
        Map<String, String> copy = new LinkedHashMap<>();
        configs.forEach((k, v) -> {
            Objects.requireNonNull(k, "config name");
            Objects.requireNonNull(v, () -> "value of config '" + k + "' (to leave it at its default, leave it out)");
            copy.put(k, v);
        });
        configs = java.util.Collections.unmodifiableMap(copy);
    }

    /** {@code partitions} partitions with {@code replicationFactor} replicas each, placed by the controller. */
    public static NewTopic of(String name, int partitions, int replicationFactor) {
        if (replicationFactor > Short.MAX_VALUE) {
            throw new IllegalArgumentException("replication factor of topic '" + name + "' must be at most "
                    + Short.MAX_VALUE + ", was " + replicationFactor);
        }
        return new NewTopic(name, partitions, (short) replicationFactor, Map.of(), Map.of());
    }

    /** The broker's default partition count and replication factor. */
    public static NewTopic withBrokerDefaults(String name) {
        return new NewTopic(name, BROKER_DEFAULT, (short) BROKER_DEFAULT, Map.of(), Map.of());
    }

    /** Replicas placed as given: partition index to broker ids, preferred leader first. */
    public static NewTopic withAssignment(String name, Map<Integer, List<Integer>> assignment) {
        Objects.requireNonNull(assignment, "assignment");
        if (assignment.isEmpty()) {
            throw new IllegalArgumentException("assignment of topic '" + name + "' must name at least one partition");
        }
        return new NewTopic(name, BROKER_DEFAULT, (short) BROKER_DEFAULT, assignment, Map.of());
    }

    /** This topic with {@code configs} added to (and replacing same-named) configs. */
    public NewTopic withConfigs(Map<String, String> configs) {
        Objects.requireNonNull(configs, "configs");
        Map<String, String> merged = new LinkedHashMap<>(this.configs);
        merged.putAll(configs);
        return new NewTopic(name, partitions, replicationFactor, assignment, merged);
    }

    public NewTopic withConfig(String name, String value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        return withConfigs(Map.of(name, value));
    }

    private static Map<Integer, List<Integer>> checkedAssignment(String topic, Map<Integer, List<Integer>> assignment) {
        Map<Integer, List<Integer>> sorted = new TreeMap<>();
        assignment.forEach((partition, replicas) -> {
            Objects.requireNonNull(partition, "partition index");
            Objects.requireNonNull(replicas, () -> "replicas of partition " + partition);
            if (replicas.isEmpty()) {
                throw new IllegalArgumentException("partition " + partition + " of topic '" + topic + "' needs at least one replica");
            }
            Set<Integer> seen = new HashSet<>();
            for (Integer broker : replicas) {
                Objects.requireNonNull(broker, "broker id");
                if (!seen.add(broker)) {
                    throw new IllegalArgumentException("partition " + partition + " of topic '" + topic
                            + "' names broker " + broker + " twice");
                }
            }
            sorted.put(partition, List.copyOf(new ArrayList<>(replicas)));
        });
        int expected = 0;
        for (int partition : sorted.keySet()) {
            if (partition != expected) {
                throw new IllegalArgumentException("assignment of topic '" + topic + "' must cover partitions 0 to "
                        + (sorted.size() - 1) + " without gaps; partition " + expected + " is missing");
            }
            expected++;
        }
        return java.util.Collections.unmodifiableMap(sorted);
    }
}
