package dev.josef.kafka.net.internal;

import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.RetriableBrokerException;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.message.DescribeGroupsRequest;
import dev.josef.kafka.protocol.message.DescribeGroupsResponse;
import dev.josef.kafka.protocol.message.ListOffsetsRequest;
import dev.josef.kafka.protocol.message.ListOffsetsResponse;
import dev.josef.kafka.testkit.KafkaCluster;
import dev.josef.kafka.testkit.KafkaClusterConfig;
import dev.josef.kafka.testkit.KafkaClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Requests reach the broker that can answer them. A broker that is not a
 * partition's leader answers NOT_LEADER_OR_FOLLOWER for it, and one that is not
 * a group's coordinator answers NOT_COORDINATOR, so error-free answers from three
 * brokers prove the routing.
 */
@ExtendWith(KafkaClusterExtension.class)
@KafkaClusterConfig(brokers = 3)
class RoutingIT {

    private static ListOffsetsRequest latestOffset(String topic, int partition) {
        ListOffsetsRequest request = new ListOffsetsRequest().setReplicaId(-1);
        request.topics().add(new ListOffsetsRequest.ListOffsetsTopic().setName(topic)
                .setPartitions(List.of(new ListOffsetsRequest.ListOffsetsPartition()
                        .setPartitionIndex(partition).setTimestamp(-1L))));
        return request;
    }

    @Test
    void eachPartitionsRequestGoesToItsLeader(KafkaCluster cluster) throws Exception {
        String topic = "routing-spread";
        cluster.createTopic(topic, 6, 1);
        try (NetworkClient client = NetworkClient.open(NetworkClientConfig.of(cluster.bootstrapServers(), "routing-it"))) {
            Set<Integer> leaders = new HashSet<>();
            for (int p = 0; p < 6; p++) {
                int partition = p;
                ListOffsetsResponse response = (ListOffsetsResponse) client.sendToLeader(topic, partition, ChannelKind.OTHER,
                        ApiKey.LIST_OFFSETS, v -> latestOffset(topic, partition), ApiKey.LIST_OFFSETS.latestStableVersion())
                        .get(30, TimeUnit.SECONDS);
                assertThat(response.topics().get(0).partitions().get(0).errorCode())
                        .as("partition " + partition).isEqualTo(ErrorCode.NONE.code());
                leaders.add(client.metadata().leader(topic, partition).orElseThrow());
            }
            assertThat(leaders).as("six partitions spread over the brokers").hasSizeGreaterThan(1);
            assertThat(client.metadata().topic(topic).orElseThrow().id()).isNotNull();
        }
    }

    @Test
    void aGroupRequestGoesToTheGroupsCoordinator(KafkaCluster cluster) throws Exception {
        try (NetworkClient client = NetworkClient.open(NetworkClientConfig.of(cluster.bootstrapServers(), "routing-it"))) {
            for (String group : List.of("group-a", "group-b", "group-c", "group-d")) {
                // As a consumer does: on NOT_COORDINATOR (a fresh cluster is still
                // settling its offsets topic) forget the coordinator and find it again.
                Set<ErrorCode> notTheCoordinator = Set.of(ErrorCode.NOT_COORDINATOR,
                        ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.COORDINATOR_NOT_AVAILABLE);
                ErrorCode error = ErrorCode.NOT_COORDINATOR;
                int coordinator = -1;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (notTheCoordinator.contains(error) && System.nanoTime() < deadline) {
                    coordinator = client.coordinator(NetworkClient.CoordinatorType.GROUP, group).get(30, TimeUnit.SECONDS);
                    DescribeGroupsResponse response = (DescribeGroupsResponse) client.send(coordinator,
                            new DescribeGroupsRequest().setGroups(List.of(group))).get(30, TimeUnit.SECONDS);
                    error = ErrorCode.forCode(response.groups().get(0).errorCode());
                    if (notTheCoordinator.contains(error)) {
                        client.invalidateCoordinator(NetworkClient.CoordinatorType.GROUP, group);
                        Thread.sleep(200);
                    }
                }
                // The coordinator answers for the group (Kafka 4 says the group does not exist yet).
                assertThat(error).as(group).isIn(ErrorCode.NONE, ErrorCode.GROUP_ID_NOT_FOUND);
                assertThat(cluster.brokerIds()).contains(coordinator);
                assertThat(client.coordinator(NetworkClient.CoordinatorType.GROUP, group).get())
                        .as("remembered").isEqualTo(coordinator);
            }
        }
    }

    @Test
    void anUnknownTopicFailsWithTheBrokersError(KafkaCluster cluster) {
        try (NetworkClient client = NetworkClient.open(NetworkClientConfig.of(cluster.bootstrapServers(), "routing-it"))) {
            assertThatThrownBy(() -> client.sendToLeader("no-such-topic", 0, ChannelKind.OTHER, ApiKey.LIST_OFFSETS,
                    v -> latestOffset("no-such-topic", 0), ApiKey.LIST_OFFSETS.latestStableVersion()).get(30, TimeUnit.SECONDS))
                    .cause().isInstanceOf(RetriableBrokerException.class)
                    .hasMessageContaining("UNKNOWN_TOPIC_OR_PARTITION")
                    .hasMessageContaining("no-such-topic");
        }
    }

    @Test
    void aClientWhoseKnownBrokersAllWentAwayFindsTheClusterAgainThroughItsBootstrapAddresses(KafkaCluster cluster)
            throws Exception {
        try (NetworkClient client = NetworkClient.open(NetworkClientConfig.of(cluster.bootstrapServers(), "routing-it"))) {
            cluster.killBroker(2);
            cluster.killBroker(3);
            // The client's metadata comes to name broker 1 alone.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!client.metadata().brokers().keySet().equals(Set.of(1))) {
                assertThat(System.nanoTime()).as("metadata naming broker 1 alone: " + client.metadata().brokers())
                        .isLessThan(deadline);
                Thread.sleep(200);
                client.refreshMetadata().exceptionally(e -> null).get(30, TimeUnit.SECONDS);
            }
            cluster.killBroker(1);
            cluster.restartBroker(2);
            // Broker 1 is all it knows, and gone; broker 2 is only in the bootstrap list. (Before a request's
            // last try went to a bootstrap address, every refresh went to broker 1 and failed.)
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!client.metadata().brokers().containsKey(2)) {
                assertThat(System.nanoTime()).as("metadata from broker 2: " + client.metadata().brokers())
                        .isLessThan(deadline);
                client.refreshMetadata().exceptionally(e -> null).get(30, TimeUnit.SECONDS);
                Thread.sleep(200);
            }
        } finally {
            for (int id : cluster.brokerIds()) {
                if (!cluster.isRunning(id)) {
                    cluster.restartBroker(id);
                }
            }
        }
    }
}
