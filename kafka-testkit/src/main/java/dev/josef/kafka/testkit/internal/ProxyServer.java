package dev.josef.kafka.testkit.internal;

import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.Uuid;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * The proxy's machinery: a listener on 127.0.0.1 per upstream broker, the
 * connections through them, the fault rules, and chaos.
 *
 * <p>Blocking I/O with two threads per connection and one per listener: a test
 * proxy carries a handful of connections, and blocking code is the simplest to
 * get right and to close. Every thread is a daemon named {@code josef-proxy-...}
 * and {@link #close()} ends them all.
 *
 * <p>Threading: {@code lock} guards the listener map, the chaos schedule and the
 * transition to closed; connections, threads, rules and topic names are concurrent
 * collections that the listener and connection threads use without it.
 */
public final class ProxyServer implements Closeable {
    private static final System.Logger LOG = System.getLogger(ProxyServer.class.getName());
    private static final String LOCAL_HOST = "127.0.0.1";
    private static final int CONNECT_TIMEOUT_MS = 10_000;
    private static final long CLOSE_JOIN_NANOS = TimeUnit.SECONDS.toNanos(5);

    /** A host and port, as brokers advertise them. */
    public record Address(String host, int port) {
        @Override
        public String toString() {
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }
    }

    private final Object lock = new Object();
    private final String name;
    private final Map<String, Listener> listeners = new LinkedHashMap<>();   // by upstream address; guarded by lock
    private final List<Listener> bootstrap = new ArrayList<>();
    private final Set<ProxyConnection> connections = ConcurrentHashMap.newKeySet();
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private final CopyOnWriteArrayList<FaultRule> rules = new CopyOnWriteArrayList<>();
    private final Map<Uuid, String> topicNames = new ConcurrentHashMap<>();
    private final AtomicInteger connectionCount = new AtomicInteger();
    private volatile boolean closed;
    private Chaos chaos;   // guarded by lock

    private ProxyServer(String name) {
        this.name = name;
    }

    /** Opens a listener for each address in {@code upstreamBootstrap} ("host:port[,host:port...]"). */
    public static ProxyServer start(String upstreamBootstrap) {
        List<Address> upstream = parseAddresses(upstreamBootstrap);
        ProxyServer server = new ProxyServer("josef-proxy");
        try {
            for (Address address : upstream) {
                server.bootstrap.add(server.listenerFor(address));
            }
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    /** The proxy's addresses for the upstream bootstrap servers, in the order given. */
    public String bootstrapServers() {
        return bootstrap.stream().map(l -> l.local.toString()).collect(Collectors.joining(","));
    }

    /** Every upstream broker the proxy knows, with the local address that leads to it. */
    public Map<String, String> routes() {
        synchronized (lock) {
            Map<String, String> routes = new LinkedHashMap<>();
            listeners.values().forEach(l -> routes.put(l.upstream.toString(), l.local.toString()));
            return routes;
        }
    }

    public void addRule(FaultRule rule) {
        if (!rules.addIfAbsent(rule)) {
            throw new IllegalArgumentException(rule + " is already active");
        }
    }

    public boolean removeRule(FaultRule rule) {
        return rules.remove(rule);
    }

    public void clearRules() {
        rules.clear();
    }

    public int openConnections() {
        return connections.size();
    }

    /** Closes every open client connection; returns how many. */
    public int cutAllConnections(String reason) {
        int cut = 0;
        for (ProxyConnection connection : List.copyOf(connections)) {
            if (connection.close(reason)) {
                cut++;
            }
        }
        return cut;
    }

    /** Starts cutting each connection after a random time in [min, max]; one chaos at a time. */
    public Chaos startChaos(Duration min, Duration max) {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the proxy is closed");
            }
            if (chaos != null) {
                throw new IllegalStateException("chaos is already running; stop it first");
            }
            chaos = new Chaos(min, max);
            for (ProxyConnection connection : connections) {
                chaos.schedule(connection);
            }
            return chaos;
        }
    }

    @Override
    public void close() {
        List<Listener> toClose;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            if (chaos != null) {
                chaos.shutdown();
            }
            toClose = List.copyOf(listeners.values());
        }
        for (Listener listener : toClose) {
            listener.close();
        }
        cutAllConnections("the proxy is closing");
        long deadline = System.nanoTime() + CLOSE_JOIN_NANOS;
        for (Thread thread : List.copyOf(threads)) {
            if (thread == Thread.currentThread()) {
                continue;
            }
            try {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (thread.isAlive()) {
                LOG.log(System.Logger.Level.WARNING, "{0} did not stop within 5 s of close", thread.getName());
            }
        }
    }

    // ---- for the connections and the response editor

    /** The proxy's address for a broker, opening a listener for it the first time it is seen. */
    Address localAddress(String upstreamHost, int upstreamPort) {
        return listenerFor(new Address(upstreamHost, upstreamPort)).local;
    }

    void learnTopic(Uuid topicId, String name) {
        if (topicId != null && !Uuid.ZERO.equals(topicId) && name != null && !name.isEmpty()) {
            topicNames.put(topicId, name);
        }
    }

    /** The name of a topic id, as the Metadata responses through the proxy told it; null if unknown. */
    String topicName(Uuid topicId) {
        return topicId == null ? null : topicNames.get(topicId);
    }

    /** The live rules that act before a request of {@code apiKey} is forwarded. */
    List<FaultRule> requestRules(ApiKey apiKey) {
        return select(apiKey, true);
    }

    /** The live rules that act on a response of {@code apiKey}. */
    List<FaultRule> responseRules(ApiKey apiKey) {
        return select(apiKey, false);
    }

    private List<FaultRule> select(ApiKey apiKey, boolean beforeRequest) {
        List<FaultRule> selected = List.of();
        for (FaultRule rule : rules) {
            if (rule.apiKey() == apiKey && !rule.exhausted()
                    && rule.actsOnRequest() == beforeRequest) {
                if (selected.isEmpty()) {
                    selected = new ArrayList<>(2);
                }
                selected.add(rule);
            }
        }
        return selected;
    }

    void startThread(String threadName, Runnable body) {
        Thread thread = new Thread(() -> {
            try {
                body.run();
            } finally {
                threads.remove(Thread.currentThread());
            }
        }, threadName);
        thread.setDaemon(true);
        threads.add(thread);
        thread.start();
    }

    void connectionClosed(ProxyConnection connection) {
        connections.remove(connection);
    }

    // ---- listeners

    private Listener listenerFor(Address upstream) {
        String key = upstream.host().toLowerCase(Locale.ROOT) + ":" + upstream.port();
        synchronized (lock) {
            Listener listener = listeners.get(key);
            if (listener != null) {
                return listener;
            }
            if (closed) {
                throw new IllegalStateException("the proxy is closed");
            }
            try {
                listener = new Listener(upstream);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open a proxy listener for " + upstream, e);
            }
            listeners.put(key, listener);
            LOG.log(System.Logger.Level.DEBUG, "{0} leads to broker {1}", listener.local, upstream);
            startThread(name + "-" + listener.local.port() + "-accept", listener::acceptLoop);
            return listener;
        }
    }

    /** A local port that stands for one upstream broker. */
    private final class Listener {
        final Address upstream;
        final Address local;
        final ServerSocket serverSocket;

        Listener(Address upstream) throws IOException {
            this.upstream = upstream;
            this.serverSocket = new ServerSocket();
            try {
                serverSocket.bind(new InetSocketAddress(InetAddress.getByName(LOCAL_HOST), 0), 50);
            } catch (IOException e) {
                serverSocket.close();
                throw e;
            }
            this.local = new Address(LOCAL_HOST, serverSocket.getLocalPort());
        }

        void acceptLoop() {
            while (!closed) {
                Socket client;
                try {
                    client = serverSocket.accept();
                } catch (IOException e) {
                    if (!closed) {
                        LOG.log(System.Logger.Level.WARNING, "proxy listener " + local + " stopped accepting", e);
                    }
                    return;
                }
                open(client);
            }
        }

        private void open(Socket client) {
            String connectionName = name + "-" + local.port() + "-" + connectionCount.incrementAndGet();
            Socket broker = new Socket();
            try {
                client.setTcpNoDelay(true);
                broker.setTcpNoDelay(true);
                broker.connect(new InetSocketAddress(upstream.host(), upstream.port()), CONNECT_TIMEOUT_MS);
            } catch (IOException e) {
                // To the client this looks like the broker refusing the connection.
                LOG.log(System.Logger.Level.DEBUG, "{0}: cannot reach broker {1}: {2}", connectionName, upstream, e.toString());
                closeQuietly(client);
                closeQuietly(broker);
                return;
            }
            ProxyConnection connection = new ProxyConnection(ProxyServer.this, connectionName, client, broker);
            connections.add(connection);
            Chaos current;
            synchronized (lock) {
                current = chaos;
            }
            if (closed) {
                connection.close("the proxy is closing");
                return;
            }
            connection.start();
            if (current != null) {
                current.schedule(connection);
            }
        }

        void close() {
            closeQuietly(serverSocket);
        }
    }

    // ---- chaos

    /** Cuts each connection once, after a random time in [min, max] from when chaos first saw it. */
    public final class Chaos {
        private final long minNanos;
        private final long maxNanos;
        private final ScheduledThreadPoolExecutor timer;
        private final AtomicLong cuts = new AtomicLong();

        private Chaos(Duration min, Duration max) {
            this.minNanos = min.toNanos();
            this.maxNanos = max.toNanos();
            this.timer = new ScheduledThreadPoolExecutor(1, task -> {
                Thread thread = new Thread(task, name + "-chaos");
                thread.setDaemon(true);
                return thread;
            });
            timer.setRemoveOnCancelPolicy(true);
        }

        public long cuts() {
            return cuts.get();
        }

        /** Stops cutting; connections that are open stay open. */
        public void stop() {
            synchronized (lock) {
                if (chaos == this) {
                    chaos = null;
                }
            }
            shutdown();
        }

        private void shutdown() {
            timer.shutdownNow();
            try {
                if (!timer.awaitTermination(5, TimeUnit.SECONDS)) {
                    LOG.log(System.Logger.Level.WARNING, "the chaos timer did not stop within 5 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void schedule(ProxyConnection connection) {
            long delay = minNanos == maxNanos ? minNanos : ThreadLocalRandom.current().nextLong(minNanos, maxNanos + 1);
            try {
                timer.schedule(() -> connection.close("chaos", cuts::incrementAndGet), delay, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                // chaos stopped meanwhile
            }
        }
    }

    // ---- helpers

    static List<Address> parseAddresses(String servers) {
        if (servers == null || servers.isBlank()) {
            throw new IllegalArgumentException("the upstream bootstrap servers are empty; expected host:port[,host:port...]");
        }
        List<Address> addresses = new ArrayList<>();
        for (String entry : servers.split(",")) {
            String trimmed = entry.trim();
            int colon = trimmed.lastIndexOf(':');
            if (colon <= 0 || colon == trimmed.length() - 1) {
                throw new IllegalArgumentException("upstream address '" + trimmed + "' is not host:port");
            }
            String host = trimmed.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port;
            try {
                port = Integer.parseInt(trimmed.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("upstream address '" + trimmed + "' has no numeric port");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("upstream address '" + trimmed + "' has port " + port + "; ports are 1..65535");
            }
            addresses.add(new Address(host, port));
        }
        return addresses;
    }

    private static void closeQuietly(Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException e) {
            // closing; nothing left to do with it
        }
    }
}
