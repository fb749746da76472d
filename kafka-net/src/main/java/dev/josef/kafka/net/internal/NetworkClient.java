package dev.josef.kafka.net.internal;

import dev.josef.kafka.net.NetworkException;
import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.message.ApiMessage;
import dev.josef.kafka.protocol.message.MetadataRequest;
import dev.josef.kafka.protocol.message.MetadataResponse;
import dev.josef.kafka.protocol.message.ProduceRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;

/**
 * The network engine: one I/O thread owns every socket; callers hand it requests
 * and get futures back, completed on a separate callback thread so that no
 * caller code ever runs on the I/O thread.
 *
 * <p>Threads: {@code josef-<clientId>-io} owns the selector, the channels and
 * everything in them; {@code josef-<clientId>-callback} completes futures in the
 * order responses arrived. Callers only touch {@link #submissions} (a concurrent queue
 * the I/O thread drains) and the volatile metadata snapshot.
 */
public final class NetworkClient implements AutoCloseable, BrokerChannel.Events {
    /** Send to whichever broker is at hand: a connected one, else a known one, else a bootstrap address. */
    public static final int ANY_BROKER = -1;

    private static final Logger LOG = LoggerFactory.getLogger(NetworkClient.class);

    private final NetworkClientConfig config;
    private final Clock clock;
    private final Selector selector;
    private final Thread ioThread;
    private final ExecutorService callbacks;
    /** Looks host names up off the I/O thread; its one thread ends when idle. */
    private final java.util.concurrent.ThreadPoolExecutor resolver;
    private final IoTimers timers = new IoTimers();
    private final ConcurrentLinkedQueue<Submission> submissions = new ConcurrentLinkedQueue<>();
    /** Work handed back to the I/O thread from elsewhere (a SASL session started off it). */
    private final ConcurrentLinkedQueue<Runnable> ioTasks = new ConcurrentLinkedQueue<>();
    private final AtomicReference<Refresh> metadataRefresh = new AtomicReference<>();
    private final AtomicInteger bootstrapCursor = new AtomicInteger();
    private final AtomicInteger knownCursor = new AtomicInteger();
    /** Topics some caller asked about: every refresh describes all of them. */
    private final Set<String> trackedTopics = ConcurrentHashMap.newKeySet();
    private final CoordinatorLookup coordinators = new CoordinatorLookup(this);
    private volatile ClusterMetadata metadata = ClusterMetadata.EMPTY;
    /** The newest finalized features any broker told at a handshake: by epoch, as kafka-clients' ApiVersions keeps them. */
    private volatile FinalizedFeatures features = new FinalizedFeatures(-1, Map.of());
    /** nanoTime of the last successful refresh; 0 before the first. */
    private volatile long refreshedAtNanos;
    private volatile boolean closed;

    private final Hooks hooks;
    /** The callback executor's thread, joined by close() so that none outlives it. */
    private volatile Thread callbackThread;

    /** I/O thread only. */
    private final Map<ChannelKey, BrokerChannel> channels = new HashMap<>();
    /** I/O thread only: consecutive failed connections per address, and when the next may start. */
    private final Map<HostPort, Integer> connectFailures = new HashMap<>();
    private final Map<HostPort, Long> reconnectAt = new HashMap<>();

    /** A channel per address, kind and lane: lane 0 is the client's shared one. */
    private record ChannelKey(HostPort address, ChannelKind kind, int lane) {
    }

    /** The last lane handed out by {@link #newLane()}. */
    private final AtomicInteger lanes = new AtomicInteger();
    /** Lanes handed out and not closed: a request for any other (but 0) is refused, never opens a connection. */
    private final Set<Integer> openLanes = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private record Refresh(Set<String> topics, CompletableFuture<ClusterMetadata> future) {
    }

    /** Which coordinator: of a consumer group or of a transactional id (FindCoordinator's key type). */
    public enum CoordinatorType {
        GROUP((byte) 0),
        TRANSACTION((byte) 1);

        final byte keyType;

        CoordinatorType(byte keyType) {
            this.keyType = keyType;
        }
    }

    /** A request handed over by a caller, for the I/O thread to put on its channel. */
    private record Submission(HostPort address, ChannelKind kind, int lane, PendingRequest request) {
    }

