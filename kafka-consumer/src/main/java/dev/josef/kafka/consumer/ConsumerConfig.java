package dev.josef.kafka.consumer;

import dev.josef.kafka.protocol.IsolationLevel;
import dev.josef.kafka.consumer.spi.BatchCorruptionHandler;
import dev.josef.kafka.consumer.spi.ConsumerHook;
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
     * (Josef returns bytes), and Josef's own {@code batch.corruption.handler} (a
     * handler's name), {@code max.buffered.bytes} and {@code max.decompressed.bytes}.
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
                case "group.id", "enable.auto.commit", "auto.commit.interval.ms", "group.instance.id",
                        "session.timeout.ms", "heartbeat.interval.ms", "partition.assignment.strategy",
                        "group.protocol", "max.poll.interval.ms" -> throw new IllegalArgumentException(
                        "group consuming is not part of this Consumer: it reads assigned partitions, topics "
                                + "and patterns without a consumer group");
                default -> throw new IllegalArgumentException("not a consumer setting Josef knows");
            }
        }));
        return b.build();
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

    @Override
    public String toString() {
        return "ConsumerConfig(" + network + ", offsetReset=" + offsetReset + ", isolationLevel=" + isolationLevel
                + ", fetchMinBytes=" + fetchMinBytes + ", fetchMaxWait=" + fetchMaxWait + ", fetchMaxBytes="
                + fetchMaxBytes + ", maxPartitionFetchBytes=" + maxPartitionFetchBytes + ", maxPollRecords="
                + maxPollRecords + ", maxBufferedBytes=" + maxBufferedBytes
                + (clientRack.isEmpty() ? "" : ", clientRack=" + clientRack) + ", checkCrcs=" + checkCrcs
                + ", batchCorruptionHandler=" + corruptionHandler.name() + ")";
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

        private Builder() {
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
         * {@link ClientHook} the consumer's connections and requests. An object
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
            if (!taken) {
                throw new IllegalArgumentException("a consumer takes ConsumerHooks and ClientHooks; "
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
            return new ConsumerConfig(this);
        }
    }
}
