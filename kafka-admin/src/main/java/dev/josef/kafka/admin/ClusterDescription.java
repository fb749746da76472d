package dev.josef.kafka.admin;

import java.util.List;
import java.util.Optional;

/**
 * The cluster as DescribeCluster shows it.
 *
 * @param controllerId the broker id a client is told to treat as the controller
 *                     (in KRaft, a broker chosen at random: the real controllers are not exposed), or -1
 * @param brokers      by broker id
 */
public record ClusterDescription(String clusterId, int controllerId, List<Broker> brokers) {

    public ClusterDescription {
        brokers = List.copyOf(brokers);
    }

    public record Broker(int id, String host, int port, Optional<String> rack) {
        public Broker {
            java.util.Objects.requireNonNull(host, "host");
            java.util.Objects.requireNonNull(rack, "rack");
        }
    }
}
