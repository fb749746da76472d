package dev.josef.kafka.producer;

import dev.josef.kafka.net.NetworkConfig;
import dev.josef.kafka.net.internal.NetworkShortcuts;
import dev.josef.kafka.net.internal.PropertyValues;
import dev.josef.kafka.producer.spi.OrderingPolicy;
import dev.josef.kafka.producer.spi.Partitioner;
import dev.josef.kafka.producer.spi.ProducerHook;
import dev.josef.kafka.net.spi.ClientHook;
import dev.josef.kafka.net.spi.Hook;
import dev.josef.kafka.protocol.CompressionCodecs;
import dev.josef.kafka.protocol.internal.Providers;
import dev.josef.kafka.protocol.spi.CompressionCodec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * A producer's configuration: the network settings of {@link NetworkConfig} and
 * the producer's own. Immutable; built with {@link #builder()} or from
 * kafka-clients property names with {@link #fromProperties(Map)}.
 */
public final class ProducerConfig {
    public static final Acks DEFAULT_ACKS = Acks.ALL;
    public static final Duration DEFAULT_LINGER = Duration.ofMillis(5);
    public static final int DEFAULT_BATCH_SIZE = 16 * 1024;
    public static final long DEFAULT_BUFFER_MEMORY = 32L * 1024 * 1024;
    public static final int DEFAULT_MAX_BUFFERED_RECORDS = 1_000_000;
    public static final Duration DEFAULT_MAX_BLOCK = Duration.ofSeconds(60);
    public static final Duration DEFAULT_DELIVERY_TIMEOUT = Duration.ofMinutes(2);
    public static final int DEFAULT_MAX_REQUEST_SIZE = 1024 * 1024;
    /** Idempotent producers keep at most this many batches of a partition in flight (Kafka's limit). */
    public static final int MAX_IN_FLIGHT_WITH_IDEMPOTENCE = 5;

    private static final Set<String> BYTE_SERIALIZERS = Set.of(
            "org.apache.kafka.common.serialization.ByteArraySerializer");

    private final NetworkConfig network;
    private final Acks acks;
    private final Duration linger;
    private final int batchSize;
    private final long bufferMemory;
    private final int maxBufferedRecords;
    private final Duration maxBlock;
    private final boolean idempotence;
    private final CompressionCodec compression;
    private final int compressionLevel;
    private final Duration deliveryTimeout;
    private final int maxRequestSize;
    private final Partitioner partitioner;
    private final OrderingPolicy orderingPolicy;
    private final List<ProducerHook> hooks;
    private final int unknownTopicRetries;
    private final String transactionalId;
    private final Duration transactionTimeout;

    private ProducerConfig(Builder b) {
        this.network = b.network;
        this.acks = b.acks;
        this.linger = b.linger;
        this.batchSize = b.batchSize;
        this.bufferMemory = b.bufferMemory;
        this.maxBufferedRecords = b.maxBufferedRecords;
        this.maxBlock = b.maxBlock;
        this.idempotence = b.idempotence;
        this.compression = b.compression;
        this.compressionLevel = b.compressionLevel != null ? b.compressionLevel : b.compression.defaultLevel();
        this.deliveryTimeout = b.deliveryTimeout;
        this.maxRequestSize = b.maxRequestSize;
        this.partitioner = b.partitioner;
        this.orderingPolicy = b.orderingPolicy;
        this.hooks = List.copyOf(b.hooks);
        this.unknownTopicRetries = b.unknownTopicRetries;
        this.transactionalId = b.transactionalId;
        this.transactionTimeout = b.transactionTimeout;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A configuration from kafka-clients property names: those of
     * {@link NetworkConfig#PROPERTY_NAMES}, and {@code acks}, {@code linger.ms},
     * {@code batch.size}, {@code buffer.memory}, {@code max.block.ms},
     * {@code enable.idempotence}, {@code compression.type},
     * {@code compression.gzip.level} / {@code .lz4.level} / {@code .zstd.level},
     * {@code delivery.timeout.ms}, {@code max.request.size},
     * {@code partitioner.class} (kafka-clients' built-in class names, or a
     * Josef partitioner's name), {@code partitioner.ignore.keys},
     * {@code max.in.flight.requests.per.connection} (up to 5 with idempotence),
     * Josef's {@code ordering.policy} (a policy's name) and
     * {@code unknown.topic.retries}, {@code transactional.id},
     * {@code transaction.timeout.ms}, and
     * {@code key.serializer} / {@code value.serializer} when they name
     * {@code ByteArraySerializer} (Josef takes bytes).
     *
     * @throws IllegalArgumentException naming the property for an unknown name or
     *                                  a bad value, or the rule between settings that fails
     */
    public static ProducerConfig fromProperties(Map<String, ?> properties) {
        Builder b = builder();
        // Settings read together once all are known: the codec with its level, the partitioner with ignore.keys.
        Map<String, String> later = new HashMap<>();
        b.network(PropertyValues.parse(properties, (key, value) -> {
            switch (key) {
                case "acks" -> b.acks(Acks.parse(value.toString()));
                case "linger.ms" -> b.linger(Duration.ofMillis(number(value)));
                case "batch.size" -> b.batchSize(integer(value));
                case "buffer.memory" -> b.bufferMemory(number(value));
                case "max.block.ms" -> b.maxBlock(Duration.ofMillis(number(value)));
                case "enable.idempotence" -> b.idempotence(bool(value));
                case "compression.type" -> later.put(key, value.toString().trim().toLowerCase(Locale.ROOT));
                case "compression.gzip.level", "compression.lz4.level", "compression.zstd.level" ->
                        later.put(key, Integer.toString(integer(value)));
                case "delivery.timeout.ms" -> b.deliveryTimeout(Duration.ofMillis(number(value)));
                case "max.request.size" -> b.maxRequestSize(integer(value));
                case "partitioner.class", "partitioner" -> later.put("partitioner", value.toString().trim());
                case "partitioner.ignore.keys" -> later.put(key, Boolean.toString(bool(value)));
                case "ordering.policy" -> b.orderingPolicy(orderingPolicy(value.toString().trim()));
                case "unknown.topic.retries" -> b.unknownTopicRetries(integer(value));
                case "transactional.id" -> b.transactionalId(value.toString());
                case "transaction.timeout.ms" -> b.transactionTimeout(Duration.ofMillis(number(value)));
                case "key.serializer", "value.serializer" -> {
                    String name = value instanceof Class<?> c ? c.getName() : value.toString().trim();
                    if (!BYTE_SERIALIZERS.contains(name)) {
                        throw new IllegalArgumentException("Josef produces bytes: serialize keys and values "
                                + "before produce(); only ByteArraySerializer is accepted here, not " + name);
                    }
                }
                default -> throw new IllegalArgumentException("not a producer setting Josef knows");
            }
        }));
        String compressionType = later.get("compression.type");
        if (compressionType != null && !compressionType.equals("none")) {
            CompressionCodec codec;
            try {
                codec = codec(compressionType);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("compression.type=" + compressionType + ": " + e.getMessage(), e);
            }
            String level = later.get("compression." + compressionType + ".level");
            if (level != null && Set.of("gzip", "lz4", "zstd").contains(compressionType)) {
                b.compression(codec, Integer.parseInt(level));
            } else {
                b.compression(codec);
            }
        }
        boolean ignoreKeys = Boolean.parseBoolean(later.get("partitioner.ignore.keys"));
        String partitionerName = later.get("partitioner");
        if (partitionerName != null) {
            b.partitioner(partitioner(partitionerName, ignoreKeys));
        } else if (ignoreKeys) {
            b.partitioner(IgnoreKeys.INSTANCE);
        }
        return b.build();
    }

    private static CompressionCodec codec(String name) {
        Objects.requireNonNull(name, "codec name");
        try {
            return CompressionCodecs.installed().byName(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("compression " + name + ": " + e.getMessage()
                    + (name.equals("snappy") || name.equals("lz4") || name.equals("zstd")
                    ? " (add Josef's kafka-compression module to the class path or module path)" : ""), e);
        }
    }

    /** kafka-clients' class names for its built-ins, then Josef's names, then providers' names. */
    private static Partitioner partitioner(String name, boolean ignoreKeys) {
        switch (name) {
            case "org.apache.kafka.clients.producer.RoundRobinPartitioner", "round-robin":
                return Partitioner.roundRobin();
            case "org.apache.kafka.clients.producer.internals.DefaultPartitioner",
                    "org.apache.kafka.clients.producer.UniformStickyPartitioner", "default":
                return ignoreKeys ? IgnoreKeys.INSTANCE : Partitioner.defaultPartitioner();
            case "manual":
                return Partitioner.manual();
            default:
                break;
        }
        Optional<Partitioner> provided = Providers.named(ServiceLoader.load(Partitioner.class).iterator(),
                "Partitioner", Partitioner::name, name);
        if (provided.isPresent()) {
            return provided.get();
        }
        throw new IllegalArgumentException("partitioner " + name + " is neither built in (default, round-robin, manual, "
                + "or kafka-clients' RoundRobinPartitioner) nor provided by a Partitioner on the class or module path");
    }

    /** The built-in policies' names, then providers' names. */
    private static OrderingPolicy orderingPolicy(String name) {
        try {
            return OrderingPolicy.builtIn(name);
        } catch (IllegalArgumentException notBuiltIn) {
            Optional<OrderingPolicy> provided = Providers.named(ServiceLoader.load(OrderingPolicy.class).iterator(),
                    "OrderingPolicy", OrderingPolicy::name, name);
            if (provided.isPresent()) {
                return provided.get();
            }
            throw new IllegalArgumentException("ordering policy " + name + " is neither built in (continue, "
                    + "fail-partition, pause-partition) nor provided by an OrderingPolicy on the class or module path");
        }
    }

    /** {@code partitioner.ignore.keys=true}: every record is spread, keyed or not. */
    private static final class IgnoreKeys implements Partitioner {
        static final IgnoreKeys INSTANCE = new IgnoreKeys();

        @Override
        public String name() {
            return "ignore-keys";
        }

        @Override
        public int partition(String topic, byte[] key, byte[] value, int partitionCount) {
            return UNASSIGNED;
        }
    }

    private static long number(Object value) {
        return PropertyValues.number(value);
    }

    private static int integer(Object value) {
        return PropertyValues.integer(value);
    }

    private static boolean bool(Object value) {
        return PropertyValues.bool(value);
    }

    public NetworkConfig network() {
        return network;
    }

    public Acks acks() {
        return acks;
    }

    public Duration linger() {
        return linger;
    }

    public int batchSize() {
        return batchSize;
    }

    public long bufferMemory() {
        return bufferMemory;
    }

    public int maxBufferedRecords() {
        return maxBufferedRecords;
    }

    public Duration maxBlock() {
        return maxBlock;
    }

    public boolean idempotence() {
        return idempotence;
    }

    public CompressionCodec compression() {
        return compression;
    }

    public int compressionLevel() {
        return compressionLevel;
    }

    public Duration deliveryTimeout() {
        return deliveryTimeout;
    }

    public int maxRequestSize() {
        return maxRequestSize;
    }

    public Partitioner partitioner() {
        return partitioner;
    }

    public OrderingPolicy orderingPolicy() {
        return orderingPolicy;
    }

    /** The transactional id, when the producer writes transactions; empty otherwise. */
    public java.util.Optional<String> transactionalId() {
        return java.util.Optional.ofNullable(transactionalId);
    }

    /** How long the transaction coordinator lets a transaction stay open before it aborts it. */
    public Duration transactionTimeout() {
        return transactionTimeout;
    }

    /** The hooks given to the builder; the producer adds those ServiceLoader finds. */
    public List<ProducerHook> hooks() {
        return hooks;
    }

    /**
     * How many metadata answers may say a topic does not exist before its
     * waiting records fail; {@link Integer#MAX_VALUE} (the default) leaves it to
     * the delivery timeout.
     */
    public int unknownTopicRetries() {
        return unknownTopicRetries;
    }

    @Override
    public String toString() {
        return "ProducerConfig(" + network + ", acks=" + acks + ", linger=" + linger + ", batchSize=" + batchSize
                + ", bufferMemory=" + bufferMemory + ", idempotence=" + idempotence + ", compression="
                + compression.name() + ", deliveryTimeout=" + deliveryTimeout + ", partitioner=" + partitioner.name()
                + ", orderingPolicy=" + orderingPolicy.name()
                + (transactionalId != null ? ", transactionalId=" + transactionalId : "") + ")";
    }

    public static final class Builder {
        private NetworkConfig network;
        private Acks acks = DEFAULT_ACKS;
        private Duration linger = DEFAULT_LINGER;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private long bufferMemory = DEFAULT_BUFFER_MEMORY;
        private int maxBufferedRecords = DEFAULT_MAX_BUFFERED_RECORDS;
        private Duration maxBlock = DEFAULT_MAX_BLOCK;
        private boolean idempotence = true;
        private boolean idempotenceSet;
        private CompressionCodec compression = CompressionCodecs.installed().byName("none");
        private Integer compressionLevel;
        private Duration deliveryTimeout = DEFAULT_DELIVERY_TIMEOUT;
        private int maxRequestSize = DEFAULT_MAX_REQUEST_SIZE;
        private Partitioner partitioner = Partitioner.defaultPartitioner();
        private OrderingPolicy orderingPolicy = OrderingPolicy.continueSending();
        private String transactionalId;
        private Duration transactionTimeout = Duration.ofMinutes(1);
        private final List<ProducerHook> hooks = new ArrayList<>();
        private final NetworkShortcuts shortcuts = new NetworkShortcuts();
        private int unknownTopicRetries = Integer.MAX_VALUE;

        private Builder() {
        }

        /** The cluster and how to reach it. Required, unless {@link #bootstrapServers} is enough. */
        public Builder network(NetworkConfig network) {
            shortcuts.network(network);
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

        public Builder acks(Acks acks) {
            this.acks = Objects.requireNonNull(acks, "acks");
            return this;
        }

        /** How long a batch waits for more records before it is sent; default 5 ms. */
        public Builder linger(Duration linger) {
            this.linger = notNegative(linger, "linger");
            return this;
        }

        /** The size at which a partition's batch is closed and sent. */
        public Builder batchSize(int batchSize) {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batchSize must be at least 1, was " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        /** The most bytes of records buffered before {@code produce} blocks. */
        public Builder bufferMemory(long bufferMemory) {
            if (bufferMemory < 1) {
                throw new IllegalArgumentException("bufferMemory must be at least 1, was " + bufferMemory);
            }
            this.bufferMemory = bufferMemory;
            return this;
        }

        /** The most records buffered before {@code produce} blocks. */
        public Builder maxBufferedRecords(int maxBufferedRecords) {
            if (maxBufferedRecords < 1) {
                throw new IllegalArgumentException("maxBufferedRecords must be at least 1, was " + maxBufferedRecords);
            }
            this.maxBufferedRecords = maxBufferedRecords;
            return this;
        }

        /** How long {@code produce} waits for room in the buffer. */
        public Builder maxBlock(Duration maxBlock) {
            this.maxBlock = notNegative(maxBlock, "maxBlock");
            return this;
        }

        public Builder idempotence(boolean idempotence) {
            this.idempotence = idempotence;
            this.idempotenceSet = true;
            return this;
        }

        /**
         * The codec of that name: {@code none}, {@code gzip}, or one a provider
         * offers ({@code snappy}, {@code lz4} and {@code zstd} come with Josef's
         * kafka-compression module), at its default level.
         *
         * @throws IllegalArgumentException naming the codec when none of that name is installed
         */
        public Builder compression(String codec) {
            return compression(codec(codec));
        }

        /** As {@link #compression(String)}, at {@code level}. */
        public Builder compression(String codec, int level) {
            return compression(codec(codec), level);
        }

        public Builder compression(CompressionCodec codec) {
            this.compression = Objects.requireNonNull(codec, "codec");
            this.compressionLevel = null;
            return this;
        }

        public Builder compression(CompressionCodec codec, int level) {
            Objects.requireNonNull(codec, "codec");
            if (!codec.isValidLevel(level)) {
                throw new IllegalArgumentException(level + " is not a valid " + codec.name()
                        + " compression level (its default is " + codec.defaultLevel() + ")");
            }
            this.compression = codec;
            this.compressionLevel = level;
            return this;
        }

        /** How long a record may take from {@code produce} to its outcome, retries included. */
        public Builder deliveryTimeout(Duration deliveryTimeout) {
            this.deliveryTimeout = positive(deliveryTimeout, "deliveryTimeout");
            return this;
        }

        /** The largest Produce request, and so the largest record. */
        public Builder maxRequestSize(int maxRequestSize) {
            if (maxRequestSize < 64) {
                throw new IllegalArgumentException("maxRequestSize must be at least 64, was " + maxRequestSize);
            }
            this.maxRequestSize = maxRequestSize;
            return this;
        }

        public Builder partitioner(Partitioner partitioner) {
            this.partitioner = Objects.requireNonNull(partitioner, "partitioner");
            return this;
        }

        /** What happens to a partition after a record in it failed for good; {@code continue} by default. */
        public Builder orderingPolicy(OrderingPolicy orderingPolicy) {
            this.orderingPolicy = Objects.requireNonNull(orderingPolicy, "orderingPolicy");
            return this;
        }

        /**
         * Adds a hook (metrics, tracing), to those ServiceLoader finds: a
         * {@link ProducerHook} observes records and batches, a {@link ClientHook}
         * the producer's connections and requests. An object that is both (a
         * tracing plug-in, say) is handed over once and takes both roles.
         *
         * @throws IllegalArgumentException for a hook that has neither role (a hook of another client only)
         */
        public Builder hook(Hook hook) {
            Objects.requireNonNull(hook, "hook");
            boolean taken = shortcuts.hook(hook);
            if (hook instanceof ProducerHook p) {
                hooks.add(p);
                taken = true;
            }
            if (!taken) {
                throw new IllegalArgumentException("a producer takes ProducerHooks and ClientHooks; "
                        + hook.getClass().getName() + " is neither");
            }
            return this;
        }

        /**
         * Fails the records of a topic once this many metadata answers in a row said
         * it does not exist, before the delivery timeout; 0 fails them at the first
         * such answer. Unlimited by default: a topic created a little later (or
         * auto-created) is still found.
         */
        /**
         * Makes the producer transactional: records are written only inside
         * {@code beginTransaction} ... {@code commitTransaction}, and a newer
         * producer with the same id fences this one. Needs idempotence (and so
         * acks=all), which it turns on. The ordering policy does not apply: a
         * failed record makes the whole transaction abortable instead.
         */
        public Builder transactionalId(String transactionalId) {
            Objects.requireNonNull(transactionalId, "transactionalId");
            if (transactionalId.isEmpty()) {
                throw new IllegalArgumentException("transactionalId must not be empty");
            }
            this.transactionalId = transactionalId;
            return this;
        }

        /** How long a transaction may stay open before the coordinator aborts it (transaction.timeout.ms, 60 s). */
        public Builder transactionTimeout(Duration transactionTimeout) {
            positive(transactionTimeout, "transactionTimeout");
            if (transactionTimeout.toMillis() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("transactionTimeout must fit in an int of milliseconds, was "
                        + transactionTimeout);
            }
            this.transactionTimeout = transactionTimeout;
            return this;
        }

        public Builder unknownTopicRetries(int unknownTopicRetries) {
            if (unknownTopicRetries < 0) {
                throw new IllegalArgumentException("unknownTopicRetries must not be negative, was " + unknownTopicRetries);
            }
            this.unknownTopicRetries = unknownTopicRetries;
            return this;
        }

        /**
         * @throws IllegalArgumentException for a missing network configuration, or
         *         settings that contradict each other (idempotence asked for with
         *         acks other than all, or more than 5 requests in flight; a delivery
         *         timeout shorter than linger plus the request timeout)
         */
        public ProducerConfig build() {
            network = shortcuts.build("producer");
            if (transactionalId != null) {
                if (idempotenceSet && !idempotence) {
                    throw new IllegalArgumentException("a transactional producer (transactionalId " + transactionalId
                            + ") needs idempotence; do not turn it off");
                }
                if (acks != Acks.ALL) {
                    throw new IllegalArgumentException("a transactional producer (transactionalId " + transactionalId
                            + ") needs acks=all, not " + acks);
                }
                idempotence = true;
                idempotenceSet = true;
            }
            if (idempotence && acks != Acks.ALL) {
                if (idempotenceSet) {
                    throw new IllegalArgumentException("idempotence needs acks=all, not " + acks);
                }
                idempotence = false; // as kafka-clients: idempotence was only the default
            }
            if (idempotence && network.maxInFlightPerConnection() > MAX_IN_FLIGHT_WITH_IDEMPOTENCE) {
                if (idempotenceSet) {
                    throw new IllegalArgumentException("idempotence keeps order with at most "
                            + MAX_IN_FLIGHT_WITH_IDEMPOTENCE + " requests in flight, not "
                            + network.maxInFlightPerConnection());
                }
                idempotence = false;
            }
            Duration floor = linger.plus(network.requestTimeout());
            if (deliveryTimeout.compareTo(floor) < 0) {
                throw new IllegalArgumentException("deliveryTimeout " + deliveryTimeout + " must be at least linger "
                        + linger + " plus the request timeout " + network.requestTimeout());
            }
            return new ProducerConfig(this);
        }

        private static Duration notNegative(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative()) {
                throw new IllegalArgumentException(name + " must not be negative, was " + d);
            }
            return d;
        }

        private static Duration positive(Duration d, String name) {
            notNegative(d, name);
            if (d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive");
            }
            return d;
        }
    }
}
