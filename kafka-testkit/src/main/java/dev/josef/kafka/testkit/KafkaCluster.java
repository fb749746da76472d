package dev.josef.kafka.testkit;

import dev.josef.kafka.protocol.Uuid;
import dev.josef.kafka.protocol.message.MetadataResponse;
import dev.josef.kafka.testkit.internal.BrokerConnection;
import dev.josef.kafka.testkit.internal.ContainerBroker;
import dev.josef.kafka.testkit.internal.SelfSignedCertificate;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * Real Apache Kafka brokers in KRaft mode, each in a child JVM on 127.0.0.1
 * with free ports: one combined broker and controller by default, or up to
 * three brokers with a dedicated controller.
 *
 * <pre>{@code
 * try (KafkaCluster cluster = KafkaCluster.builder().listeners(Listener.SASL_SSL).start()) {
 *     Map<String, String> config = cluster.clientProperties(Listener.SASL_SSL, "SCRAM-SHA-512");
 *     ...
 * }
 * }</pre>
 *
 * <p>Every node writes its log under the cluster's directory (by default in
 * {@code target/josef-testkit}), so a failed test can be read. No node outlives
 * the JVM that started it: a shutdown hook kills them, and each node halts by
 * itself when its parent is gone, even after a kill -9.
 *
 * <p>Methods are meant to be called from one test thread at a time.
 */
public final class KafkaCluster implements AutoCloseable {
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(90);
    public static final String DEFAULT_USER = "josef";
    /** The system property that chooses where brokers run: "process" (child JVMs, the default) or "testcontainers". */
    public static final String BACKEND_PROPERTY = "josef.testkit.broker";
    public static final String DEFAULT_PASSWORD = "josef-secret";
    private static final String STORE_PASSWORD = "josef-testkit";
    private static final List<String> SCRAM_MECHANISMS = List.of("SCRAM-SHA-256", "SCRAM-SHA-512");
    private static final AtomicInteger CLUSTERS = new AtomicInteger();
    private static final Set<KafkaCluster> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Thread hook = new Thread(() -> RUNNING.forEach(c -> c.nodes.values().forEach(BrokerNode::killNow)),
                "josef-testkit-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    private final Map<Integer, BrokerNode> nodes;
    private final Set<Listener> listeners;
    private final Map<String, String> users;
    private final Path directory;
    private final Path truststore;
    private final Duration startTimeout;
    private final String classpath;
    /** Set when the broker runs in Docker (-Djosef.testkit.broker=testcontainers); then {@link #nodes} is empty. */
    private final ContainerBroker container;
    private volatile boolean closed;

    private KafkaCluster(Builder b, ContainerBroker container) {
        this.listeners = Collections.unmodifiableSet(EnumSet.copyOf(b.listeners));
        this.users = Collections.unmodifiableMap(new LinkedHashMap<>(b.users));
        this.startTimeout = b.startTimeout;
        this.container = container;
        this.classpath = container == null ? BrokerClasspath.resolve() : null;
        this.directory = b.directory();
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + directory, e);
        }
        boolean tls = listeners.stream().anyMatch(Listener::usesTls);
        Path keystore = directory.resolve("broker.p12");
        this.truststore = tls ? directory.resolve("truststore.p12") : null;
        if (tls) {
            SelfSignedCertificate certificate = SelfSignedCertificate.generate(3650);
            certificate.writeKeyStore(keystore, STORE_PASSWORD);
            certificate.writeTrustStore(truststore, STORE_PASSWORD);
        }
        this.nodes = container == null ? layout(b, keystore) : Map.of();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A single combined broker and controller with a PLAINTEXT listener, started. */
    public static KafkaCluster start() {
        return builder().start();
    }

    private Map<Integer, BrokerNode> layout(Builder b, Path keystore) {
        String clusterId = new Uuid(Double.doubleToLongBits(Math.random()) ^ System.nanoTime(),
                Double.doubleToLongBits(Math.random())).toString();
        boolean combined = b.brokers == 1;
        int controllerId = combined ? 1 : 0;
        // The OS may give a port it just handed out (and got back) again: a layout never takes one twice.
        Set<Integer> taken = new java.util.HashSet<>();
        int controllerPort = freePort(taken);
        String quorum = "127.0.0.1:" + controllerPort;
        int replication = Math.min(b.brokers, 3);
        Map<Integer, BrokerNode> map = new TreeMap<>();
        if (!combined) {
            map.put(controllerId, node(b, controllerId, false, true, Map.of(), controllerPort, quorum, replication,
                    clusterId, keystore));
        }
        for (int id = 1; id <= b.brokers; id++) {
            Map<Listener, Integer> ports = new EnumMap<>(Listener.class);
            for (Listener l : listeners) {
                ports.put(l, freePort(taken));
            }
            boolean isController = combined;
            map.put(id, node(b, id, true, isController, ports, controllerPort, quorum, replication, clusterId, keystore));
        }
        return map;
    }