    private NetworkClient(NetworkClientConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector", e);
        }
        java.util.concurrent.ThreadFactory callbackFactory =
                JosefThreads.factory(config.threadFactory(), config.clientId(), "callback");
        this.callbacks = Executors.newSingleThreadExecutor(runnable -> {
            Thread t = callbackFactory.newThread(runnable);
            callbackThread = t;
            return t;
        });
        this.resolver = new java.util.concurrent.ThreadPoolExecutor(0, 1, 30, TimeUnit.SECONDS,
                new java.util.concurrent.LinkedBlockingQueue<>(),
                JosefThreads.factory(config.threadFactory(), config.clientId(), "dns"));
        this.hooks = new Hooks(config.hooks(), callbacks, config.clientId());
        this.ioThread = JosefThreads.newThread(config.threadFactory(), config.clientId(), "io", this::run);
        ioThread.start();
    }

    public static NetworkClient open(NetworkClientConfig config) {
        return open(config, Clock.system());
    }

    public static NetworkClient open(NetworkClientConfig config, Clock clock) {
        return new NetworkClient(Objects.requireNonNull(config, "config"), Objects.requireNonNull(clock, "clock"));
    }

    /** The client id requests carry and threads are named by. */
    public String clientId() {
        return config.clientId();
    }

    public Clock clock() {
        return clock;
    }

    Duration requestTimeout() {
        return config.requestTimeout();
    }

    /**
     * A future that completes after {@code delay}, on the callback thread: the
     * timer is the I/O thread's, so retries and backoffs run on threads this
     * client owns, never on the JDK's common pool. Fails once the client is closed.
     */
    public CompletableFuture<Void> delay(Duration delay) {
        Objects.requireNonNull(delay, "delay");
        CompletableFuture<Void> future = new CompletableFuture<>();
        if (closed) {
            future.completeExceptionally(new IllegalStateException("the network client is closed"));
            return future;
        }
        timers.add(clock.nanoTime() + Math.max(0, delay.toNanos()), future);
        selector.wakeup();
        if (closed) {
            // The loop may have ended between the check and the add.
            timers.failAdded(new IllegalStateException("the network client is closed"), this::offIoThread);
        }
        return future;
    }

    /** Runs on the callback thread; directly once that thread has been stopped by close. */
    private void offIoThread(Runnable task) {
        try {
            callbacks.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            task.run();
        }
    }

    /**
     * Sends {@code request} to broker {@code nodeId} (or {@link #ANY_BROKER}) at the
     * highest version both sides support, at most {@code maxVersion}. The future
     * fails with {@link NetworkException} (connection lost, saying whether the
     * request had been sent), a request timeout, a protocol error, or an
     * unsupported version; it never hangs past the request timeout.
     */
    public CompletableFuture<ApiMessage> send(int nodeId, ChannelKind kind, ApiMessage request, short maxVersion) {
        Objects.requireNonNull(request, "request");
        return send(nodeId, kind, request.apiKey(), v -> request, maxVersion);
    }

    /**
     * Like {@link #send(int, ChannelKind, ApiMessage, short)}, for requests whose
     * fields depend on the version (topic ids from Produce v13, the coordinator keys
     * of FindCoordinator v4): the body is made once the version is chosen.
     */
    public CompletableFuture<ApiMessage> send(int nodeId, ChannelKind kind, ApiKey api,
                                              IntFunction<ApiMessage> bodyForVersion, short maxVersion) {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(api, "api");
        Objects.requireNonNull(bodyForVersion, "bodyForVersion");
        // Before the first metadata, any broker means each bootstrap address in turn.
        int attempts = nodeId == ANY_BROKER && metadata.brokers().isEmpty()
                ? Math.max(MAX_ATTEMPTS, config.bootstrap().size()) : MAX_ATTEMPTS;
        return attempt(nodeId, kind, 0, api, bodyForVersion, maxVersion, config.requestTimeout(), 1, attempts,
                new ArrayList<>());
    }

    /**
     * As {@link #send(int, ChannelKind, ApiKey, IntFunction, short)}, for a request the
     * broker may rightly hold longer than the request timeout: a JoinGroup waits for
     * the whole group, up to its rebalance timeout.
     */
    public CompletableFuture<ApiMessage> send(int nodeId, ChannelKind kind, ApiKey api,
                                              IntFunction<ApiMessage> bodyForVersion, short maxVersion,
                                              Duration timeout) {
        return send(nodeId, kind, 0, api, bodyForVersion, maxVersion, timeout);
    }

    /**
     * As {@link #send(int, ChannelKind, ApiKey, IntFunction, short, Duration)}, on
     * the connection of {@code lane} ({@link #newLane()}): a group member's
     * JoinGroup, held by the coordinator for the whole group, must not hold up the
     * heartbeats of another member on the same shared client.
     */
    public CompletableFuture<ApiMessage> send(int nodeId, ChannelKind kind, int lane, ApiKey api,
                                              IntFunction<ApiMessage> bodyForVersion, short maxVersion,
                                              Duration timeout) {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(api, "api");
        Objects.requireNonNull(bodyForVersion, "bodyForVersion");
        Objects.requireNonNull(timeout, "timeout");
        return attempt(nodeId, kind, lane, api, bodyForVersion, maxVersion, timeout, 1, MAX_ATTEMPTS,
                new ArrayList<>());
    }

    /**
     * A lane of its own: requests sent with it travel on connections of their own,
     * apart from every other lane's. Lane 0 is the one every other method uses.
     */
    public int newLane() {
        int lane = lanes.incrementAndGet();
        openLanes.add(lane);
        return lane;
    }

    /**
     * Closes the connections of {@code lane}, whose owner is done (a consumer that
     * left its group); what is still waiting on them fails as on a lost connection,
     * and a request sent on the lane from now on fails with
     * {@link IllegalStateException} without opening one.
     */
    public void closeLane(int lane) {
        if (lane == 0) {
            throw new IllegalArgumentException("lane 0 is the client's own: it closes with the client");
        }
        openLanes.remove(lane);
        // A close the client chose: no failure counted against the broker's address, no reconnect backoff.
        onIoThread(() -> channels.forEach((key, channel) -> {
            if (key.lane() == lane) {
                channel.close(null);
            }
        }));
    }

    /**
     * APIs that only read, so sending one again after a lost answer changes
     * nothing on the broker. Fetch is left out: a fetch session (KIP-227) is state.
     */
    private static final Set<ApiKey> SAFE_TO_RESEND = java.util.EnumSet.of(ApiKey.API_VERSIONS, ApiKey.METADATA,
            ApiKey.FIND_COORDINATOR, ApiKey.LIST_OFFSETS, ApiKey.OFFSET_FETCH, ApiKey.OFFSET_FOR_LEADER_EPOCH,
            ApiKey.DESCRIBE_CLUSTER, ApiKey.DESCRIBE_CONFIGS, ApiKey.DESCRIBE_GROUPS, ApiKey.LIST_GROUPS,
            ApiKey.DESCRIBE_TOPIC_PARTITIONS, ApiKey.DESCRIBE_LOG_DIRS, ApiKey.DESCRIBE_ACLS,
            ApiKey.DESCRIBE_PRODUCERS, ApiKey.DESCRIBE_TRANSACTIONS, ApiKey.LIST_TRANSACTIONS);
    private static final int MAX_ATTEMPTS = 3;

    /**
     * One attempt, and more when that is safe: a request that never left this
     * client can always go again, and a read-only one can go again whether or not
     * the broker saw it. Anything else fails with what happened, sent or not.
     * Each retry waits a backoff; to any broker, it goes to the next address, and
     * the last try to a bootstrap address (see {@link #addressOf}).
     */
    private CompletableFuture<ApiMessage> attempt(int nodeId, ChannelKind kind, int lane, ApiKey api,
                                                  IntFunction<ApiMessage> bodyForVersion, short maxVersion,
                                                  Duration timeout, int attempt, int attempts, List<String> failures) {
        boolean lastResort = attempt > 1 && attempt == attempts;
        return sendOnce(nodeId, kind, lane, api, bodyForVersion, maxVersion, true, lastResort, timeout)
                .handle((response, error) -> {
            if (error == null) {
                return CompletableFuture.completedFuture(response);
            }
            Throwable cause = error instanceof java.util.concurrent.CompletionException ? error.getCause() : error;
            if (!(cause instanceof NetworkException n) || closed) {
                return CompletableFuture.<ApiMessage>failedFuture(cause);
            }
            failures.add(n.getMessage());
            boolean safe = !n.requestSent() || SAFE_TO_RESEND.contains(api);
            if (!safe || attempt >= attempts) {
                if (failures.size() == 1) {
                    return CompletableFuture.<ApiMessage>failedFuture(cause);
                }
                NetworkException all = cause instanceof dev.josef.kafka.net.RequestTimeoutException
                        ? new dev.josef.kafka.net.RequestTimeoutException(api.title() + " failed " + failures.size()
                                + " times: " + String.join("; ", failures), n.requestSent())
                        : new NetworkException(api.title() + " failed " + failures.size() + " times: "
                                + String.join("; ", failures), n.requestSent(), n);
                return CompletableFuture.<ApiMessage>failedFuture(all);
            }
            long backoff = Backoff.exponential(attempt - 1, 100, 1000);
            return delay(Duration.ofMillis(backoff))
                    .thenCompose(ignored -> attempt(nodeId, kind, lane, api, bodyForVersion, maxVersion, timeout,
                            attempt + 1, attempts, failures));
        }).thenCompose(f -> f);
    }

    /**
     * Sends a request the broker does not answer: a Produce with acks=0, the one
     * such request in Kafka's protocol. The future completes with null once the
     * whole request reached the socket, which is all a client can know of it;
     * it fails as {@link #send} does when the connection cannot be made or is lost
     * first. Such a request is never sent again, and does not count against the
     * connection's maximum in flight, as no answer will free its place.
     *
     * @throws IllegalArgumentException for a Produce body that asks for acks
     */
    public CompletableFuture<ApiMessage> sendWithoutResponse(int nodeId, ChannelKind kind, ApiKey api,
                                                             IntFunction<ApiMessage> bodyForVersion, short maxVersion) {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(api, "api");
        Objects.requireNonNull(bodyForVersion, "bodyForVersion");
        if (api != ApiKey.PRODUCE) {
            throw new IllegalArgumentException("only Produce with acks=0 goes unanswered; the broker answers "
                    + api.title());
        }
        IntFunction<ApiMessage> checked = version -> {
            ApiMessage body = bodyForVersion.apply(version);
            if (body instanceof ProduceRequest produce && produce.acks() != 0) {
                throw new IllegalArgumentException("a Produce with acks=" + produce.acks()
                        + " is answered by the broker; send it with send()");
            }
            return body;
        };
        return sendOnce(nodeId, kind, 0, api, checked, maxVersion, false, false, config.requestTimeout());
    }

    /** One send; {@code lastResort} sends a request for any broker to a bootstrap address. */
    private CompletableFuture<ApiMessage> sendOnce(int nodeId, ChannelKind kind, int lane, ApiKey api,
                                                   IntFunction<ApiMessage> bodyForVersion, short maxVersion,
                                                   boolean expectsResponse, boolean lastResort, Duration timeout) {
        CompletableFuture<ApiMessage> future = new CompletableFuture<>();
        if (closed) {
            future.completeExceptionally(new IllegalStateException("the network client is closed"));
            return future;
        }
        HostPort address = addressOf(nodeId, lastResort);
        if (address == null) {
            // A broker that left the metadata (fenced, restarting) is a routing failure: nothing
            // was sent, and the caller may retry once a refresh names the partition's new leader.
            future.completeExceptionally(new NetworkException("broker " + nodeId + " is not in the cluster's "
                    + "metadata; known brokers: " + metadata.brokers().keySet(), false, null));
            return future;
        }
        long deadline = clock.nanoTime() + timeout.toNanos();
        PendingRequest pending = new PendingRequest(api, bodyForVersion, maxVersion, deadline, future, expectsResponse);
        submissions.add(new Submission(address, kind, lane, pending));
        selector.wakeup();
        if (closed) {
            // The loop may have ended between the check above and the add.
            failSubmissions();
        }
        return future;
    }

    public CompletableFuture<ApiMessage> send(int nodeId, ApiMessage request) {
        return send(nodeId, ChannelKind.OTHER, request, request.apiKey().latestStableVersion());
    }

    /**
     * Asks any broker for the cluster's brokers and the topics callers asked about
     * so far, and makes that the current {@link #metadata()}. A call made while a
     * refresh that covers its topics is under way shares that refresh.
     */
    public CompletableFuture<ClusterMetadata> refreshMetadata() {
        return refreshMetadata(Set.of());
    }

    /** As {@link #refreshMetadata()}, also describing {@code topics} from now on. */
    public CompletableFuture<ClusterMetadata> refreshMetadata(Collection<String> topics) {
        trackedTopics.addAll(topics);
        Refresh running = metadataRefresh.get();
        if (running != null) {
            if (running.topics().containsAll(topics)) {
                return running.future();
            }
            // It does not cover these topics: refresh again once it is done.
            return running.future().handle((m, e) -> null).thenCompose(ignored -> refreshMetadata(topics));
        }
        Set<String> wanted = Set.copyOf(trackedTopics);
        Refresh mine = new Refresh(wanted, new CompletableFuture<>());
        if (!metadataRefresh.compareAndSet(null, mine)) {
            return refreshMetadata(topics);
        }
        MetadataRequest request = new MetadataRequest().setAllowAutoTopicCreation(false);
        for (String topic : wanted) {
            request.topics().add(new MetadataRequest.MetadataRequestTopic().setName(topic));
        }
        send(ANY_BROKER, request).whenComplete((response, error) -> {
            if (error == null) {
                metadata = metadata.merge((MetadataResponse) response);
                refreshedAtNanos = clock.nanoTime();
            }
            metadataRefresh.set(null);
            if (error != null) {
                mine.future().completeExceptionally(error);
            } else {
                mine.future().complete(metadata);
            }
        });
        return mine.future();
    }

    /**
     * As {@link #refreshMetadata(Collection)}; with {@code allowAutoCreate},
     * the topics of {@code topics} that the cluster did not name yet are first
     * asked for in a Metadata request of their own that lets the broker create
     * them ({@code auto.create.topics.enable}, on by default), as kafka-clients'
     * producer does. Only these topics are in that request: another caller's
     * topics are never created on its behalf.
     */
    public CompletableFuture<ClusterMetadata> refreshMetadata(Collection<String> topics, boolean allowAutoCreate) {
        if (!allowAutoCreate) {
            return refreshMetadata(topics);
        }
        ClusterMetadata known = metadata;
        List<String> missing = topics.stream()
                .filter(t -> known.topic(t).map(found -> found.error() != ErrorCode.NONE).orElse(true))
                .distinct().toList();
        if (missing.isEmpty()) {
            return refreshMetadata(topics);
        }
        trackedTopics.addAll(topics);
        MetadataRequest request = new MetadataRequest().setAllowAutoTopicCreation(true);
        for (String topic : missing) {
            request.topics().add(new MetadataRequest.MetadataRequestTopic().setName(topic));
        }
        return send(ANY_BROKER, request).handle((response, error) -> {
            if (error == null) {
                metadata = metadata.merge((MetadataResponse) response);
            } else {
                LOG.debug("a metadata request that may create {} failed: {}", missing, error.toString());
            }
            return null;
        }).thenCompose(ignored -> refreshMetadata(topics));
    }

    /** What the last refresh learned. */
    public ClusterMetadata metadata() {
        return metadata;
    }

    /** The brokers the last metadata refresh named, by node id. */
    public Map<Integer, HostPort> brokers() {
        return metadata.brokers();
    }

    /**
     * Sends to the leader of a partition, refreshing metadata first when the
     * leader is not known. Fails with LEADER_NOT_AVAILABLE (retriable) or
     * UNKNOWN_TOPIC_OR_PARTITION when the refresh does not name one.
     */
    public CompletableFuture<ApiMessage> sendToLeader(String topic, int partition, ChannelKind kind, ApiKey api,
                                                      IntFunction<ApiMessage> bodyForVersion, short maxVersion) {
        Optional<Integer> leader = metadata.leader(topic, partition);
        if (leader.isPresent()) {
            return send(leader.get(), kind, api, bodyForVersion, maxVersion);
        }
        return refreshMetadata(List.of(topic)).thenCompose(m -> m.leader(topic, partition)
                .map(id -> send(id, kind, api, bodyForVersion, maxVersion))
                .orElseGet(() -> CompletableFuture.failedFuture(noLeader(m, topic, partition))));
    }

    private static RuntimeException noLeader(ClusterMetadata m, String topic, int partition) {
        Optional<ClusterMetadata.Topic> t = m.topic(topic);
        if (t.isPresent() && t.get().error() != ErrorCode.NONE) {
            return t.get().error().exception("topic '" + topic + "'");
        }
        if (t.isPresent() && t.get().partitions().stream().noneMatch(p -> p.index() == partition)) {
            return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.exception("topic '" + topic + "' has no partition " + partition);
        }
        return ErrorCode.LEADER_NOT_AVAILABLE.exception("partition " + topic + "-" + partition + " has no leader yet");
    }

    /**
     * The node id of the coordinator for a group or a transactional id, found
     * with FindCoordinator and remembered until {@link #invalidateCoordinator}
     * (a caller that sees NOT_COORDINATOR calls it). A failed lookup is not
     * remembered.
     */
    public CompletableFuture<Integer> coordinator(CoordinatorType type, String key) {
        return coordinators.coordinator(type, key);
    }

    public void invalidateCoordinator(CoordinatorType type, String key) {
        coordinators.invalidate(type, key);
    }

    boolean isClosed() {
        return closed;
    }

    /**
     * The broker's address, or null when the metadata does not know it. Any
     * broker is a known broker, in turn; before the first metadata, a bootstrap
     * address, in turn. The last try of a request for any broker ({@code lastResort})
     * goes to a bootstrap address, preferring those the metadata does not name:
     * so a client whose known brokers all went away (the one live broker it saw
     * was killed, and others came back) finds the cluster again, as kafka-clients'
     * {@code metadata.recovery.strategy=rebootstrap} does, while a stale bootstrap
     * entry (a decommissioned host) is only tried after two known brokers failed
     * the same request. The number of tries does not grow with the cluster.
     */
    private HostPort addressOf(int nodeId, boolean lastResort) {
        if (nodeId != ANY_BROKER) {
            return metadata.brokers().get(nodeId);
        }
        List<HostPort> known = List.copyOf(metadata.brokers().values());
        if (known.isEmpty()) {
            return pick(config.bootstrap(), bootstrapCursor);
        }
        if (!lastResort) {
            return pick(known, knownCursor);
        }
        List<HostPort> unknown = config.bootstrap().stream().filter(a -> !known.contains(a)).toList();
        return pick(unknown.isEmpty() ? config.bootstrap() : unknown, bootstrapCursor);
    }

    private static HostPort pick(List<HostPort> addresses, AtomicInteger cursor) {
        return addresses.get(Math.floorMod(cursor.getAndIncrement(), addresses.size()));
    }

    private BrokerChannel channel(HostPort address, ChannelKind kind, int lane) {
        ChannelKey key = new ChannelKey(address, kind, lane);
        BrokerChannel channel = channels.get(key);
        if (channel == null || channel.state() == BrokerChannel.State.CLOSED) {
            channel = new BrokerChannel(address, config, this::complete, this::onIoThread, callbacks, resolver, clock,
                    this, hooks);
            channels.put(key, channel);
            channel.connect(selector, clock.nanoTime(), reconnectAt.getOrDefault(address, 0L));
        }
        return channel;
    }

    /** The cluster's finalized features as of the newest handshake: name to level (transaction.version, ...). */
    public Map<String, Short> finalizedFeatures() {
        return features.levels();
    }

    private record FinalizedFeatures(long epoch, Map<String, Short> levels) {
    }

    @Override
    public void ready(BrokerChannel channel) {
        long epoch = channel.finalizedFeaturesEpoch();
        if (epoch >= 0 && epoch >= features.epoch()) {
            features = new FinalizedFeatures(epoch, channel.finalizedFeatures());
        }
        connectFailures.remove(channel.address);
        reconnectAt.remove(channel.address);
    }

    /** A failed connection makes the next one to that address wait, doubling per failure up to the maximum. */
    @Override
    public void closed(BrokerChannel channel, boolean failed) {
        if (!failed || closed) {
            return;
        }
        int failures = connectFailures.merge(channel.address, 1, Integer::sum);
        long wait = Backoff.exponential(failures - 1, config.reconnectBackoff().toMillis(),
                config.reconnectBackoffMax().toMillis());
        reconnectAt.put(channel.address, clock.nanoTime() + wait * 1_000_000L);
    }

    private void onIoThread(Runnable task) {
        ioTasks.add(task);
        selector.wakeup();
    }

    /** Called on the I/O thread; the future is completed on the callback thread. */
    private void complete(PendingRequest request, Object outcome) {
        if (request.future == null) {
            return;
        }
        callbacks.execute(() -> {
            if (outcome instanceof Throwable t) {
                request.future.completeExceptionally(t);
            } else {
                request.future.complete((ApiMessage) outcome);
            }
        });
    }

    private void run() {
        try {
            while (!closed) {
                long now = clock.nanoTime();
                long next = Long.MAX_VALUE;
                // Metadata that nobody refreshed for metadata.max.age is refreshed anyway,
                // so leaders that moved and brokers that joined are learned without an error.
                long refreshed = refreshedAtNanos;
                if (refreshed != 0) {
                    long due = refreshed + config.metadataMaxAge().toNanos();
                    if (now - due >= 0) {
                        refreshedAtNanos = now; // one refresh per period, even if it fails
                        refreshMetadata();
                    } else {
                        next = due;
                    }
                }
                next = Math.min(next, timers.fire(now, this::offIoThread));
                for (Iterator<BrokerChannel> it = channels.values().iterator(); it.hasNext(); ) {
                    BrokerChannel c = it.next();
                    next = Math.min(next, c.checkDeadlines(now));
                    if (c.state() == BrokerChannel.State.CLOSED) {
                        it.remove();
                    }
                }
                long waitMillis = next == Long.MAX_VALUE ? 1000 : Math.max(1, (next - now) / 1_000_000 + 1);
                selector.select(Math.min(waitMillis, 1000));
                Runnable ioTask;
                while ((ioTask = ioTasks.poll()) != null) {
                    runGuarded(ioTask);
                }
                Submission submission;
                while ((submission = submissions.poll()) != null) {
                    Submission s = submission;
                    if (s.lane() != 0 && !openLanes.contains(s.lane())) {
                        // Its owner closed it (a request made just before, or retried after): not sent, not retried.
                        complete(s.request(), new IllegalStateException("lane " + s.lane() + " is closed"));
                        continue;
                    }
                    runGuarded(() -> channel(s.address(), s.kind(), s.lane()).enqueue(s.request(), clock.nanoTime()));
                }
                now = clock.nanoTime();
                for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                    SelectionKey key = it.next();
                    it.remove();
                    BrokerChannel channel = (BrokerChannel) key.attachment();
                    runGuarded(() -> channel.onSelected(clock.nanoTime()));
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("josef network I/O thread for client {} failed; closing the client", config.clientId(), e);
            closed = true;
        } finally {
            NetworkException closing = new NetworkException("the network client is closed", false, null);
            for (BrokerChannel c : channels.values()) {
                c.close(closing);
            }
            channels.clear();
            failSubmissions();
            timers.failAll(new IllegalStateException("the network client is closed"), this::offIoThread);
            try {
                selector.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    /** A bug in one channel's handling must not end the loop that serves every other. */
    private void runGuarded(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            LOG.error("josef network I/O thread for client {}: unexpected error", config.clientId(), e);
        }
    }

    /** Fails requests handed over after the loop ended; safe on any thread. */
    private void failSubmissions() {
        Submission s;
        while ((s = submissions.poll()) != null) {
            s.request().future.completeExceptionally(new NetworkException("the network client is closed", false, null));
        }
    }

    /** Stops the I/O thread, fails every request that has not completed, and ends the callback thread. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        selector.wakeup();
        try {
            ioThread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        resolver.shutdownNow();
        callbacks.shutdown();
        try {
            callbacks.awaitTermination(10, TimeUnit.SECONDS);
            // The pool reports termination a moment before its thread has ended.
            Thread callback = callbackThread;
            if (callback != null && callback != Thread.currentThread()) {
                callback.join(TimeUnit.SECONDS.toMillis(5));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }


}
