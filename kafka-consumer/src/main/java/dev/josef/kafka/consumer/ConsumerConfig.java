package dev.josef.kafka.consumer;

import dev.josef.kafka.protocol.IsolationLevel;
import dev.josef.kafka.consumer.spi.BatchCorruptionHandler;
import dev.josef.kafka.consumer.spi.ConsumerHook;
import dev.josef.kafka.consumer.internal.balancer.Balancers;
import dev.josef.kafka.consumer.spi.GroupBalancer;
import dev.josef.kafka.consumer.spi.RebalanceHook;
import dev.josef.kafka.net.NetworkConfig;
import dev.josef.kafka.net.internal.NetworkShortcuts;
import dev.josef.kafka.net.internal.PropertyValues;
import dev.josef.kafka.net.spi.ClientHook;
import dev.josef.kafka.net.spi.Hook;
import dev.josef.kafka.protocol.internal.Providers;
import dev.josef.kafka.protocol.RecordBatchReader;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * A consumer's configuration: the network settings of {@link NetworkConfig} and
 * the consumer's own. Immutable; built with {@link #builder()} or from
 * kafka-clients property names with {@link #fromProperties(Map)}.
 */
public final class ConsumerConfig {
    public static final OffsetReset DEFAULT_OFFSET_RESET = OffsetReset.LATEST;
    public static final IsolationLevel DEFAULT_ISOLATION_LEVEL = IsolationLevel.READ_UNCOMMITTED;
    public static final int DEFAULT_FETCH_MIN_BYTES = 1;
    public static final Duration DEFAULT_FETCH_MAX_WAIT = Duration.ofMillis(500);
    public static final int DEFAULT_FETCH_MAX_BYTES = 50 * 1024 * 1024;
    public static final int DEFAULT_MAX_PARTITION_FETCH_BYTES = 1024 * 1024;
    public static final int DEFAULT_MAX_POLL_RECORDS = 500;
    public static final long DEFAULT_MAX_BUFFERED_BYTES = 64L * 1024 * 1024;
    public static final Duration DEFAULT_API_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(45);
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(3);
    public static final Duration DEFAULT_MAX_POLL_INTERVAL = Duration.ofMinutes(5);
    public static final Duration DEFAULT_AUTO_COMMIT_INTERVAL = Duration.ofSeconds(5);
    /** kafka-clients' default {@code partition.assignment.strategy}: range first, so the group runs eager. */
    public static final List<String> DEFAULT_BALANCERS = List.of("range", "cooperative-sticky");

    private static final Set<String> BYTE_DESERIALIZERS = Set.of(
            "org.apache.kafka.common.serialization.ByteArrayDeserializer");

    private final NetworkConfig network;
    private final OffsetReset offsetReset;
    private final IsolationLevel isolationLevel;
    private final int fetchMinBytes;
    private final Duration fetchMaxWait;
    private final int fetchMaxBytes;
    private final int maxPartitionFetchBytes;
    private final int maxPollRecords;
    private final long maxBufferedBytes;
    private final String clientRack;
    private final boolean checkCrcs;
    private final int maxDecompressedBytes;
    private final BatchCorruptionHandler corruptionHandler;
    private final List<ConsumerHook> hooks;
    private final Duration defaultApiTimeout;
    private final boolean allowAutoCreateTopics;
    private final Optional<String> groupId;
    private final Optional<String> groupInstanceId;
    private final Duration sessionTimeout;
    private final Duration heartbeatInterval;
    private final Duration maxPollInterval;
    private final boolean autoCommit;
    private final Duration autoCommitInterval;
    private final boolean autoCommitMarks;
    private final List<GroupBalancer> balancers;
    private final List<RebalanceHook> rebalanceHooks;
    private final boolean blockRebalanceOnPoll;
    private final Optional<Duration> maxRebalanceHold;
    private final GroupProtocol groupProtocol;
    private final Optional<String> remoteAssignor;

    private ConsumerConfig(Builder b) {
        this.network = b.network;
        this.offsetReset = b.offsetReset;
        this.isolationLevel = b.isolationLevel;
        this.fetchMinBytes = b.fetchMinBytes;
        this.fetchMaxWait = b.fetchMaxWait;
        this.fetchMaxBytes = b.fetchMaxBytes;
        this.maxPartitionFetchBytes = b.maxPartitionFetchBytes;
        this.maxPollRecords = b.maxPollRecords;
        this.maxBufferedBytes = b.maxBufferedBytes;
        this.clientRack = b.clientRack;
        this.checkCrcs = b.checkCrcs;
        this.maxDecompressedBytes = b.maxDecompressedBytes;
        this.corruptionHandler = b.corruptionHandler;
        this.hooks = List.copyOf(b.hooks);
        this.defaultApiTimeout = b.defaultApiTimeout;
        this.allowAutoCreateTopics = b.allowAutoCreateTopics;
        this.groupId = Optional.ofNullable(b.groupId);
        this.groupInstanceId = Optional.ofNullable(b.groupInstanceId);
        this.sessionTimeout = b.sessionTimeout;
        this.heartbeatInterval = b.heartbeatInterval;
        this.maxPollInterval = b.maxPollInterval;
        this.autoCommit = b.groupId != null && b.autoCommit;
        this.autoCommitInterval = b.autoCommitInterval;
        this.autoCommitMarks = b.autoCommitMarks;
        this.balancers = List.copyOf(b.balancers);
        this.rebalanceHooks = List.copyOf(b.rebalanceHooks);
        this.blockRebalanceOnPoll = b.blockRebalanceOnPoll;
        this.maxRebalanceHold = Optional.ofNullable(b.maxRebalanceHold);
        this.groupProtocol = b.groupProtocol;
        this.remoteAssignor = Optional.ofNullable(b.remoteAssignor);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A configuration from kafka-clients property names: those of
     * {@link NetworkConfig#PROPERTY_NAMES}, and {@code auto.offset.reset},
     * {@code isolation.level}, {@code fetch.min.bytes}, {@code fetch.max.wait.ms},
     * {@code fetch.max.bytes}, {@code max.partition.fetch.bytes},
     * {@code max.poll.records}, {@code client.rack}, {@code check.crcs},
     * {@code default.api.timeout.ms}, {@code allow.auto.create.topics},
     * {@code key.deserializer} /
     * {@code value.deserializer} when they name {@code ByteArrayDeserializer}
     * (Josef returns bytes); for a group, {@code group.id}, {@code group.instance.id},
     * {@code session.timeout.ms}, {@code heartbeat.interval.ms},
     * {@code max.poll.interval.ms}, {@code enable.auto.commit},
     * {@code auto.commit.interval.ms}, {@code partition.assignment.strategy} (our
     * names or kafka-clients' assignor class names), {@code group.protocol}
     * ({@code classic} or {@code consumer}) and {@code group.remote.assignor}; and Josef's own {@code batch.corruption.handler} (a
     * handler's name), {@code max.buffered.bytes}, {@code max.decompressed.bytes},
     * {@code block.rebalance.on.poll} and {@code auto.commit.marks}.
     *
     * @throws IllegalArgumentException naming the property for an unknown name or a bad value
     */
    public static ConsumerConfig fromProperties(Map<String, ?> properties) {
        Builder b = builder();
        b.network(PropertyValues.parse(properties, (key, value) -> {
            switch (key) {
                case "auto.offset.reset" -> b.offsetReset(OffsetReset.parse(value.toString()));
                case "isolation.level" -> b.isolationLevel(IsolationLevel.parse(value.toString()));
                case "fetch.min.bytes" -> b.fetchMinBytes(PropertyValues.integer(value));
                case "fetch.max.wait.ms" -> b.fetchMaxWait(PropertyValues.millis(value));
                case "fetch.max.bytes" -> b.fetchMaxBytes(PropertyValues.integer(value));
                case "max.partition.fetch.bytes" -> b.maxPartitionFetchBytes(PropertyValues.integer(value));
                case "max.poll.records" -> b.maxPollRecords(PropertyValues.integer(value));
                case "client.rack" -> b.clientRack(value.toString().trim());
                case "check.crcs" -> b.checkCrcs(PropertyValues.bool(value));
                case "default.api.timeout.ms" -> b.defaultApiTimeout(PropertyValues.millis(value));
                case "allow.auto.create.topics" -> b.allowAutoCreateTopics(PropertyValues.bool(value));
                case "batch.corruption.handler" -> b.batchCorruptionHandler(handler(value.toString().trim()));
                case "max.buffered.bytes" -> b.maxBufferedBytes(PropertyValues.number(value));
                case "max.decompressed.bytes" -> b.maxDecompressedBytes(PropertyValues.integer(value));
                case "key.deserializer", "value.deserializer" -> {
                    String name = value instanceof Class<?> c ? c.getName() : value.toString().trim();
                    if (!BYTE_DESERIALIZERS.contains(name)) {
                        throw new IllegalArgumentException("Josef returns bytes: deserialize keys and values "
                                + "after poll(); only ByteArrayDeserializer is accepted here, not " + name);
                    }
                }
                case "group.id" -> b.groupId(value.toString());
                case "group.instance.id" -> b.groupInstanceId(value.toString());
                case "session.timeout.ms" -> b.sessionTimeout(PropertyValues.millis(value));
                case "heartbeat.interval.ms" -> b.heartbeatInterval(PropertyValues.millis(value));
                case "max.poll.interval.ms" -> b.maxPollInterval(PropertyValues.millis(value));
                case "enable.auto.commit" -> b.autoCommit(PropertyValues.bool(value));
                case "auto.commit.interval.ms" -> b.autoCommitInterval(PropertyValues.millis(value));
                case "partition.assignment.strategy" -> b.partitionAssignmentStrategy(names(value));
                case "auto.commit.marks" -> {
                    if (PropertyValues.bool(value)) {
                        b.autoCommitMarks();
                    }
                }
                case "max.rebalance.hold.ms" -> b.maxRebalanceHold(PropertyValues.millis(value));
                case "block.rebalance.on.poll" -> {
                    if (PropertyValues.bool(value)) {
                        b.blockRebalanceOnPoll();
                    }
                }
                case "group.protocol" -> b.groupProtocol(GroupProtocol.of(value.toString()));
                case "group.remote.assignor" -> b.remoteAssignor(value.toString().trim());
                default -> throw new IllegalArgumentException("not a consumer setting Josef knows");
            }
        }));
        return b.build();
    }

    /** A list property: a List, or a comma-separated string. */
    private static List<String> names(Object value) {
        List<String> names = new ArrayList<>();
        if (value instanceof java.util.Collection<?> c) {
            for (Object o : c) {
                names.add(o instanceof Class<?> k ? k.getName() : o.toString().trim());
            }
        } else {
            for (String part : value.toString().split(",")) {
                if (!part.isBlank()) {
                    names.add(part.trim());
                }
            }
        }
        return names;
    }

    /**
     * A balancer by name: a built-in one (by its protocol name or kafka-clients'
     * class name), else one a GroupBalancer provider offers under that name.
     */
    static GroupBalancer balancer(String name) {
        Optional<GroupBalancer> builtIn = Balancers.forStrategy(name);
        if (builtIn.isPresent()) {
            return builtIn.get();
        }
        Optional<GroupBalancer> provided = Providers.named(ServiceLoader.load(GroupBalancer.class).iterator(),
                "GroupBalancer", GroupBalancer::name, name);
        if (provided.isPresent()) {
            return provided.get();
        }
        throw new IllegalArgumentException("group balancer '" + name + "' is neither built in (range, roundrobin, "
                + "sticky, cooperative-sticky, or kafka-clients' class names for them) nor provided by a "
                + "GroupBalancer on the class or module path");
    }

    /** The built-in handlers' names, then providers' names. */
    private static BatchCorruptionHandler handler(String name) {
        try {
            return BatchCorruptionHandler.builtIn(name);
        } catch (IllegalArgumentException notBuiltIn) {
            Optional<BatchCorruptionHandler> provided = Providers.named(
                    ServiceLoader.load(BatchCorruptionHandler.class).iterator(), "BatchCorruptionHandler",
                    BatchCorruptionHandler::name, name);
            if (provided.isPresent()) {
                return provided.get();
            }
            throw new IllegalArgumentException("batch corruption handler " + name + " is neither built in (skip, stop) "
                    + "nor provided by a BatchCorruptionHandler on the class or module path");
        }
    }

    public NetworkConfig network() {
        return network;
    }

    public OffsetReset offsetReset() {
        return offsetReset;
    }

    public IsolationLevel isolationLevel() {
        return isolationLevel;
    }

    public int fetchMinBytes() {
        return fetchMinBytes;
    }

    public Duration fetchMaxWait() {
        return fetchMaxWait;
    }

    public int fetchMaxBytes() {
        return fetchMaxBytes;
    }

    public int maxPartitionFetchBytes() {
        return maxPartitionFetchBytes;
    }

    public int maxPollRecords() {
        return maxPollRecords;
    }

    public long maxBufferedBytes() {
        return maxBufferedBytes;
    }

    /** The rack sent with fetches so a broker may name a replica in it (KIP-392); empty for none. */
    public String clientRack() {
        return clientRack;
    }

    public boolean checkCrcs() {
        return checkCrcs;
    }

    public int maxDecompressedBytes() {
        return maxDecompressedBytes;
    }

    public BatchCorruptionHandler batchCorruptionHandler() {
        return corruptionHandler;
    }

    /**
     * Whether the broker may create a subscribed topic that does not exist
     * (kafka-clients' {@code allow.auto.create.topics}, true by default; the
     * broker's {@code auto.create.topics.enable} must allow it too). Never for
     * assigned partitions or pattern subscriptions.
     */
    public boolean allowAutoCreateTopics() {
        return allowAutoCreateTopics;
    }

    /** The hooks given to the builder; the consumer adds those ServiceLoader finds. */
    public List<ConsumerHook> hooks() {
        return hooks;
    }

    public Duration defaultApiTimeout() {
        return defaultApiTimeout;
    }

    /** The consumer group this consumer joins when it subscribes; empty for none. */
    public Optional<String> groupId() {
        return groupId;
    }

    /** A static member's id (KIP-345); empty for a dynamic member. */
    public Optional<String> groupInstanceId() {
        return groupInstanceId;
    }

    public Duration sessionTimeout() {
        return sessionTimeout;
    }

    public Duration heartbeatInterval() {
        return heartbeatInterval;
    }

    /**
     * The longest the application may take between polls, and the rebalance
     * timeout the member gives its coordinator, as in kafka-clients.
     */
    public Duration maxPollInterval() {
        return maxPollInterval;
    }

    /** Whether the group's offsets are committed for the application (never without a group). */
    public boolean autoCommit() {
        return autoCommit;
    }

    public Duration autoCommitInterval() {
        return autoCommitInterval;
    }

    /** Whether auto-commit commits only what the application marked as processed. */
    public boolean autoCommitMarks() {
        return autoCommitMarks;
    }

    /** The balancers offered to the group, in order of preference. */
    public List<GroupBalancer> balancers() {
        return balancers;
    }

    /** The rebalance hooks given to the builder; the consumer adds those ServiceLoader finds. */
    public List<RebalanceHook> rebalanceHooks() {
        return rebalanceHooks;
    }

    /** Behaviour 5: whether a poll holds the rebalance steps that take partitions away until allowRebalance. */
    public boolean blockRebalanceOnPoll() {
        return blockRebalanceOnPoll;
    }

    /** How long a held rebalance may wait before the member leaves cleanly; empty: until the rebalance timeout. */
    public Optional<Duration> maxRebalanceHold() {
        return maxRebalanceHold;
    }

    /** The group protocol: {@link GroupProtocol#CLASSIC} unless chosen. */
    public GroupProtocol groupProtocol() {
        return groupProtocol;
    }

    /** With the consumer protocol: the assignor the coordinator runs; empty for the broker's default. */
    public Optional<String> remoteAssignor() {
        return remoteAssignor;
    }

    @Override
    public String toString() {
        return "ConsumerConfig(" + network + ", offsetReset=" + offsetReset + ", isolationLevel=" + isolationLevel
                + ", fetchMinBytes=" + fetchMinBytes + ", fetchMaxWait=" + fetchMaxWait + ", fetchMaxBytes="
                + fetchMaxBytes + ", maxPartitionFetchBytes=" + maxPartitionFetchBytes + ", maxPollRecords="
                + maxPollRecords + ", maxBufferedBytes=" + maxBufferedBytes
                + (clientRack.isEmpty() ? "" : ", clientRack=" + clientRack) + ", checkCrcs=" + checkCrcs
                + ", batchCorruptionHandler=" + corruptionHandler.name()
                + groupId.map(g -> ", groupId=" + g + groupInstanceId.map(i -> ", groupInstanceId=" + i).orElse("")
                        + ", groupProtocol=" + groupProtocol.configName()
                        + (groupProtocol == GroupProtocol.CONSUMER
                        ? remoteAssignor.map(a -> ", remoteAssignor=" + a).orElse("")
                        : ", balancers=" + balancers.stream().map(GroupBalancer::name).toList())
                        + ", autoCommit=" + autoCommit
                        + (blockRebalanceOnPoll ? ", blockRebalanceOnPoll" : "")).orElse("") + ")";
    }

    public static final class Builder {
        private NetworkConfig network;
        private OffsetReset offsetReset = DEFAULT_OFFSET_RESET;
        private IsolationLevel isolationLevel = DEFAULT_ISOLATION_LEVEL;
        private int fetchMinBytes = DEFAULT_FETCH_MIN_BYTES;
        private Duration fetchMaxWait = DEFAULT_FETCH_MAX_WAIT;
        private int fetchMaxBytes = DEFAULT_FETCH_MAX_BYTES;
        private int maxPartitionFetchBytes = DEFAULT_MAX_PARTITION_FETCH_BYTES;
        private int maxPollRecords = DEFAULT_MAX_POLL_RECORDS;
        private long maxBufferedBytes = DEFAULT_MAX_BUFFERED_BYTES;
        private String clientRack = "";
        private boolean checkCrcs = true;
        private int maxDecompressedBytes = RecordBatchReader.DEFAULT_MAX_DECOMPRESSED_BYTES;
        private BatchCorruptionHandler corruptionHandler = BatchCorruptionHandler.skip();
        private final List<ConsumerHook> hooks = new ArrayList<>();
        private final NetworkShortcuts shortcuts = new NetworkShortcuts();
        private boolean allowAutoCreateTopics = true;
        private Duration defaultApiTimeout = DEFAULT_API_TIMEOUT;
        private String groupId;
        private String groupInstanceId;
        private Duration sessionTimeout = DEFAULT_SESSION_TIMEOUT;
        private Duration heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL;
        private Duration maxPollInterval = DEFAULT_MAX_POLL_INTERVAL;
        private boolean autoCommit = true;
        private Duration autoCommitInterval = DEFAULT_AUTO_COMMIT_INTERVAL;
        private boolean autoCommitMarks;
        private List<GroupBalancer> balancers;
        private final List<RebalanceHook> rebalanceHooks = new ArrayList<>();
        private boolean blockRebalanceOnPoll;
        private Duration maxRebalanceHold;
        private GroupProtocol groupProtocol = GroupProtocol.CLASSIC;
        private String remoteAssignor;

        /**
         * The group protocol ({@code group.protocol}); {@link GroupProtocol#CLASSIC}
         * by default. With {@link GroupProtocol#CONSUMER} the coordinator assigns
         * partitions: {@link #partitionAssignmentStrategy} does not apply, and the
         * session timeout and heartbeat interval are the broker's
         * ({@code group.consumer.session.timeout.ms}, {@code group.consumer.heartbeat.interval.ms}).
         */
        public Builder groupProtocol(GroupProtocol protocol) {
            this.groupProtocol = Objects.requireNonNull(protocol, "protocol");
            return this;
        }

        /**
         * With the consumer protocol: the server-side assignor the coordinator runs
         * for this group ({@code group.remote.assignor}): {@code uniform} or
         * {@code range} on Apache Kafka; the broker's first configured one by default.
         */
        public Builder remoteAssignor(String assignor) {
            Objects.requireNonNull(assignor, "assignor");
            if (assignor.isBlank()) {
                throw new IllegalArgumentException("group.remote.assignor must not be blank");
            }
            this.remoteAssignor = assignor;
            return this;
        }

        private Builder() {
        }

        /**
         * The consumer group to join: {@link Consumer#subscribe} then shares the
         * topics' partitions among the group's members, and offsets are committed
         * to the group (from {@link #autoCommit} on by default).
         *
         * @throws IllegalArgumentException for an empty or blank id
         */
        public Builder groupId(String groupId) {
            Objects.requireNonNull(groupId, "groupId");
            if (groupId.isBlank()) {
                throw new IllegalArgumentException("group.id must not be empty or blank, was '" + groupId + "'");
            }
            this.groupId = groupId;
            return this;
        }

        /**
         * Makes the member static (KIP-345): restarted within {@link #sessionTimeout}
         * with the same id, it gets its partitions back without a rebalance. Two live
         * consumers must never share an id; the older one is fenced.
         */
        public Builder groupInstanceId(String instanceId) {
            Objects.requireNonNull(instanceId, "instanceId");
            if (instanceId.isBlank()) {
                throw new IllegalArgumentException("group.instance.id must not be empty or blank, was '"
                        + instanceId + "'");
            }
            this.groupInstanceId = instanceId;
            return this;
        }

        /** How long the coordinator keeps a member that stopped heartbeating; 45 s by default. */
        public Builder sessionTimeout(Duration timeout) {
            this.sessionTimeout = positive(timeout, "sessionTimeout");
            return this;
        }

        /** How often the member heartbeats; 3 s by default, below a third of the session timeout as a rule. */
        public Builder heartbeatInterval(Duration interval) {
            this.heartbeatInterval = positive(interval, "heartbeatInterval");
            return this;
        }

        /** See {@link ConsumerConfig#maxPollInterval()}; 5 minutes by default. */
        public Builder maxPollInterval(Duration interval) {
            this.maxPollInterval = positive(interval, "maxPollInterval");
            return this;
        }

        /** Whether offsets are committed for the application; on by default with a group. */
        public Builder autoCommit(boolean autoCommit) {
            this.autoCommit = autoCommit;
            return this;
        }

        /** How often auto-commit commits; 5 s by default. */
        public Builder autoCommitInterval(Duration interval) {
            this.autoCommitInterval = positive(interval, "autoCommitInterval");
            return this;
        }

        /**
         * Auto-commit commits only what the application marked with
         * {@link Consumer#markProcessed}, never moving a partition's commit back,
         * instead of everything polls returned.
         */
        public Builder autoCommitMarks() {
            this.autoCommitMarks = true;
            return this;
        }

        /** The balancers to offer, in order of preference; range and cooperative-sticky by default. */
        public Builder groupBalancers(List<GroupBalancer> balancers) {
            Objects.requireNonNull(balancers, "balancers");
            if (balancers.isEmpty()) {
                throw new IllegalArgumentException("partition.assignment.strategy needs at least one balancer");
            }
            Set<String> names = new java.util.HashSet<>();
            for (GroupBalancer b : balancers) {
                if (!names.add(Objects.requireNonNull(b, "balancer").name())) {
                    throw new IllegalArgumentException("partition.assignment.strategy names balancer '" + b.name()
                            + "' twice");
                }
            }
            this.balancers = List.copyOf(balancers);
            return this;
        }

        /**
         * Balancers by name, in order of preference: {@code range}, {@code roundrobin},
         * {@code sticky}, {@code cooperative-sticky} (or kafka-clients' class names for
         * them), or the name of a GroupBalancer provider.
         *
         * @throws IllegalArgumentException for a name that is neither
         */
        public Builder partitionAssignmentStrategy(List<String> names) {
            Objects.requireNonNull(names, "names");
            List<GroupBalancer> found = new ArrayList<>();
            for (String name : names) {
                found.add(balancer(Objects.requireNonNull(name, "name").trim()));
            }
            return groupBalancers(found);
        }

        /** Adds a rebalance hook, run after those ServiceLoader finds in {@code order()}. */
        public Builder rebalanceHook(RebalanceHook hook) {
            rebalanceHooks.add(Objects.requireNonNull(hook, "hook"));
            return this;
        }

        /**
         * Behaviour 5: a poll that returned records or errors holds every rebalance
         * step that would take partitions away until {@link Consumer#allowRebalance()};
         * heartbeats go on, so processing up to {@link #maxPollInterval} never costs
         * the membership.
         */
        public Builder blockRebalanceOnPoll() {
            this.blockRebalanceOnPoll = true;
            return this;
        }

        /**
         * With {@link #blockRebalanceOnPoll()}: a rebalance held longer than
         * {@code hold} makes the member leave the group cleanly (it commits what
         * polls handed out, sends LeaveGroup, and its partitions go as lost, to
         * {@code onLost} once allowed) instead of being dropped by the coordinator at
         * the rebalance timeout; it joins again after {@link Consumer#allowRebalance()}.
         * Must be below {@link #maxPollInterval}.
         */
        public Builder maxRebalanceHold(Duration hold) {
            this.maxRebalanceHold = positive(hold, "maxRebalanceHold");
            return this;
        }

        /** The cluster and how to reach it. Required. */
        public Builder network(NetworkConfig network) {
            shortcuts.network(network);
            return this;
        }

        /** Where a partition without a position starts, and where an out-of-range one goes; latest by default. */
        public Builder offsetReset(OffsetReset offsetReset) {
            this.offsetReset = Objects.requireNonNull(offsetReset, "offsetReset");
            return this;
        }

        public Builder isolationLevel(IsolationLevel isolationLevel) {
            this.isolationLevel = Objects.requireNonNull(isolationLevel, "isolationLevel");
            return this;
        }

        /** The bytes a broker waits for before it answers a fetch (up to {@link #fetchMaxWait}); 1 by default. */
        public Builder fetchMinBytes(int fetchMinBytes) {
            if (fetchMinBytes < 0) {
                throw new IllegalArgumentException("fetchMinBytes must not be negative, was " + fetchMinBytes);
            }
            this.fetchMinBytes = fetchMinBytes;
            return this;
        }

        /** How long a broker holds a fetch for {@link #fetchMinBytes}; 500 ms by default. */
        public Builder fetchMaxWait(Duration fetchMaxWait) {
            Objects.requireNonNull(fetchMaxWait, "fetchMaxWait");
            if (fetchMaxWait.isNegative() || fetchMaxWait.toMillis() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("fetchMaxWait must be 0 to " + Integer.MAX_VALUE + " ms, was "
                        + fetchMaxWait);
            }
            this.fetchMaxWait = fetchMaxWait;
            return this;
        }

        /** The most record bytes one Fetch answer may carry (a broker returns one batch whatever the limit). */
        public Builder fetchMaxBytes(int fetchMaxBytes) {
            if (fetchMaxBytes < 1) {
                throw new IllegalArgumentException("fetchMaxBytes must be at least 1, was " + fetchMaxBytes);
            }
            this.fetchMaxBytes = fetchMaxBytes;
            return this;
        }

        /** The most record bytes per partition in one Fetch answer (again, at least one batch). */
        public Builder maxPartitionFetchBytes(int maxPartitionFetchBytes) {
            if (maxPartitionFetchBytes < 1) {
                throw new IllegalArgumentException("maxPartitionFetchBytes must be at least 1, was "
                        + maxPartitionFetchBytes);
            }
            this.maxPartitionFetchBytes = maxPartitionFetchBytes;
            return this;
        }

        /** The most records one poll returns. */
        public Builder maxPollRecords(int maxPollRecords) {
            if (maxPollRecords < 1) {
                throw new IllegalArgumentException("maxPollRecords must be at least 1, was " + maxPollRecords);
            }
            this.maxPollRecords = maxPollRecords;
            return this;
        }

        /**
         * The fetched bytes the consumer holds for the application; 64 MiB by default.
         * Each Fetch asks for at most a share of the room left (counting the Fetches
         * in flight), so answers pass it by no more than the one record batch per
         * broker that a broker returns even when it does not fit.
         */
        public Builder maxBufferedBytes(long maxBufferedBytes) {
            if (maxBufferedBytes < 1) {
                throw new IllegalArgumentException("maxBufferedBytes must be at least 1, was " + maxBufferedBytes);
            }
            this.maxBufferedBytes = maxBufferedBytes;
            return this;
        }

        /** The consumer's rack: brokers configured for it name a replica in that rack to fetch from (KIP-392). */
        public Builder clientRack(String clientRack) {
            this.clientRack = Objects.requireNonNull(clientRack, "clientRack");
            return this;
        }

        /** Whether fetched batches' CRCs are checked before their records are read; true by default. */
        public Builder checkCrcs(boolean checkCrcs) {
            this.checkCrcs = checkCrcs;
            return this;
        }

        /** The most bytes one batch may decompress to; a batch past it is reported as corrupt. */
        public Builder maxDecompressedBytes(int maxDecompressedBytes) {
            if (maxDecompressedBytes < 1) {
                throw new IllegalArgumentException("maxDecompressedBytes must be at least 1, was " + maxDecompressedBytes);
            }
            this.maxDecompressedBytes = maxDecompressedBytes;
            return this;
        }

        /** What happens after a corrupt batch; {@code skip} by default. */
        public Builder batchCorruptionHandler(BatchCorruptionHandler handler) {
            this.corruptionHandler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /**
         * Adds a hook (metrics, tracing), to those ServiceLoader finds: a
         * {@link ConsumerHook} observes fetches, batches and polls, a
         * {@link ClientHook} the consumer's connections and requests, a
         * {@link RebalanceHook} a group member's partitions coming and going. An object
         * that is both (a tracing plug-in, say) is handed over once and takes both roles.
         *
         * @throws IllegalArgumentException for a hook that has neither role (a hook of another client only)
         */
        public Builder hook(Hook hook) {
            Objects.requireNonNull(hook, "hook");
            boolean taken = shortcuts.hook(hook);
            if (hook instanceof ConsumerHook c) {
                hooks.add(c);
                taken = true;
            }
            if (hook instanceof RebalanceHook r) {
                rebalanceHooks.add(r);
                taken = true;
            }
            if (!taken) {
                throw new IllegalArgumentException("a consumer takes ConsumerHooks, RebalanceHooks and ClientHooks; "
                        + hook.getClass().getName() + " is neither");
            }
            return this;
        }

        /** See {@link ConsumerConfig#allowAutoCreateTopics()}; true by default. */
        public Builder allowAutoCreateTopics(boolean allow) {
            this.allowAutoCreateTopics = allow;
            return this;
        }

        /**
         * Where to bootstrap from ({@code host:port,host:port}): the network
         * configuration's defaults with these addresses, or, with
         * {@link #network} given too, that configuration with these addresses.
         */
        public Builder bootstrapServers(String bootstrapServers) {
            shortcuts.bootstrapServers(bootstrapServers);
            return this;
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero() || d.toMillis() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(name + " must be 1 to " + Integer.MAX_VALUE + " ms, was " + d);
            }
            return d;
        }

        /** How long calls such as {@link Consumer#position} wait when not given a timeout; 60 s by default. */
        public Builder defaultApiTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("defaultApiTimeout must not be negative, was " + timeout);
            }
            this.defaultApiTimeout = timeout;
            return this;
        }

        /** @throws IllegalArgumentException for a missing network configuration */
        public ConsumerConfig build() {
            network = shortcuts.build("consumer");
            if (groupId == null) {
                if (groupInstanceId != null) {
                    throw new IllegalArgumentException("group.instance.id " + groupInstanceId + " needs a group.id: "
                            + "a static member is a member of a group");
                }
                if (blockRebalanceOnPoll) {
                    throw new IllegalArgumentException("blockRebalanceOnPoll needs a group.id: without a group "
                            + "there are no rebalances to hold");
                }
                if (autoCommitMarks) {
                    throw new IllegalArgumentException("autoCommitMarks needs a group.id: offsets are committed "
                            + "to a group");
                }
            }
            if (remoteAssignor != null && groupProtocol != GroupProtocol.CONSUMER) {
                throw new IllegalArgumentException("group.remote.assignor '" + remoteAssignor + "' is for "
                        + "group.protocol=consumer; the classic protocol's assignors are partition.assignment.strategy");
            }
            if (maxRebalanceHold != null && !blockRebalanceOnPoll) {
                throw new IllegalArgumentException("maxRebalanceHold needs blockRebalanceOnPoll: only a held "
                        + "rebalance can be held too long");
            }
            if (maxRebalanceHold != null && maxRebalanceHold.compareTo(maxPollInterval) >= 0) {
                throw new IllegalArgumentException("maxRebalanceHold (" + maxRebalanceHold.toMillis()
                        + " ms) must be below max.poll.interval.ms (" + maxPollInterval.toMillis()
                        + " ms), after which the coordinator drops the member anyway");
            }
            if (heartbeatInterval.compareTo(sessionTimeout) >= 0) {
                throw new IllegalArgumentException("heartbeat.interval.ms (" + heartbeatInterval.toMillis()
                        + ") must be lower than session.timeout.ms (" + sessionTimeout.toMillis() + ")");
            }
            if (balancers == null) {
                List<GroupBalancer> defaults = new ArrayList<>();
                DEFAULT_BALANCERS.forEach(name -> defaults.add(GroupBalancer.builtIn(name)));
                balancers = defaults;
            }
            return new ConsumerConfig(this);
        }
    }
}
