package dev.josef.kafka.net.internal;

import dev.josef.kafka.net.NetworkConfig;
import dev.josef.kafka.net.spi.ClientHook;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a client's builder (the producer's, the consumer's) knows of its
 * network besides a whole {@link NetworkConfig}: a bootstrap shortcut, and the
 * connection hooks handed over with the client's own through
 * {@code hook(Hook)}. Not thread-safe, as builders are not.
 */
public final class NetworkShortcuts {
    private NetworkConfig network;
    private String bootstrapServers;
    private final List<ClientHook> hooks = new ArrayList<>();

    public void network(NetworkConfig network) {
        this.network = Objects.requireNonNull(network, "network");
    }

    /** Checked now, with NetworkConfig's own message for a bad address. */
    public void bootstrapServers(String bootstrapServers) {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        NetworkConfig.builder().bootstrapServers(bootstrapServers);
        this.bootstrapServers = bootstrapServers;
    }

    /** Takes the connection-hook role of {@code hook}, if it has one. */
    public boolean hook(Object hook) {
        if (hook instanceof ClientHook c) {
            hooks.add(c);
            return true;
        }
        return false;
    }

    /**
     * The network configuration: the one given (or the defaults), with the
     * bootstrap servers and hooks given on the side.
     *
     * @param client what the client is, for the message when nothing names a cluster
     * @throws IllegalArgumentException when neither a configuration nor bootstrap servers were given
     */
    public NetworkConfig build(String client) {
        if (network == null && bootstrapServers == null) {
            throw new IllegalArgumentException("a " + client + " needs a network configuration (bootstrap servers)");
        }
        if (bootstrapServers == null && hooks.isEmpty()) {
            return network;
        }
        NetworkConfig.Builder b = network == null ? NetworkConfig.builder() : network.toBuilder();
        if (bootstrapServers != null) {
            b.bootstrapServers(bootstrapServers);
        }
        hooks.forEach(b::hook);
        return b.build();
    }
}
