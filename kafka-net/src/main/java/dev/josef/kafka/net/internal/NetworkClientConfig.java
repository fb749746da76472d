package dev.josef.kafka.net.internal;

import dev.josef.kafka.net.spi.ClientHook;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;

/**
 * Settings of the network engine.
 *
 * @param bootstrap           where to learn the cluster from; every address a host name resolves to is tried (KIP-302)
 * @param clientId            sent in every request header, and names the threads
 * @param requestTimeout      how long a request may wait for its answer, sending included
 * @param connectTimeout      how long a TCP connect may take
 * @param maxInFlightPerConnection unanswered requests allowed on one connection
 * @param maxResponseBytes    a response frame larger than this is a broken stream
 * @param security            TLS and SASL, or plaintext
 * @param reconnectBackoff    the wait before connecting again to a broker whose connection failed, doubling per failure
 * @param reconnectBackoffMax the most that wait grows to
 * @param connectionsMaxIdle  a connection with nothing to do for this long is closed
 * @param hooks               observers of connections and requests, called in ascending order
 * @param metadataMaxAge      metadata older than this is refreshed, even when nothing asked for it
 * @param threadFactory       the application's factory for the engine's threads, or null for Josef's own
 */
public record NetworkClientConfig(List<HostPort> bootstrap, String clientId, Duration requestTimeout,
                                  Duration connectTimeout, int maxInFlightPerConnection, int maxResponseBytes,
                                  Security security, Duration reconnectBackoff, Duration reconnectBackoffMax,
                                  Duration connectionsMaxIdle, List<ClientHook> hooks, Duration metadataMaxAge,
                                  ThreadFactory threadFactory) {
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final int DEFAULT_MAX_IN_FLIGHT = 5;
    public static final int DEFAULT_MAX_RESPONSE_BYTES = 128 << 20;
    public static final Duration DEFAULT_RECONNECT_BACKOFF = Duration.ofMillis(50);
    public static final Duration DEFAULT_RECONNECT_BACKOFF_MAX = Duration.ofSeconds(1);
    public static final Duration DEFAULT_CONNECTIONS_MAX_IDLE = Duration.ofMinutes(9);
    public static final Duration DEFAULT_METADATA_MAX_AGE = Duration.ofMinutes(5);

    public NetworkClientConfig {
        bootstrap = List.copyOf(Objects.requireNonNull(bootstrap, "bootstrap"));
        if (bootstrap.isEmpty()) {
            throw new IllegalArgumentException("bootstrap needs at least one address");
        }
        Objects.requireNonNull(clientId, "clientId");
        requirePositive(requestTimeout, "requestTimeout");
        requirePositive(connectTimeout, "connectTimeout");
        if (maxInFlightPerConnection < 1) {
            throw new IllegalArgumentException("maxInFlightPerConnection must be at least 1, was " + maxInFlightPerConnection);
        }
        if (maxResponseBytes < 1024) {
            throw new IllegalArgumentException("maxResponseBytes must be at least 1024, was " + maxResponseBytes);
        }
        Objects.requireNonNull(security, "security");
        requirePositive(reconnectBackoff, "reconnectBackoff");
        requirePositive(reconnectBackoffMax, "reconnectBackoffMax");
        requirePositive(connectionsMaxIdle, "connectionsMaxIdle");
        hooks = List.copyOf(Objects.requireNonNull(hooks, "hooks"));
        requirePositive(metadataMaxAge, "metadataMaxAge");
    }

    public static NetworkClientConfig of(String bootstrapServers, String clientId) {
        return new NetworkClientConfig(HostPort.parseList(bootstrapServers), clientId, DEFAULT_REQUEST_TIMEOUT,
                DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_IN_FLIGHT, DEFAULT_MAX_RESPONSE_BYTES, Security.PLAINTEXT,
                DEFAULT_RECONNECT_BACKOFF, DEFAULT_RECONNECT_BACKOFF_MAX, DEFAULT_CONNECTIONS_MAX_IDLE, List.of(),
                DEFAULT_METADATA_MAX_AGE, null);
    }

    public NetworkClientConfig withRequestTimeout(Duration timeout) {
        return new NetworkClientConfig(bootstrap, clientId, timeout, connectTimeout, maxInFlightPerConnection,
                maxResponseBytes, security, reconnectBackoff, reconnectBackoffMax, connectionsMaxIdle, hooks, metadataMaxAge, threadFactory);
    }

    public NetworkClientConfig withMaxInFlightPerConnection(int maxInFlight) {
        return new NetworkClientConfig(bootstrap, clientId, requestTimeout, connectTimeout, maxInFlight,
                maxResponseBytes, security, reconnectBackoff, reconnectBackoffMax, connectionsMaxIdle, hooks, metadataMaxAge, threadFactory);
    }

    public NetworkClientConfig withSecurity(Security security) {
        return new NetworkClientConfig(bootstrap, clientId, requestTimeout, connectTimeout, maxInFlightPerConnection,
                maxResponseBytes, security, reconnectBackoff, reconnectBackoffMax, connectionsMaxIdle, hooks, metadataMaxAge, threadFactory);
    }

    public NetworkClientConfig withReconnectBackoff(Duration backoff, Duration max) {
        return new NetworkClientConfig(bootstrap, clientId, requestTimeout, connectTimeout, maxInFlightPerConnection,
                maxResponseBytes, security, backoff, max, connectionsMaxIdle, hooks, metadataMaxAge, threadFactory);
    }

    public NetworkClientConfig withConnectionsMaxIdle(Duration idle) {
        return new NetworkClientConfig(bootstrap, clientId, requestTimeout, connectTimeout, maxInFlightPerConnection,
                maxResponseBytes, security, reconnectBackoff, reconnectBackoffMax, idle, hooks, metadataMaxAge, threadFactory);
    }

    public NetworkClientConfig withMetadataMaxAge(Duration maxAge) {
        return new NetworkClientConfig(bootstrap, clientId, requestTimeout, connectTimeout, maxInFlightPerConnection,
                maxResponseBytes, security, reconnectBackoff, reconnectBackoffMax, connectionsMaxIdle, hooks, maxAge, threadFactory);
    }

    public NetworkClientConfig withHooks(List<ClientHook> hooks) {
        return new NetworkClientConfig(bootstrap, clientId, requestTimeout, connectTimeout, maxInFlightPerConnection,
                maxResponseBytes, security, reconnectBackoff, reconnectBackoffMax, connectionsMaxIdle, hooks, metadataMaxAge, threadFactory);
    }

    public NetworkClientConfig withThreadFactory(ThreadFactory factory) {
        return new NetworkClientConfig(bootstrap, clientId, requestTimeout, connectTimeout, maxInFlightPerConnection,
                maxResponseBytes, security, reconnectBackoff, reconnectBackoffMax, connectionsMaxIdle, hooks, metadataMaxAge,
                factory);
    }

    private static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + d);
        }
    }
}
