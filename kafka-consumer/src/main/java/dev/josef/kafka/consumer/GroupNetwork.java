package dev.josef.kafka.consumer;

import dev.josef.kafka.net.internal.ChannelKind;
import dev.josef.kafka.net.internal.ClusterMetadata;
import dev.josef.kafka.net.internal.NetworkClient;
import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.Uuid;
import dev.josef.kafka.protocol.message.ApiMessage;
import dev.josef.kafka.protocol.message.MetadataRequest;
import dev.josef.kafka.protocol.message.MetadataResponse;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntFunction;

/**
 * What a group member needs of the network: its coordinator, requests to it,
 * and the cluster's metadata. kafka-net's engine in production; a scripted
 * coordinator in the unit tests of the membership state machine, which answers
 * in the test's own time. Futures complete off the group thread (the member
 * queues what they bring for itself).
 */
interface GroupNetwork {

    ClusterMetadata metadata();

    CompletableFuture<ClusterMetadata> refreshMetadata(Collection<String> topics, boolean allowAutoCreate);

    /**
     * Every topic's name by id, listed from a broker (and then described in the
     * metadata from now on): a KIP-848 assignment names topics by id only, and a
     * broker-side regular expression picks topics the member never named.
     */
    CompletableFuture<Map<Uuid, String>> topicNames();

    /** The coordinator's node id, looked up with FindCoordinator and remembered until invalidated. */
    CompletableFuture<Integer> coordinator(String groupId);

    void invalidateCoordinator(String groupId);

    /**
     * A request to the coordinator, answered within {@code timeout}: JoinGroup,
     * SyncGroup, Heartbeat and OffsetCommit on the member's own connection,
     * LeaveGroup on the shared one.
     */
    CompletableFuture<ApiMessage> send(int node, ApiKey api, IntFunction<ApiMessage> body, short maxVersion,
                                       Duration timeout);

    /** The member is done: its own connections close. */
    default void close() {
    }

    static GroupNetwork of(NetworkClient client, Duration requestTimeout) {
        // The member's own connections: on a shared cluster, another member's JoinGroup (which the coordinator
        // holds for the whole group) must not wait in front of this member's heartbeats.
        int lane = client.newLane();
        return new GroupNetwork() {
            @Override
            public ClusterMetadata metadata() {
                return client.metadata();
            }

            @Override
            public CompletableFuture<ClusterMetadata> refreshMetadata(Collection<String> topics,
                                                                      boolean allowAutoCreate) {
                return client.refreshMetadata(topics, allowAutoCreate);
            }

            @Override
            public CompletableFuture<Map<Uuid, String>> topicNames() {
                MetadataRequest all = new MetadataRequest().setTopics(null).setAllowAutoTopicCreation(false);
                return client.send(NetworkClient.ANY_BROKER, all).thenCompose(response -> {
                    Map<Uuid, String> names = new HashMap<>();
                    for (MetadataResponse.MetadataResponseTopic t : ((MetadataResponse) response).topics()) {
                        if (t.errorCode() == 0 && t.name() != null) {
                            names.put(t.topicId(), t.name());
                        }
                    }
                    return client.refreshMetadata(names.values()).handle((m, e) -> names);
                });
            }

            @Override
            public CompletableFuture<Integer> coordinator(String groupId) {
                return client.coordinator(NetworkClient.CoordinatorType.GROUP, groupId);
            }

            @Override
            public void invalidateCoordinator(String groupId) {
                client.invalidateCoordinator(NetworkClient.CoordinatorType.GROUP, groupId);
            }

            @Override
            public CompletableFuture<ApiMessage> send(int node, ApiKey api, IntFunction<ApiMessage> body,
                                                      short maxVersion, Duration timeout) {
                // A LeaveGroup must not wait behind a JoinGroup the coordinator holds for the whole group (a
                // broker answers one request of a connection at a time): it goes on the shared connection.
                if (api == ApiKey.LEAVE_GROUP) {
                    return client.send(node, ChannelKind.OTHER, api, body, maxVersion, timeout);
                }
                return client.send(node, ChannelKind.GROUP, lane, api, body, maxVersion, timeout);
            }

            @Override
            public void close() {
                client.closeLane(lane);
            }
        };
    }
}
