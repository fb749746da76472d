package dev.josef.kafka.testkit;

import dev.josef.kafka.testkit.internal.ProxyServer;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * A Kafka-aware proxy between clients and real brokers that injects the faults a
 * broker cannot be made to show on demand: an error code in a response, a slow or
 * missing answer, a dropped connection, a corrupt fetched batch, a quota throttle.
 *
 * <pre>{@code
 * try (KafkaCluster cluster = KafkaCluster.start();
 *      KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers())) {
 *     ProxyRule rule = proxy.add(ProxyRule.on(ApiKey.PRODUCE).times(1)
 *             .replaceError(ErrorCode.NOT_LEADER_OR_FOLLOWER));
 *     // point the client at proxy.bootstrapServers()
 * }
 * }</pre>
 *
 * <p>The proxy listens on 127.0.0.1, one port per upstream broker. It learns the
 * brokers from the responses it forwards and rewrites every broker address in
 * them (Metadata, FindCoordinator, DescribeCluster, the leader hints of Produce,
 * Fetch and the share-group APIs) to one of its own ports, opening a port for a
 * broker the first time it sees it, so a client that bootstraps through the proxy
 * sends all its traffic through it. Frames are read and rewritten with
 * kafka-protocol; a response that no rule touches and that carries no address is
 * forwarded byte for byte. Plaintext only: the proxy cannot read TLS.
 *
 * <p>A frame that cannot be right (a size out of bounds, a response to no request)
 * closes that one connection, with the reason logged through {@link System.Logger};
 * the proxy goes on. {@link #close()} closes every socket and ends every thread
 * (daemons named {@code josef-proxy-...}); it is idempotent.
 */
public final class KafkaProxy implements AutoCloseable {
    private final ProxyServer server;
    private volatile boolean closed;

    private KafkaProxy(ProxyServer server) {
        this.server = server;
    }

    /**
     * Starts a proxy for the cluster at {@code upstreamBootstrapServers}
     * ("host:port[,host:port...]"), with a listener for each of those addresses.
     *
     * @throws java.io.UncheckedIOException if a local port cannot be opened
     */
    public static KafkaProxy start(String upstreamBootstrapServers) {
        Objects.requireNonNull(upstreamBootstrapServers, "upstreamBootstrapServers");
        return new KafkaProxy(ProxyServer.start(upstreamBootstrapServers));
    }

    /** The proxy's addresses for the upstream bootstrap servers, for a client's {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return server.bootstrapServers();
    }

    /** Each upstream broker the proxy has met ("host:port"), with the proxy address that leads to it. */
    public Map<String, String> routes() {
        return server.routes();
    }

    /** Activates {@code rule}; it applies to connections already open and to new ones. */
    public ProxyRule add(ProxyRule rule) {
        Objects.requireNonNull(rule, "rule");
        requireOpen();
        server.addRule(rule.internal());
        return rule;
    }

    /** Builds and activates a rule. */
    public ProxyRule add(ProxyRule.Builder rule) {
        Objects.requireNonNull(rule, "rule");
        return add(rule.build());
    }

    /** Deactivates {@code rule}; an exchange it is acting on right now still completes. */
    public boolean remove(ProxyRule rule) {
        Objects.requireNonNull(rule, "rule");
        return server.removeRule(rule.internal());
    }

    /** Deactivates every rule. */
    public void clearRules() {
        server.clearRules();
    }

    /** Closes every client connection now (and the broker connection behind each); returns how many. */
    public int cutAllConnections() {
        requireOpen();
        return server.cutAllConnections("cutAllConnections()");
    }

    /** How many client connections are open through the proxy. */
    public int openConnections() {
        return server.openConnections();
    }

    /**
     * Starts chaos, for soak tests: every connection, those open now and those
     * opened later, is cut after a random time between {@code minInterval} and
     * {@code maxInterval}. Clients reconnect, and each new connection gets its own
     * random time. Runs until the returned handle or the proxy is closed; one chaos
     * at a time.
     */
    public Chaos chaos(Duration minInterval, Duration maxInterval) {
        Objects.requireNonNull(minInterval, "minInterval");
        Objects.requireNonNull(maxInterval, "maxInterval");
        if (minInterval.isNegative() || minInterval.isZero()) {
            throw new IllegalArgumentException("minInterval is " + minInterval + "; it must be positive");
        }
        if (maxInterval.compareTo(minInterval) < 0) {
            throw new IllegalArgumentException("maxInterval " + maxInterval + " is shorter than minInterval " + minInterval);
        }
        requireOpen();
        return new Chaos(server.startChaos(minInterval, maxInterval));
    }

    @Override
    public void close() {
        closed = true;
        server.close();
    }

    @Override
    public String toString() {
        return "KafkaProxy" + server.routes();
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the proxy is closed");
        }
    }

    /** A running chaos schedule; {@link #close()} stops it and leaves open connections alone. */
    public static final class Chaos implements AutoCloseable {
        private final ProxyServer.Chaos chaos;

        private Chaos(ProxyServer.Chaos chaos) {
            this.chaos = chaos;
        }

        /** How many connections chaos has cut so far. */
        public long cuts() {
            return chaos.cuts();
        }

        @Override
        public void close() {
            chaos.stop();
        }
    }
}
