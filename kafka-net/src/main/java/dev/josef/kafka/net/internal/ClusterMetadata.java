package dev.josef.kafka.net.internal;

import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.Uuid;
import dev.josef.kafka.protocol.message.MetadataResponse;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the client knows of the cluster at one moment: brokers, and for each
 * topic it asked about, the topic's id and each partition's leader and leader
 * epoch. Immutable; a refresh makes a new one.
 */
public record ClusterMetadata(String clusterId, int controllerId, Map<Integer, HostPort> brokers,
                              Map<String, Topic> topics, Map<Integer, String> racks) {

    public static final ClusterMetadata EMPTY = new ClusterMetadata(null, -1, Map.of(), Map.of(), Map.of());

    /** A topic as the last refresh saw it; {@code error} is NONE when it was described. */
    public record Topic(String name, Uuid id, ErrorCode error, List<Partition> partitions) {
    }

    public record Partition(int index, int leaderId, int leaderEpoch, List<Integer> replicas, List<Integer> isr,
                            ErrorCode error) {
    }

    public ClusterMetadata {
        brokers = Map.copyOf(brokers);
        topics = Map.copyOf(topics);
        racks = Map.copyOf(racks);
    }

    /** Brokers without racks. */
    public ClusterMetadata(String clusterId, int controllerId, Map<Integer, HostPort> brokers,
                           Map<String, Topic> topics) {
        this(clusterId, controllerId, brokers, topics, Map.of());
    }

    /** This snapshot with what {@code response} says; topics it does not mention are kept. */
    ClusterMetadata merge(MetadataResponse response) {
        Map<Integer, HostPort> known = new HashMap<>();
        Map<Integer, String> racks = new HashMap<>();
        for (MetadataResponse.MetadataResponseBroker b : response.brokers()) {
            known.put(b.nodeId(), new HostPort(b.host(), b.port()));
            if (b.rack() != null && !b.rack().isEmpty()) {
                racks.put(b.nodeId(), b.rack());
            }
        }
        Map<String, Topic> merged = new HashMap<>(topics);
        for (MetadataResponse.MetadataResponseTopic t : response.topics()) {
            List<Partition> partitions = t.partitions().stream()
                    .map(p -> new Partition(p.partitionIndex(), p.leaderId(), p.leaderEpoch(),
                            List.copyOf(p.replicaNodes()), List.copyOf(p.isrNodes()), ErrorCode.forCode(p.errorCode())))
                    .sorted(java.util.Comparator.comparingInt(Partition::index))
                    .toList();
            merged.put(t.name(), new Topic(t.name(), t.topicId(), ErrorCode.forCode(t.errorCode()), partitions));
        }
        return new ClusterMetadata(response.clusterId(), response.controllerId(), known, merged, racks);
    }

    public Optional<Topic> topic(String name) {
        return Optional.ofNullable(topics.get(name));
    }

    /** The leader's address (unresolved), when the partition is known and has a leader. */
    public Optional<java.net.InetSocketAddress> leaderAddress(String topic, int partition) {
        return leader(topic, partition).map(brokers::get)
                .map(b -> java.net.InetSocketAddress.createUnresolved(b.host(), b.port()));
    }

    /** The leader's node id, when the partition is known and has a leader. */
    public Optional<Integer> leader(String topic, int partition) {
        Topic t = topics.get(topic);
        if (t == null || t.error() != ErrorCode.NONE) {
            return Optional.empty();
        }
        // A loop, not a stream: producers ask this for every partition on every pass.
        for (Partition p : t.partitions()) {
            if (p.index() == partition) {
                return p.leaderId() >= 0 && brokers.containsKey(p.leaderId()) ? Optional.of(p.leaderId()) : Optional.empty();
            }
        }
        return Optional.empty();
    }
}