    private BrokerNode node(Builder b, int id, boolean broker, boolean controller, Map<Listener, Integer> ports,
                            int controllerPort, String quorum, int replication, String clusterId, Path keystore) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("node.id", Integer.toString(id));
        p.put("process.roles", broker && controller ? "broker,controller" : broker ? "broker" : "controller");
        p.put("controller.quorum.bootstrap.servers", quorum);
        p.put("controller.listener.names", "CONTROLLER");
        Path dir = directory.resolve("node-" + id);
        p.put("log.dirs", dir.resolve("data").toString());
        List<String> bound = new ArrayList<>();
        ports.forEach((l, port) -> bound.add(l.name() + "://127.0.0.1:" + port));
        if (controller) {
            bound.add("CONTROLLER://127.0.0.1:" + controllerPort);
        }
        p.put("listeners", String.join(",", bound));
        if (broker) {
            p.put("advertised.listeners", String.join(",", bound));
            p.put("inter.broker.listener.name", "PLAINTEXT");
        }
        p.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,"
                + listeners.stream().map(l -> l.name() + ":" + l.name()).collect(Collectors.joining(",")));
        // Sized for tests: small internal topics, few threads, fast group joins,
        // and a short broker session so that a killed broker's restart is not
        // refused for long as a duplicate registration.
        p.put("num.partitions", "1");
        p.put("default.replication.factor", Integer.toString(replication));
        p.put("offsets.topic.replication.factor", Integer.toString(replication));
        p.put("offsets.topic.num.partitions", "5");
        p.put("transaction.state.log.replication.factor", Integer.toString(replication));
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "5");
        p.put("share.coordinator.state.topic.replication.factor", Integer.toString(replication));
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "2");
        p.put("background.threads", "2");
        p.put("num.recovery.threads.per.data.dir", "1");
        p.put("log.cleaner.threads", "1");
        p.put("log.cleaner.dedupe.buffer.size", "2097152");
        p.put("broker.heartbeat.interval.ms", "500");
        p.put("broker.session.timeout.ms", "3000");
        // No deletion by age: tests write records with fixed timestamps years in the past, and the broker's
        // first retention check (about 30 s after start) would delete them all under the default seven days,
        // moving the log start offset under a reader. A broker property log.retention.ms, .minutes or .hours
        // (or a topic's retention.ms) turns retention back on for a test about it.
        if (!b.setsRetention()) {
            p.put("log.retention.ms", "-1");
        }
        if (listeners.stream().anyMatch(Listener::usesTls)) {
            p.put("ssl.keystore.type", "PKCS12");
            p.put("ssl.keystore.location", keystore.toString());
            p.put("ssl.keystore.password", STORE_PASSWORD);
            p.put("ssl.key.password", STORE_PASSWORD);
            p.put("ssl.client.auth", "none");
        }
        if (listeners.stream().anyMatch(Listener::usesSasl)) {
            p.put("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512");
            String plainUsers = users.entrySet().stream()
                    .map(u -> "user_" + u.getKey() + "=\"" + u.getValue() + "\"")
                    .collect(Collectors.joining(" "));
            for (Listener l : listeners) {
                if (l.usesSasl()) {
                    String prefix = "listener.name." + l.name().toLowerCase(java.util.Locale.ROOT) + ".";
                    p.put(prefix + "plain.sasl.jaas.config",
                            "org.apache.kafka.common.security.plain.PlainLoginModule required " + plainUsers + ";");
                    for (String m : SCRAM_MECHANISMS) {
                        p.put(prefix + m.toLowerCase(java.util.Locale.ROOT) + ".sasl.jaas.config",
                                "org.apache.kafka.common.security.scram.ScramLoginModule required;");
                    }
                }
            }
        }
        String nodeId = Integer.toString(id);
        b.brokerProperties.forEach((k, v) -> p.put(k, v.replace("{node.id}", nodeId)));
        StringBuilder text = new StringBuilder("# written by josef-testkit\n");
        p.forEach((k, v) -> text.append(k).append('=').append(escape(v)).append('\n'));

        List<String> format = new ArrayList<>(List.of("--cluster-id", clusterId));
        b.features.forEach((name, level) -> {
            format.add("--feature");
            format.add(name + "=" + level);
        });
        if (controller) {
            format.add("--standalone");
            // SCRAM credentials go into the metadata log when it is created (KRaft).
            for (Map.Entry<String, String> u : users.entrySet()) {
                for (String m : SCRAM_MECHANISMS) {
                    format.add("--add-scram");
                    format.add(m + "=[name=" + u.getKey() + ",password=" + u.getValue() + "]");
                }
            }
        } else {
            format.add("--no-initial-controllers");
        }
        return new BrokerNode(id, broker, controller, dir, ports, controllerPort, text.toString(), format);
    }

    private static String escape(String value) {
        return value.replace("\\", "\\\\");
    }

    /** A free loopback port not in {@code taken}, which it joins. */
    private static int freePort(Set<Integer> taken) {
        for (int attempt = 0; attempt < 100; attempt++) {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                if (taken.add(socket.getLocalPort())) {
                    return socket.getLocalPort();
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot find a free port on 127.0.0.1", e);
            }
        }
        throw new IllegalStateException("the OS kept giving ports already taken by this cluster: " + taken);
    }

    private void startAll() {
        RUNNING.add(this);
        try {
            for (BrokerNode node : nodes.values()) {
                node.start(classpath);
            }
            for (BrokerNode node : nodes.values()) {
                node.awaitReady(startTimeout);
            }
            awaitBrokersRegistered(startTimeout);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Waits until every running broker's metadata lists every running broker. */
    private void awaitBrokersRegistered(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Set<Integer> expected = nodes.values().stream().filter(n -> n.isBroker() && n.isRunning())
                .map(BrokerNode::nodeId).collect(Collectors.toSet());
        for (BrokerNode node : nodes.values()) {
            if (!node.isBroker() || !node.isRunning()) {
                continue;
            }
            while (true) {
                Set<Integer> seen = Set.of();
                try (BrokerConnection c = connect(node)) {
                    seen = c.metadata(List.of()).brokers().stream()
                            .map(MetadataResponse.MetadataResponseBroker::nodeId).collect(Collectors.toSet());
                } catch (IOException | RuntimeException notYet) {
                    // retried below
                }
                if (seen.containsAll(expected)) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("broker " + node.nodeId() + " sees brokers " + seen
                            + " but not all of " + expected + " within " + timeout);
                }
                sleepMillis(100);
            }
        }
    }

    private BrokerConnection connect(BrokerNode node) throws IOException {
        return new BrokerConnection("127.0.0.1", node.port(Listener.PLAINTEXT), Duration.ofSeconds(10));
    }

    /** The bootstrap servers of the PLAINTEXT listener, "127.0.0.1:port,...". */
    public String bootstrapServers() {
        return bootstrapServers(Listener.PLAINTEXT);
    }

    /** The bootstrap servers of one listener; it must have been enabled in the builder. */
    public String bootstrapServers(Listener listener) {
        requireListener(listener);
        if (container != null) {
            return container.bootstrapServers();
        }
        return brokers().stream().map(n -> "127.0.0.1:" + n.port(listener)).collect(Collectors.joining(","));
    }

    /**
     * Properties for a kafka-clients (or Josef) client of one listener: bootstrap
     * servers, security protocol, trust store for TLS, and for SASL the mechanism
     * and the first user's login.
     *
     * @param saslMechanism PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512; ignored without SASL
     */
    public Map<String, String> clientProperties(Listener listener, String saslMechanism) {
        requireListener(listener);
        Map<String, String> p = new LinkedHashMap<>();
        p.put("bootstrap.servers", bootstrapServers(listener));
        p.put("security.protocol", listener.name());
        if (listener.usesTls()) {
            p.put("ssl.truststore.type", "PKCS12");
            p.put("ssl.truststore.location", truststore.toString());
            p.put("ssl.truststore.password", STORE_PASSWORD);
        }
        if (listener.usesSasl()) {
            Objects.requireNonNull(saslMechanism, "saslMechanism");
            Map.Entry<String, String> user = users.entrySet().iterator().next();
            String module = saslMechanism.equals("PLAIN")
                    ? "org.apache.kafka.common.security.plain.PlainLoginModule"
                    : "org.apache.kafka.common.security.scram.ScramLoginModule";
            if (!saslMechanism.equals("PLAIN") && !SCRAM_MECHANISMS.contains(saslMechanism)) {
                throw new IllegalArgumentException("unsupported SASL mechanism '" + saslMechanism
                        + "'; the kit's brokers enable PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512");
            }
            p.put("sasl.mechanism", saslMechanism);
            p.put("sasl.jaas.config", module + " required username=\"" + user.getKey()
                    + "\" password=\"" + user.getValue() + "\";");
        }
        return p;
    }

    /** Client properties of a listener without SASL. */
    public Map<String, String> clientProperties(Listener listener) {
        if (listener.usesSasl()) {
            throw new IllegalArgumentException(listener + " needs a SASL mechanism: use clientProperties(listener, mechanism)");
        }
        return clientProperties(listener, null);
    }

    /** The PKCS12 trust store that holds the brokers' self-signed certificate, or null without TLS. */
    public Path truststore() {
        return truststore;
    }

    public String truststorePassword() {
        return STORE_PASSWORD;
    }

    /** User names and passwords known to PLAIN and SCRAM. */
    public Map<String, String> users() {
        return users;
    }

    public Set<Listener> listeners() {
        return listeners;
    }

    /** The node ids of the brokers (not of a dedicated controller). */
    public List<Integer> brokerIds() {
        if (container != null) {
            return List.of(1);
        }
        return brokers().stream().map(BrokerNode::nodeId).toList();
    }

    public boolean isRunning(int brokerId) {
        if (container != null) {
            return container.isRunning();
        }
        return node(brokerId).isRunning();
    }

    /** The process id of a broker's JVM, or -1 when it is not running. */
    public long pid(int brokerId) {
        return node(brokerId).pid();
    }

    /** Where a node writes its log. */
    public Path logFile(int nodeId) {
        return node(nodeId).logFile();
    }

    public Path directory() {
        return directory;
    }

    /** A clean shutdown of one broker. */
    public void stopBroker(int brokerId) {
        if (container != null) {
            container.stop();
            return;
        }
        node(brokerId).stop(Duration.ofSeconds(30));
    }

    /** kill -9 of one broker. */
    public void killBroker(int brokerId) {
        if (container != null) {
            container.stop();
            return;
        }
        node(brokerId).kill();
    }

    /** Starts a stopped or killed broker again on the same ports and data, and waits until the cluster sees it. */
    public void restartBroker(int brokerId) {
        if (container != null) {
            container.restart();
            return;
        }
        BrokerNode node = node(brokerId);
        if (node.isRunning()) {
            node.stop(Duration.ofSeconds(30));
        }
        node.start(classpath);
        node.awaitReady(startTimeout);
        awaitBrokersRegistered(startTimeout);
    }

    /**
     * Creates a topic and waits until every partition has a leader that serves it.
     *
     * <p>A broker's metadata names it leader a moment before it has taken the
     * partition up; a Produce in between is refused as NOT_LEADER_OR_FOLLOWER. An
     * idempotent producer that pipelines is then hurt for good: the broker takes
     * the next batch as the producer's first on the partition, and the refused
     * one, sent again, is OUT_OF_ORDER_SEQUENCE_NUMBER until it expires
     * (kafka-clients does exactly this). So the kit waits until each leader
     * answers ListOffsets for its partitions.
     */
    public void createTopic(String name, int partitions, int replicationFactor) {
        String address = container != null ? container.bootstrapServers().split(",")[0].replaceFirst("^[A-Z_]+://", "")
                : "127.0.0.1:" + brokers().stream().filter(BrokerNode::isRunning).findFirst()
                        .orElseThrow(() -> new IllegalStateException("no broker is running")).port(Listener.PLAINTEXT);
        int colon = address.lastIndexOf(':');
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        try (BrokerConnection c = new BrokerConnection(address.substring(0, colon),
                Integer.parseInt(address.substring(colon + 1)), Duration.ofSeconds(10))) {
            c.createTopic(name, partitions, (short) replicationFactor, false, Duration.ofSeconds(30));
            String waitingFor;
            while (true) {
                MetadataResponse metadata = c.metadata(List.of(name));
                MetadataResponse.MetadataResponseTopic topic = metadata.topics().get(0);
                long led = topic.partitions().stream().filter(p -> p.leaderId() >= 0).count();
                if (topic.errorCode() != 0 || led < partitions) {
                    waitingFor = led + " of " + partitions + " partitions with a leader";
                } else if (!leadersServe(metadata, name)) {
                    waitingFor = "leaders named that do not serve their partitions yet";
                } else {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("topic '" + name + "' has " + waitingFor + " after 30 s");
                }
                sleepMillis(50);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create topic '" + name + "'", e);
        }
    }

    /** Whether each partition's leader, as {@code metadata} names it, answers ListOffsets for it. */
    private static boolean leadersServe(MetadataResponse metadata, String topic) {
        Map<Integer, List<Integer>> byLeader = new TreeMap<>();
        for (MetadataResponse.MetadataResponsePartition p : metadata.topics().get(0).partitions()) {
            byLeader.computeIfAbsent(p.leaderId(), k -> new ArrayList<>()).add(p.partitionIndex());
        }
        for (Map.Entry<Integer, List<Integer>> e : byLeader.entrySet()) {
            MetadataResponse.MetadataResponseBroker broker = metadata.brokers().stream()
                    .filter(b -> b.nodeId() == e.getKey()).findFirst().orElse(null);
            if (broker == null) {
                return false;
            }
            try (BrokerConnection leader = new BrokerConnection(broker.host(), broker.port(), Duration.ofSeconds(10))) {
                if (!leader.serves(topic, e.getValue())) {
                    return false;
                }
            } catch (IOException ex) {
                return false; // the leader is not reachable yet, or went away: look again
            }
        }
        return true;
    }

    /** Stops every node (cleanly, forced after a timeout) and keeps their logs. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (container != null) {
            container.close();
            return;
        }
        // Brokers first, so that they can still reach the controller while shutting down.
        nodes.values().stream().filter(BrokerNode::isBroker).forEach(n -> n.stop(Duration.ofSeconds(20)));
        nodes.values().stream().filter(n -> !n.isBroker()).forEach(n -> n.stop(Duration.ofSeconds(20)));
        RUNNING.remove(this);
    }

    private List<BrokerNode> brokers() {
        return nodes.values().stream().filter(BrokerNode::isBroker).toList();
    }

    private BrokerNode node(int id) {
        BrokerNode node = nodes.get(id);
        if (node == null) {
            throw new IllegalArgumentException("no node " + id + " in this cluster; its nodes are " + nodes.keySet());
        }
        return node;
    }

    private void requireListener(Listener listener) {
        if (!listeners.contains(Objects.requireNonNull(listener, "listener"))) {
            throw new IllegalArgumentException("listener " + listener + " is not enabled; this cluster has " + listeners);
        }
    }

    private static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public String toString() {
        return "KafkaCluster(" + brokerIds().size() + " brokers, " + listeners + ", " + directory + ")";
    }

    /** Settings of a cluster; {@link #start()} starts it and waits until every broker is ready. */
    public static final class Builder {
        private int brokers = 1;
        private final Set<Listener> listeners = EnumSet.of(Listener.PLAINTEXT);
        private final Map<String, String> users = new LinkedHashMap<>();
        private final Map<String, String> brokerProperties = new LinkedHashMap<>();
        private final Map<String, Integer> features = new LinkedHashMap<>();
        private Duration startTimeout = DEFAULT_START_TIMEOUT;
        private Path directory;

        private Builder() {
        }

        /** 1 (the default) for one combined broker and controller; 2 or 3 for that many brokers and a controller. */
        public Builder brokers(int brokers) {
            if (brokers < 1 || brokers > 3) {
                throw new IllegalArgumentException("brokers must be 1, 2 or 3, was " + brokers);
            }
            this.brokers = brokers;
            return this;
        }

        /** Listeners besides PLAINTEXT, which is always on (brokers talk to each other on it). */
        public Builder listeners(Listener... listeners) {
            for (Listener l : listeners) {
                this.listeners.add(Objects.requireNonNull(l, "listener"));
            }
            return this;
        }

        /** A user for PLAIN and SCRAM-SHA-256/512; without one, SASL listeners get {@value #DEFAULT_USER}. */
        public Builder user(String name, String password) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(password, "password");
            if (name.isEmpty() || !name.matches("[A-Za-z0-9._-]+")) {
                throw new IllegalArgumentException("user name must be letters, digits, '.', '_' or '-', was '" + name + "'");
            }
            if (password.isEmpty() || password.contains("\"") || password.contains(",") || password.contains("]")) {
                throw new IllegalArgumentException("password for '" + name + "' must be non-empty and free of '\"', ',' and ']'");
            }
            users.put(name, password);
            return this;
        }

        /** Whether a broker property sets retention by age (the ms setting would override the others). */
        private boolean setsRetention() {
            return brokerProperties.keySet().stream().anyMatch(k -> k.equals("log.retention.ms")
                    || k.equals("log.retention.minutes") || k.equals("log.retention.hours"));
        }

        /**
         * A broker setting, e.g. {@code min.insync.replicas} or {@code producer.id.expiration.ms}; it wins over the
         * kit's. {@code {node.id}} in the value becomes each node's id, so {@code broker.rack=rack-{node.id}} puts
         * every broker in a rack of its own.
         */
        public Builder brokerProperty(String key, String value) {
            brokerProperties.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * A feature level the cluster is formatted with, as {@code kafka-storage format --feature}: for example
         * {@code group.version} 0 for a cluster without the KIP-848 consumer group protocol, or
         * {@code transaction.version} 1 for transactions before KIP-890's second part. Without it, a feature
         * gets the level of the broker's latest production metadata version.
         */
        public Builder feature(String name, int level) {
            Objects.requireNonNull(name, "name");
            if (!name.matches("[a-z]+(\\.[a-z]+)*")) {
                throw new IllegalArgumentException("a feature name is dotted lower-case words, such as "
                        + "group.version; was '" + name + "'");
            }
            if (level < 0) {
                throw new IllegalArgumentException("feature level of " + name + " must not be negative, was " + level);
            }
            features.put(name, level);
            return this;
        }

        public Builder startTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("startTimeout must be positive, was " + timeout);
            }
            this.startTimeout = timeout;
            return this;
        }

        /** Where the nodes keep their data and logs; by default a new folder under {@code target/josef-testkit}. */
        public Builder directory(Path directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        private Path directory() {
            if (directory != null) {
                return directory;
            }
            String base = System.getProperty("josef.testkit.workDir", "target/josef-testkit");
            String name = "cluster-" + ProcessHandle.current().pid() + "-" + CLUSTERS.incrementAndGet()
                    + "-" + Long.toString(System.currentTimeMillis(), 36);
            return Path.of(base).toAbsolutePath().resolve(name);
        }

        /**
         * Starts the cluster and waits until every broker is ready. With
         * {@code -Djosef.testkit.broker=testcontainers} the broker runs in Docker
         * through Testcontainers' KafkaContainer instead (one broker, PLAINTEXT; the
         * image is {@code apache/kafka:<version>}, or {@code -Djosef.testkit.image}).
         */
        public KafkaCluster start() {
            if (listeners.stream().anyMatch(Listener::usesSasl) && users.isEmpty()) {
                users.put(DEFAULT_USER, DEFAULT_PASSWORD);
            }
            String backend = System.getProperty(BACKEND_PROPERTY, "process");
            switch (backend) {
                case "process":
                    KafkaCluster cluster = new KafkaCluster(this, null);
                    cluster.startAll();
                    return cluster;
                case "testcontainers":
                    if (brokers != 1 || listeners.size() != 1) {
                        throw new IllegalArgumentException("with " + BACKEND_PROPERTY + "=testcontainers the kit runs one"
                                + " broker with a PLAINTEXT listener; this cluster asks for " + brokers + " brokers and " + listeners);
                    }
                    String image = System.getProperty("josef.testkit.image", "apache/kafka:" + BrokerClasspath.kafkaVersion());
                    Map<String, String> containerProperties = new LinkedHashMap<>();
                    if (!setsRetention()) {
                        containerProperties.put("log.retention.ms", "-1"); // as for process brokers: see node()
                    }
                    containerProperties.putAll(brokerProperties);
                    return new KafkaCluster(this, ContainerBroker.start(image, containerProperties));
                default:
                    throw new IllegalArgumentException(BACKEND_PROPERTY + " must be 'process' (the default) or"
                            + " 'testcontainers', was '" + backend + "'");
            }
        }
    }
}
