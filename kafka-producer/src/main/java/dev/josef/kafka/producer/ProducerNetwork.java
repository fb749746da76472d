package dev.josef.kafka.producer;

import dev.josef.kafka.net.internal.ChannelKind;
import dev.josef.kafka.net.internal.ClusterMetadata;
import dev.josef.kafka.net.internal.NetworkClient;
import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.message.ApiMessage;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntFunction;

/**
 * What the producer's engine needs of the network: the cluster's metadata, and
 * requests to a broker. kafka-net's engine in production; a scripted fake
 * broker in the unit tests of the sender's state machine, which answers in
 * the test's own time.
 *
 * <p>A body is made for the version the request goes out at; futures complete
 * off the sender thread (the sender queues what they bring for itself).
 */
interface ProducerNetwork {
    /** Any broker that can answer: the engine picks one. */
    int ANY_BROKER = NetworkClient.ANY_BROKER;

    ClusterMetadata metadata();

    /** Describes {@code topics} (and the brokers); with {@code allowAutoCreate}, the broker may create missing ones. */
    CompletableFuture<ClusterMetadata> refreshMetadata(Collection<String> topics, boolean allowAutoCreate);

    /** A request on the broker's connection for everything but Produce, at the highest version both support. */
    default CompletableFuture<ApiMessage> send(int broker, ApiKey api, IntFunction<ApiMessage> body) {
        return send(broker, api, body, api.latestStableVersion());
    }

    /** As {@link #send(int, ApiKey, IntFunction)}, at {@code maxVersion} at most. */
    CompletableFuture<ApiMessage> send(int broker, ApiKey api, IntFunction<ApiMessage> body, short maxVersion);

    /**
     * A Produce request on the broker's produce connection, at {@code maxVersion}
     * at most; with {@code acks=0} the future completes with null.
     */
    CompletableFuture<ApiMessage> produce(int broker, IntFunction<ApiMessage> body, boolean expectsResponse,
                                          short maxVersion);

    /** The node id of the coordinator of a transactional id (or a group), found with FindCoordinator. */
    CompletableFuture<Integer> coordinator(NetworkClient.CoordinatorType type, String key);

    /** Forgets the coordinator found before: the next {@link #coordinator} asks again. */
    void invalidateCoordinator(NetworkClient.CoordinatorType type, String key);

    /** The cluster's finalized features (transaction.version, ...) as of the newest connection's handshake. */
    Map<String, Short> finalizedFeatures();

    /** kafka-net's engine. */
    static ProducerNetwork of(NetworkClient client) {
        return new ProducerNetwork() {
            @Override
            public ClusterMetadata metadata() {
                return client.metadata();
            }

            @Override
            public CompletableFuture<ClusterMetadata> refreshMetadata(Collection<String> topics, boolean allowAutoCreate) {
                return client.refreshMetadata(topics, allowAutoCreate);
            }

            @Override
            public CompletableFuture<ApiMessage> send(int broker, ApiKey api, IntFunction<ApiMessage> body,
                                                      short maxVersion) {
                return client.send(broker, ChannelKind.OTHER, api, body, maxVersion);
            }

            @Override
            public CompletableFuture<ApiMessage> produce(int broker, IntFunction<ApiMessage> body,
                                                         boolean expectsResponse, short maxVersion) {
                return expectsResponse
                        ? client.send(broker, ChannelKind.PRODUCE, ApiKey.PRODUCE, body, maxVersion)
                        : client.sendWithoutResponse(broker, ChannelKind.PRODUCE, ApiKey.PRODUCE, body, maxVersion);
            }

            @Override
            public CompletableFuture<Integer> coordinator(NetworkClient.CoordinatorType type, String key) {
                return client.coordinator(type, key);
            }

            @Override
            public void invalidateCoordinator(NetworkClient.CoordinatorType type, String key) {
                client.invalidateCoordinator(type, key);
            }

            @Override
            public Map<String, Short> finalizedFeatures() {
                return client.finalizedFeatures();
            }
        };
    }
}
