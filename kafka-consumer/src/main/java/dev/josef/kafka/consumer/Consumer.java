package dev.josef.kafka.consumer;

import dev.josef.kafka.consumer.spi.ConsumerHook;
import dev.josef.kafka.consumer.spi.ConsumerView;
import dev.josef.kafka.consumer.spi.RebalanceHook;
import dev.josef.kafka.net.Cluster;
import dev.josef.kafka.net.internal.ClusterAccess;
import dev.josef.kafka.net.internal.Clock;
import dev.josef.kafka.net.internal.EngineConfigs;
import dev.josef.kafka.net.internal.JosefThreads;
import dev.josef.kafka.net.internal.NetworkClient;
import dev.josef.kafka.net.spi.Hook;
import dev.josef.kafka.protocol.GroupMetadata;
import dev.josef.kafka.protocol.KafkaException;
import dev.josef.kafka.protocol.RetriableException;
import dev.josef.kafka.protocol.TopicNames;
import dev.josef.kafka.protocol.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Reads records from Kafka: from partitions the application assigns, from every
 * partition of named topics, or from every topic a pattern matches (topics
 * created later included). There is no consumer group here: positions live in
 * the consumer, and the application seeks where it wants to start.
 *
 * <pre>{@code
 * try (Consumer consumer = Consumer.create(config)) {
 *     consumer.subscribe(List.of("orders"));
 *     while (running) {
 *         ConsumerRecords polled = consumer.poll(Duration.ofSeconds(1));
 *         polled.errors().forEach((partition, error) -> log.warn("{}: {}", partition, error.getMessage()));
 *         for (ConsumerRecord record : polled) { ... }
 *     }
 * }
 * }</pre>
 *
 * <p>Records are fetched ahead on the consumer's fetcher thread while the
 * application works, up to {@link ConsumerConfig#maxBufferedBytes()}; they are
 * decoded on the polling thread, as the application asks for them.
 *
 * <p>Errors belong to partitions: {@link ConsumerRecords#errors()} says what a
 * partition met (a corrupt batch with its offsets, an offset out of range with
 * no reset policy, an unknown topic, a truncated log) while every other
 * partition goes on. Bad input fails at the call: a negative offset, a
 * partition that is not assigned, use after close.
 *
 * <p>Threads: one thread polls at a time (a second one polling at once gets an
 * {@link IllegalStateException}); {@link #seek}, {@link #pause},
 * {@link #resume}, {@link #position}, {@link #wakeup} and {@link #close} are
 * safe from any thread. The fetcher thread is {@code josef-<client-id>-fetcher}.
 *
 * <p>Interrupts: an interrupt ends a wait early, as if its time had run out,
 * and the thread stays interrupted: {@code poll} returns what it has (maybe
 * nothing), as the producer's calls do.
 */
public final class Consumer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Consumer.class);
    /** How often a poll that waits tells its group member that the application is alive. */
    private static final long ALIVE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final ConsumerConfig config;
    private final NetworkClient client;
    private final boolean ownsClient;
    private final Clock clock;
    private final String clientId;
    private final Fetcher fetcher;
    /** The consumer's group; null without a group id. */
    private final GroupConsumer group;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicReference<Thread> poller = new AtomicReference<>();
    /** Used by the polling thread, which {@link #poller} makes one at a time. */
    private volatile boolean wakeup;

    /** @param clusterHooks hooks of every kind from the network configurations (the shared cluster's, its own) */
    private Consumer(ConsumerConfig config, NetworkClient client, boolean ownsClient, String clientId,
                     List<Hook> clusterHooks) {
        this.config = config;
        this.client = client;
        this.clock = client.clock();
        this.ownsClient = ownsClient;
        this.clientId = clientId;
        this.fetcher = new Fetcher(config, client, clientId,
                ofKind(clusterHooks, ConsumerHook.class, config.hooks()));
        this.group = config.groupId().isPresent() ? new GroupConsumer(config, client, fetcher, clientId,
                ofKind(clusterHooks, RebalanceHook.class, config.rebalanceHooks())) : null;
        fetcher.start();
        if (group != null) {
            group.start(this);
        }
        if (!fetcher.hooks().isEmpty()) {
            Optional<String> groupId = config.groupId();
            fetcher.hooks().open(new ConsumerView() {
                @Override
                public Optional<String> groupId() {
                    return groupId;
                }

                @Override
                public Map<TopicPartition, Long> lags() {
                    return fetcher.lags();
                }

                @Override
                public Optional<java.net.InetSocketAddress> leader(TopicPartition partition) {
                    return client.metadata().leaderAddress(partition.topic(), partition.partition());
                }
            });
        }
    }

    public static Consumer create(ConsumerConfig config) {
        Objects.requireNonNull(config, "config");
        String clientId = JosefThreads.clientId(config.network().clientId(), "consumer");
        return new Consumer(config, NetworkClient.open(EngineConfigs.from(config.network(), clientId)), true, clientId,
                config.network().clientHooks());
    }

    /**
     * A consumer on a shared cluster connection; closing the consumer leaves the
     * cluster open. Connection hooks are the cluster's.
     *
     * @throws IllegalArgumentException when {@code config} carries connection hooks
     *                                  ({@code ClientHook}s): give them to the cluster's configuration
     */
    public static Consumer create(ConsumerConfig config, Cluster cluster) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(cluster, "cluster");
        if (!config.network().hooks().isEmpty()) {
            throw new IllegalArgumentException("a consumer on a shared Cluster uses the cluster's connections, and "
                    + "their hooks are the cluster's: give the ClientHooks " + config.network().hooks()
                    + " to the Cluster's NetworkConfig");
        }
        List<Hook> hooks = new ArrayList<>(cluster.config().clientHooks());
        hooks.addAll(config.network().clientHooks());
        return new Consumer(config, ClusterAccess.engine(cluster), false,
                JosefThreads.clientId(config.network().clientId(), "consumer"), hooks);
    }

    /** A consumer from kafka-clients property names; see {@link ConsumerConfig#fromProperties(Map)}. */
    public static Consumer create(Map<String, ?> kafkaClientsProperties) {
        return create(ConsumerConfig.fromProperties(kafkaClientsProperties));
    }

    public ConsumerConfig config() {
        return config;
    }

    /** The configured client id, or the one it took ({@code consumer-1}, ...); its threads are named by it. */
    public String clientId() {
        return clientId;
    }

    /**
     * Reads exactly these partitions from now on, replacing any assignment or
     * subscription. Partitions kept keep their positions; new ones start where
     * the reset policy says, unless sought.
     *
     * @throws IllegalArgumentException for an illegal topic name or a negative partition
     */
    public void assign(Collection<TopicPartition> partitions) {
        Objects.requireNonNull(partitions, "partitions");
        List<TopicPartition> checked = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            Objects.requireNonNull(tp, "partition");
            TopicNames.validate(tp.topic());
            if (tp.partition() < 0) {
                throw new IllegalArgumentException("partition of " + tp.topic() + " must not be negative, was "
                        + tp.partition());
            }
            checked.add(tp);
        }
        if (group != null && group.subscribed()) {
            throw new IllegalStateException("this consumer is subscribed as a member of group "
                    + config.groupId().orElseThrow() + "; unsubscribe() before assigning partitions yourself");
        }
        ensureOpen();
        fetcher.assign(checked);
    }

    /**
     * Reads every partition of these topics, following partitions added later.
     * A topic that does not exist yet is waited for.
     *
     * @throws IllegalArgumentException for an illegal topic name
     */
    public void subscribe(Collection<String> topics) {
        subscribe(topics, null);
    }

    /**
     * As {@link #subscribe(Collection)}; in a group, {@code listener} is told of
     * partitions assigned, revoked and lost after the configured
     * {@link RebalanceHook}s, with their guarantees. A later subscribe replaces it.
     *
     * @param listener null for none
     * @throws IllegalArgumentException for an illegal topic name, or a listener without a group id
     */
    public void subscribe(Collection<String> topics, RebalanceHook listener) {
        Objects.requireNonNull(topics, "topics");
        Set<String> checked = new LinkedHashSet<>();
        for (String topic : topics) {
            TopicNames.validate(Objects.requireNonNull(topic, "topic"));
            checked.add(topic);
        }
        ensureOpen();
        if (group != null) {
            if (checked.isEmpty()) {
                unsubscribe(); // as kafka-clients: subscribing to nothing is leaving
                return;
            }
            group.subscribe(checked, listener);
            return;
        }
        if (listener != null) {
            throw new IllegalArgumentException("a rebalance listener needs a group.id: without a group, the "
                    + "consumer reads every partition of the topics and nothing is rebalanced");
        }
        fetcher.subscribe(checked);
    }

    /**
     * Reads every partition of every topic whose whole name matches
     * {@code pattern}, internal topics excepted. Topics are listed again every
     * {@code metadata.max.age.ms}, so matching topics created later are picked up.
     */
    public void subscribe(Pattern pattern) {
        subscribe(pattern, null);
    }

    /**
     * As {@link #subscribe(Pattern)}; in a group, the member subscribes to the
     * topics that match (a Java pattern, matched on this side against the whole
     * name, as kafka-clients' classic protocol does) and rejoins when they change.
     */
    public void subscribe(Pattern pattern, RebalanceHook listener) {
        Objects.requireNonNull(pattern, "pattern");
        ensureOpen();
        if (group != null) {
            group.subscribe(pattern, listener);
            return;
        }
        if (listener != null) {
            throw new IllegalArgumentException("a rebalance listener needs a group.id");
        }
        fetcher.subscribe(pattern);
    }

    /**
     * Stops reading everything. A group member first gives its partitions up
     * (the revoke commit, onRevoked) and leaves the group.
     */
    public void unsubscribe() {
        ensureOpen();
        if (group != null && group.subscribed()) {
            asPoller("unsubscribe", group::unsubscribe);
        }
        fetcher.assign(List.of());
    }

    /** Runs {@code action} as the one thread that polls, so rebalance callbacks it makes never overlap a poll. */
    private void asPoller(String what, Runnable action) {
        Thread me = Thread.currentThread();
        Thread other = poller.compareAndExchange(null, me);
        if (other != null && other != me) {
            throw new IllegalStateException("thread " + other.getName() + " is polling this consumer; " + what
                    + " from the polling thread");
        }
        try {
            action.run();
        } finally {
            if (other == null) {
                poller.set(null);
            }
        }
    }

    /** The partitions read now (for a subscription, as far as metadata has told the consumer). */
    public Set<TopicPartition> assignment() {
        ensureOpen();
        return fetcher.assignment();
    }

    /**
     * Returns the records fetched so far, waiting up to {@code timeout} for some
     * when there are none: at most {@link ConsumerConfig#maxPollRecords()}, with
     * the errors partitions met. Returns early, maybe empty, after {@link #wakeup()}.
     *
     * @throws IllegalStateException after {@link #close}, or while another thread polls
     */
    public ConsumerRecords poll(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("poll timeout must not be negative, was " + timeout);
        }
        ensureOpen();
        Thread me = Thread.currentThread();
        Thread other = poller.compareAndExchange(null, me);
        if (other != null && other != me) {
            throw new IllegalStateException("thread " + other.getName() + " is polling this consumer; "
                    + "one thread polls at a time");
        }
        if (other == me) {
            throw new IllegalStateException("poll was called from inside a rebalance callback or commit callback; "
                    + "return from it first");
        }
        try {
            return pollOnce(clock.nanoTime() + Math.min(timeout.toNanos(), Long.MAX_VALUE / 4));
        } finally {
            poller.set(null);
        }
    }

    private ConsumerRecords pollOnce(long deadline) {
        Map<TopicPartition, List<ConsumerRecord>> records = new LinkedHashMap<>();
        Map<TopicPartition, KafkaException> errors = new LinkedHashMap<>();
        int count = 0;
        int max = config.maxPollRecords();
        boolean groupWork = true;
        while (groupWork) {
            groupWork = false;
            if (group != null) {
                // Rebalance steps and commit callbacks run here, on the polling thread, outside every lock.
                group.beforePoll();
            }
            PollWait wait = new PollWait();
            try {
                count += fetcher.collect(max - count, records, errors, deadline, wait);
                groupWork = wait.groupWork;
            } finally {
                if (!groupWork) {
                    wakeup = false;
                }
            }
        }
        if (group != null) {
            group.afterPoll(count > 0 || !errors.isEmpty());
        }
        if (count == 0 && errors.isEmpty()) {
            return ConsumerRecords.EMPTY;
        }
        ConsumerRecords polled = new ConsumerRecords(records, errors, count);
        ConsumerHooks hooks = fetcher.hooks();
        if (!hooks.isEmpty()) {
            errors.forEach(hooks::partitionError);
            if (count > 0) {
                hooks.polled(polled);
            }
        }
        return polled;
    }

    /** One poll's wait: it returns for a wakeup, or (found under the fetcher's lock) for the group's steps. */
    private final class PollWait implements Fetcher.PollWait {
        boolean groupWork;

        @Override
        public void checkOpen() {
            ensureOpen();
        }

        @Override
        public boolean returnNow() {
            if (wakeup) {
                return true;
            }
            groupWork = group != null && group.stepsRunnable();
            return groupWork;
        }

        @Override
        public long maxWaitNanos() {
            // A long poll on idle partitions is a live application, not one past max.poll.interval.ms.
            return group == null ? Long.MAX_VALUE : ALIVE_NANOS;
        }

        @Override
        public void waited() {
            if (group != null) {
                group.member.polled();
            }
        }
    }

    // ---- the group ----

    /**
     * Commits what polls have returned so far of every assigned partition (the
     * offset after the last record handed out, and its leader epoch), waiting up
     * to {@link ConsumerConfig#defaultApiTimeout()} for the coordinator's answer.
     *
     * @throws CommitFailedException when the member no longer owns the partitions
     *                               in the group's eyes, or the coordinator refused
     * @throws IllegalStateException without a group id
     */
    public void commitSync() {
        GroupConsumer g = group();
        g.commitSync(g.handedOut(null), config.defaultApiTimeout(), insideCallback());
    }

    /** Whether this thread runs a rebalance callback now, so commit callbacks may run here too. */
    private boolean insideCallback() {
        return poller.get() == Thread.currentThread();
    }

    /**
     * Commits these offsets (each the offset of the next record to read), waiting
     * up to {@link ConsumerConfig#defaultApiTimeout()}.
     *
     * @throws IllegalStateException for a partition not assigned to this consumer, or without a group id
     */
    public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
        commitSync(offsets, config.defaultApiTimeout());
    }

    public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, Duration timeout) {
        Objects.requireNonNull(offsets, "offsets");
        Objects.requireNonNull(timeout, "timeout");
        GroupConsumer g = group();
        g.checkAssigned(offsets.keySet());
        g.commitSync(Map.copyOf(offsets), timeout, insideCallback());
    }

    /**
     * Commits what polls have returned so far without waiting; {@code callback}
     * is called with the offsets and null, or the error, inside a later
     * {@link #poll} or {@link #close}, on that thread.
     * Commits reach the coordinator one at a time, in the order they were made.
     */
    public void commitAsync(BiConsumer<Map<TopicPartition, OffsetAndMetadata>, KafkaException> callback) {
        Objects.requireNonNull(callback, "callback");
        GroupConsumer g = group();
        g.commitAsync(g.handedOut(null), callback);
    }

    public void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets,
                            BiConsumer<Map<TopicPartition, OffsetAndMetadata>, KafkaException> callback) {
        Objects.requireNonNull(offsets, "offsets");
        Objects.requireNonNull(callback, "callback");
        GroupConsumer g = group();
        g.checkAssigned(offsets.keySet());
        g.commitAsync(Map.copyOf(offsets), callback);
    }

    /**
     * The group's committed offsets of {@code partitions} (any partitions, assigned
     * or not); partitions without one are not in the map. Waits for a pending
     * transactional commit to settle (KIP-447).
     */
    public Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions) {
        return committed(partitions, config.defaultApiTimeout());
    }

    public Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions, Duration timeout) {
        Objects.requireNonNull(partitions, "partitions");
        Objects.requireNonNull(timeout, "timeout");
        partitions.forEach(tp -> Objects.requireNonNull(tp, "partition"));
        return group().committed(Set.copyOf(partitions), timeout);
    }

    /**
     * Marks {@code record} as processed: with
     * {@link ConsumerConfig.Builder#autoCommitMarks()}, auto-commit (and the commit
     * before a partition is given up) commits only marked records, and a mark never
     * moves a partition's commit back. From any thread.
     *
     * @throws IllegalStateException for a record of a partition not assigned, or without a group id
     */
    public void markProcessed(ConsumerRecord record) {
        Objects.requireNonNull(record, "record");
        group().mark(record.topicPartition(), record.offset() + 1);
    }

    /**
     * Lets a rebalance held by a poll go on (behaviour 5, with
     * {@link ConsumerConfig.Builder#blockRebalanceOnPoll()}): call it when the
     * records polled so far are processed. Held steps run now on this thread when
     * no poll is running, else inside that poll.
     *
     * @throws IllegalStateException when the consumer was not built with blockRebalanceOnPoll
     */
    public void allowRebalance() {
        ensureOpen();
        GroupConsumer g = group;
        if (g == null || !config.blockRebalanceOnPoll()) {
            throw new IllegalStateException("allowRebalance() is for consumers built with blockRebalanceOnPoll(); "
                    + "without it, rebalances go on inside poll and there is nothing to allow");
        }
        Thread me = Thread.currentThread();
        Thread other = poller.compareAndExchange(null, me);
        if (other == null) {
            try {
                g.allowRebalance(true);
            } finally {
                poller.set(null);
            }
        } else {
            g.allowRebalance(false);
        }
    }

    /**
     * The rebalance step waiting for the application, if any: with
     * blockRebalanceOnPoll, what {@link #allowRebalance()} would let go on and how
     * much of the rebalance timeout is left for it.
     */
    public Optional<PendingRebalance> pendingRebalance() {
        return group == null ? Optional.empty() : group.pending();
    }

    /**
     * Who this member is in its group now, for a transactional producer's
     * {@code sendOffsetsToTransaction} (KIP-447): the group coordinator then
     * refuses offsets from a member that has been rebalanced away meanwhile.
     * The generation is the classic protocol's generation or the consumer
     * protocol's member epoch; -1 and an empty member id outside the group.
     *
     * @throws IllegalStateException without a group id
     */
    public GroupMetadata groupMetadata() {
        GroupConsumer g = group();
        int generation = g.member.generation();
        return new GroupMetadata(config.groupId().orElseThrow(), generation,
                generation < 0 ? "" : g.member.memberId(), config.groupInstanceId());
    }

    /**
     * How many times this member has lost partitions so far (it was fenced,
     * or dropped for missing its session or poll interval), counted the moment
     * it loses them, before {@code onLost} runs. A transaction that read from
     * a partition compares it across the transaction: a member that lost
     * partitions meanwhile may have been given them back, and another member
     * may have read the same records in between, so it must not commit.
     */
    public long partitionsLostCount() {
        GroupConsumer g = group;
        return g == null ? 0 : g.rebalancer.losses();
    }

    /** The member's generation and id in its group, for logs; empty outside a group generation. */
    public Optional<String> groupMember() {
        if (group == null || group.member.generation() < 0) {
            return Optional.empty();
        }
        return Optional.of(group.member.memberId() + "@" + group.member.generation());
    }

    private GroupConsumer group() {
        ensureOpen();
        if (group == null) {
            throw new IllegalStateException("offsets are committed to a consumer group: configure a group.id");
        }
        return group;
    }

    /**
     * Makes a poll that is waiting return now (empty, if it has nothing), or the
     * next poll return at once. From any thread, for example a shutdown hook.
     */
    public void wakeup() {
        wakeup = true;
        fetcher.wakePoll();
    }

    /**
     * The next poll returns {@code partition} from {@code offset}. An offset past
     * the log's end or before its start is handled by the reset policy.
     *
     * @throws IllegalArgumentException for a negative offset
     * @throws IllegalStateException    for a partition that is not assigned
     */
    public void seek(TopicPartition partition, long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("cannot seek " + partition + " to offset " + offset
                    + ": offsets are 0 or more");
        }
        seek(partition, StartPosition.offset(offset));
    }

    /** The next poll returns {@code partition} from {@code start}: earliest, latest, a timestamp or an offset. */
    public void seek(TopicPartition partition, StartPosition start) {
        Objects.requireNonNull(partition, "partition");
        Objects.requireNonNull(start, "start");
        ensureOpen();
        fetcher.seek(List.of(partition), start);
    }

    public void seekToBeginning(Collection<TopicPartition> partitions) {
        seekAll(partitions, StartPosition.earliest());
    }

    public void seekToEnd(Collection<TopicPartition> partitions) {
        seekAll(partitions, StartPosition.latest());
    }

    /** Each partition from its first record at or after {@code timestampMs} (its end when there is none). */
    public void seekToTimestamp(Collection<TopicPartition> partitions, long timestampMs) {
        seekAll(partitions, StartPosition.timestamp(timestampMs));
    }

    private void seekAll(Collection<TopicPartition> partitions, StartPosition start) {
        Objects.requireNonNull(partitions, "partitions");
        ensureOpen();
        fetcher.seek(partitions, start);
    }

    /**
     * The offset of the next record the application gets from {@code partition},
     * waiting up to {@link ConsumerConfig#defaultApiTimeout()} for it to be found.
     */
    public long position(TopicPartition partition) {
        return position(partition, config.defaultApiTimeout());
    }

    /**
     * As {@link #position(TopicPartition)}, waiting up to {@code timeout}.
     *
     * @throws IllegalStateException for a partition that is not assigned, or one
     *         stopped without a position (reset policy none)
     * @throws RetriableException    when the position is not known in time
     */
    public long position(TopicPartition partition, Duration timeout) {
        Objects.requireNonNull(partition, "partition");
        Objects.requireNonNull(timeout, "timeout");
        ensureOpen();
        return fetcher.awaitPosition(partition, clock.nanoTime() + timeout.toNanos(), timeout);
    }

    /**
     * How far the application is behind the end of {@code partition}: the last
     * fetch's high watermark (last stable offset with read_committed) minus the
     * position; empty until a fetch has told it.
     */
    public OptionalLong lag(TopicPartition partition) {
        Objects.requireNonNull(partition, "partition");
        ensureOpen();
        return fetcher.lag(partition);
    }

    /** Stops returning (and fetching) these partitions until {@link #resume}; positions are kept. */
    public void pause(Collection<TopicPartition> partitions) {
        setPaused(partitions, true);
    }

    public void resume(Collection<TopicPartition> partitions) {
        setPaused(partitions, false);
    }

    public Set<TopicPartition> paused() {
        return fetcher.paused();
    }

    private void setPaused(Collection<TopicPartition> partitions, boolean paused) {
        Objects.requireNonNull(partitions, "partitions");
        ensureOpen();
        fetcher.pause(partitions, paused);
    }

    /**
     * The records of every poll, one after another, for simple loops: iteration
     * polls with {@code idleTimeout} and ends when a poll returns nothing.
     * Partition errors go to {@code onError} (the partition then goes on or stops
     * as it would for {@link #poll}).
     */
    public Iterable<ConsumerRecord> records(Duration idleTimeout, BiConsumer<TopicPartition, KafkaException> onError) {
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(onError, "onError");
        return () -> new Iterator<>() {
            private Iterator<ConsumerRecord> current = Collections.emptyIterator();
            private boolean ended;

            @Override
            public boolean hasNext() {
                while (!current.hasNext() && !ended) {
                    ConsumerRecords polled = poll(idleTimeout);
                    polled.errors().forEach(onError);
                    if (polled.isEmpty()) {
                        ended = true;
                    }
                    current = polled.iterator();
                }
                return current.hasNext();
            }

            @Override
            public ConsumerRecord next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return current.next();
            }
        };
    }

    /** As {@link #records(Duration, BiConsumer)}, logging partition errors at WARN. */
    public Iterable<ConsumerRecord> records(Duration idleTimeout) {
        return records(idleTimeout, (tp, e) -> LOG.warn("consumer {}: {}", clientId, e.getMessage()));
    }

    /** {@link #records(Duration)} as a sequential stream. */
    public Stream<ConsumerRecord> stream(Duration idleTimeout) {
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(records(idleTimeout).iterator(),
                Spliterator.ORDERED | Spliterator.NONNULL), false);
    }

    /** Closes the consumer, waiting up to 5 s for its fetcher thread to close its fetch sessions. */
    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }

    public void close(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (group != null) {
            // Give the partitions up (commit, onRevoked) and leave, before the consumer stops reading. Callbacks
            // run here only when no other thread is polling; a close is also an allowRebalance.
            Thread me = Thread.currentThread();
            Thread other = poller.compareAndExchange(null, me);
            if (closed.get()) {
                if (other == null) {
                    poller.set(null);
                }
                return;
            }
            try {
                group.close(other == null, timeout);
            } finally {
                if (other == null) {
                    poller.set(null);
                }
            }
        }
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        fetcher.close();
        try {
            if (!fetcher.awaitStopped(timeout.toMillis())) {
                LOG.warn("consumer {}: the fetcher thread did not stop within {}", clientId, timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        fetcher.releaseBuffer();
        if (ownsClient) {
            client.close();
        }
        if (!fetcher.hooks().isEmpty()) {
            fetcher.hooks().close();
        }
    }

    /** The hooks of {@code kind} among {@code hooks}, once each, and none already in {@code given}. */
    private static <H> List<H> ofKind(List<Hook> hooks, Class<H> kind, List<? extends H> given) {
        List<H> of = new ArrayList<>();
        for (Hook h : hooks) {
            if (kind.isInstance(h) && given.stream().noneMatch(g -> g == h) && of.stream().noneMatch(o -> o == h)) {
                of.add(kind.cast(h));
            }
        }
        return of;
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("the consumer is closed");
        }
    }

    @Override
    public String toString() {
        return "Consumer(" + clientId + ", " + fetcher + ")";
    }
}
