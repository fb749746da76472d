package dev.josef.kafka.net;

import dev.josef.kafka.net.internal.ClusterAccess;
import dev.josef.kafka.net.internal.EngineConfigs;
import dev.josef.kafka.net.internal.NetworkClient;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * A connection to one Kafka cluster that several clients can share: one I/O
 * thread and one set of connections, metadata learned once. Give it to an
 * admin, a producer or a consumer instead of their own configuration, and close
 * it after them; closing a client built on it leaves it open.
 *
 * <pre>{@code
 * try (Cluster cluster = Cluster.connect(NetworkConfig.fromProperties(properties));
 *      Admin admin = Admin.create(cluster)) {
 *     ...
 * }
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} fails whatever is still waiting and is idempotent.
 */
public final class Cluster implements AutoCloseable {
    static {
        ClusterAccess.setAccessor(cluster -> cluster.engine);
    }

    private final NetworkConfig config;
    private final NetworkClient engine;

    private Cluster(NetworkConfig config) {
        this.config = config;
        this.engine = NetworkClient.open(EngineConfigs.from(config,
                dev.josef.kafka.net.internal.JosefThreads.clientId(config.clientId(), "cluster")));
    }

    /** Connects lazily: the first request opens the first connection. */
    public static Cluster connect(NetworkConfig config) {
        return new Cluster(Objects.requireNonNull(config, "config"));
    }

    /** From kafka-clients property names; an unknown or malformed one is an error that names it. */
    public static Cluster connect(Map<String, ?> kafkaClientsProperties) {
        return connect(NetworkConfig.fromProperties(Objects.requireNonNull(kafkaClientsProperties, "kafkaClientsProperties")));
    }

    public NetworkConfig config() {
        return config;
    }

    /** Asks the cluster for its brokers: node id to {@code host:port}. */
    public CompletableFuture<Map<Integer, String>> brokers() {
        return engine.refreshMetadata().thenApply(m -> {
            Map<Integer, String> brokers = new TreeMap<>();
            m.brokers().forEach((id, address) -> brokers.put(id, address.toString()));
            return java.util.Collections.unmodifiableMap(brokers);
        });
    }

    /** The cluster id the brokers reported at the last metadata refresh, or null before one. */
    public String clusterId() {
        return engine.metadata().clusterId();
    }

    @Override
    public void close() {
        engine.close();
    }

    @Override
    public String toString() {
        return "Cluster(" + config.bootstrapServers() + ", client id '" + engine.clientId() + "')";
    }

}
