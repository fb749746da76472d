package dev.josef.kafka.consumer;

import dev.josef.kafka.consumer.spi.GroupBalancer;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What a group member is configured with, taken once from the consumer's
 * configuration so the membership state machine can be built without one in
 * its unit tests.
 *
 * @param rebalanceTimeout how long the coordinator waits for the member to rejoin in a rebalance
 *                         ({@code max.poll.interval.ms}, as kafka-clients sends it); also how long the
 *                         member may go without a poll before it gives up its partitions
 * @param remoteAssignor   the server-side assignor a KIP-848 member asks for ({@code group.remote.assignor});
 *                         empty for the broker's default
 */
record GroupSettings(String groupId, Optional<String> instanceId, Duration sessionTimeout,
                     Duration heartbeatInterval, Duration rebalanceTimeout, Duration retryBackoff,
                     Duration requestTimeout, Duration metadataMaxAge, List<GroupBalancer> balancers, String rack,
                     boolean allowAutoCreateTopics, Optional<String> remoteAssignor) {

    GroupSettings(String groupId, Optional<String> instanceId, Duration sessionTimeout, Duration heartbeatInterval,
                  Duration rebalanceTimeout, Duration retryBackoff, Duration requestTimeout, Duration metadataMaxAge,
                  List<GroupBalancer> balancers, String rack, boolean allowAutoCreateTopics) {
        this(groupId, instanceId, sessionTimeout, heartbeatInterval, rebalanceTimeout, retryBackoff, requestTimeout,
                metadataMaxAge, balancers, rack, allowAutoCreateTopics, Optional.empty());
    }

    GroupSettings {
        balancers = List.copyOf(balancers);
        if (balancers.isEmpty()) {
            throw new IllegalArgumentException("a group member needs at least one balancer");
        }
    }

    /**
     * The protocol the member runs: cooperative when every configured balancer
     * supports it, else eager, as kafka-clients chooses.
     */
    GroupBalancer.Protocol protocol() {
        for (GroupBalancer b : balancers) {
            if (!b.protocols().contains(GroupBalancer.Protocol.COOPERATIVE)) {
                return GroupBalancer.Protocol.EAGER;
            }
        }
        return GroupBalancer.Protocol.COOPERATIVE;
    }
}
