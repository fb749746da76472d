package dev.josef.kafka.consumer;

import dev.josef.kafka.consumer.spi.ConsumerHook;
import dev.josef.kafka.protocol.IsolationLevel;
import dev.josef.kafka.net.NetworkException;
import dev.josef.kafka.net.internal.ChannelKind;
import dev.josef.kafka.net.internal.ClusterMetadata;
import dev.josef.kafka.net.internal.Clock;
import dev.josef.kafka.net.internal.JosefThreads;
import dev.josef.kafka.net.internal.NetworkClient;
import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.KafkaException;
import dev.josef.kafka.protocol.RetriableException;
import dev.josef.kafka.protocol.RecordBatchReader;
import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.protocol.Uuid;
import dev.josef.kafka.protocol.message.ApiMessage;
import dev.josef.kafka.protocol.message.FetchRequest;
import dev.josef.kafka.protocol.message.FetchResponse;
import dev.josef.kafka.protocol.message.ListOffsetsRequest;
import dev.josef.kafka.protocol.message.ListOffsetsResponse;
import dev.josef.kafka.protocol.message.MetadataRequest;
import dev.josef.kafka.protocol.message.MetadataResponse;
import dev.josef.kafka.protocol.message.OffsetFetchResponse;
import dev.josef.kafka.protocol.message.OffsetForLeaderEpochRequest;
import dev.josef.kafka.protocol.message.OffsetForLeaderEpochResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;

/**
 * The consumer's engine: which partitions it reads, where each one is, and the
 * fetcher thread ({@code josef-<client-id>-fetcher}) that keeps fetches,
 * ListOffsets and OffsetForLeaderEpoch requests going to the brokers.
 *
 * <p>Threads: all state below is guarded by {@link #lock}. The fetcher thread
 * sends requests and files their answers as buffered {@link CompletedFetch}es;
 * answers arrive on kafka-net's I/O thread, which only queues them as events for
 * the fetcher thread (no consumer work runs on the I/O thread). The polling
 * thread takes buffered fetches out under the lock, decodes them outside it,
 * and puts back what it did not finish. Nothing is decoded on the fetcher
 * thread beyond batch headers.
 *
 * <p>Fetching: at most one Fetch per broker is in flight, with a fetch session
 * per broker (KIP-227). A partition is in at most one request at a time, and is
 * fetched again as soon as its answer is buffered (prefetching), until it has
 * {@value #MAX_BUFFERED_FETCHES_PER_PARTITION} answers buffered or the
 * consumer holds {@link ConsumerConfig#maxBufferedBytes()}.
 */
final class Fetcher {
    private static final Logger LOG = LoggerFactory.getLogger(Fetcher.class);
    static final int MAX_BUFFERED_FETCHES_PER_PARTITION = 2;
    /** How often the fetcher thread looks at metadata when nothing else wakes it. */
    private static final long IDLE_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** How often an unknown topic of an assigned partition is looked up again. */
    private static final long UNKNOWN_TOPIC_RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** {@link PartitionState#inFlightNode} of a partition whose committed offset is being fetched. */
    private static final int COMMITTED_IN_FLIGHT = Integer.MAX_VALUE;

    /**
     * Guards everything below. Held by the fetcher thread while it plans and files
     * answers, by {@link RecordCollector} (the polling thread) while it takes
     * buffered fetches, and by the application-side methods below, each for its
     * own short work: no other class takes it (ThreadsTimeAndLocksTest).
     */
    final ReentrantLock lock = new ReentrantLock();
    /**
     * Set (then the fetcher thread unparked) when there is work: an answer arrived,
     * the buffer drained, the assignment changed. The fetcher thread parks outside
     * the lock, so waking it never waits for the lock: kafka-net's I/O thread posts
     * answers without blocking.
     */
    private final AtomicBoolean wake = new AtomicBoolean();
    /** Hook calls gathered under the lock, made by the fetcher thread after releasing it. */
    private final List<Runnable> hookCalls = new ArrayList<>();
    /** Signalled for the polling thread: data or an error arrived, or the consumer closed. */
    private final Condition dataReady = lock.newCondition();

    private final ConsumerConfig config;
    private final NetworkClient client;
    private final Clock clock;
    private final ConsumerHooks hooks;
    private final RecordBatchReader reader;
    private final String clientId;
    private final long retryBackoffNanos;
    private final long retryBackoffMaxNanos;
    private final long metadataMaxAgeNanos;

    // Guarded by lock.
    final Map<TopicPartition, PartitionState> partitions = new LinkedHashMap<>();
    final FetchBuffer buffer = new FetchBuffer();
    /**
     * The MaxBytes of the Fetches in flight: room in {@link ConsumerConfig#maxBufferedBytes()}
     * promised to answers not yet here, so that answers from several brokers together
     * stay within it.
     */
    private long reservedBytes;
    private final Map<TopicPartition, KafkaException> errors = new LinkedHashMap<>();
    private final Subscription subscription = new Subscription();
    private long patternListedAtNanos;
    private boolean patternListing;
    private final Map<Integer, FetchSession> sessions = new HashMap<>();
    private final Set<Integer> fetchingNodes = new HashSet<>();
    private final Map<Integer, Long> nodeRetryAt = new HashMap<>();
    private ClusterMetadata seenMetadata;
    private boolean metadataWanted;
    private boolean metadataRefreshing;
    private long metadataRequestedAtNanos;
    private long subscribedLookupAtNanos;
    private final Set<String> warnedUnknownTopics = new HashSet<>();
    private boolean committedFetching;
    /** The group member whose id and epoch a KIP-848 OffsetFetch carries; null without a group. */
    private volatile GroupMember groupMember;
    private boolean closed;

    private final RecordCollector collector;
    private final ConcurrentLinkedQueue<Runnable> events = new ConcurrentLinkedQueue<>();
    private final Thread thread;

    Fetcher(ConsumerConfig config, NetworkClient client, String clientId) {
        this(config, client, clientId, List.of());
    }

    /** @param clusterHooks the consumer hooks of the shared cluster the consumer is built on */
    Fetcher(ConsumerConfig config, NetworkClient client, String clientId, List<ConsumerHook> clusterHooks) {
        this.config = config;
        this.client = client;
        this.clock = client.clock();
        this.clientId = clientId;
        List<ConsumerHook> hooks = new ArrayList<>(config.hooks());
        hooks.addAll(clusterHooks);
        this.hooks = new ConsumerHooks(hooks, clientId);
        this.reader = RecordBatchReader.builder()
                .verifyChecksums(config.checkCrcs())
                .maxDecompressedBytes(config.maxDecompressedBytes())
                .build();
        this.retryBackoffNanos = config.network().retryBackoff().toNanos();
        this.retryBackoffMaxNanos = config.network().retryBackoffMax().toNanos();
        this.metadataMaxAgeNanos = config.network().metadataMaxAge().toNanos();
        this.collector = new RecordCollector(this, config, clientId);
        this.thread = JosefThreads.newThread(config.network().threadFactory().orElse(null), clientId, "fetcher",
                this::run);
    }

    void start() {
        thread.start();
    }

    // ---- the application's side: called by Consumer and GroupConsumer on any thread. Each method takes the
    // ---- lock itself, for its own short work, and calls no application code while it holds it.

    void assign(Collection<TopicPartition> wanted) {
        locked(() -> {
            subscription.assign(!wanted.isEmpty());
            setAssignment(new LinkedHashSet<>(wanted));
        });
    }

    void subscribe(Collection<String> topics) {
        locked(() -> {
            subscription.topics(topics);
            seenMetadata = null; // recompute the assignment now
            setAssignment(subscription.partitions(client.metadata(), partitions.keySet()));
            metadataWanted = true;
        });
    }

    void subscribe(Pattern regex) {
        locked(() -> {
            subscription.pattern(regex);
            patternListedAtNanos = 0;
            setAssignment(Set.of());
        });
    }

    /**
     * The group decides the assignment from now on (nothing is read until it
     * assigns), of the topics given, or of those matching {@code regex}: these are
     * listed as for a pattern without a group, and handed to {@code matched} (which
     * must not block) whenever they change.
     */
    void groupSubscribe(Pattern regex, java.util.function.Consumer<Set<String>> matched) {
        locked(() -> {
            if (subscription.mode() != Subscription.Mode.GROUP) {
                subscription.group();
                setAssignment(Set.of());
            }
            subscription.groupPattern(regex, matched);
            patternListedAtNanos = 0;
            wakeFetcher();
        });
    }

    /** Partitions the group assigned: read from their committed offsets. */
    void groupAdd(Collection<TopicPartition> added) {
        locked(() -> {
            if (subscription.mode() != Subscription.Mode.GROUP) {
                return; // unsubscribed meanwhile
            }
            Set<TopicPartition> wanted = new LinkedHashSet<>(partitions.keySet());
            wanted.addAll(added);
            setAssignment(wanted);
        });
    }

    /** Partitions the group took away: nothing of theirs is returned from now on. */
    void groupRemove(Collection<TopicPartition> removed) {
        locked(() -> {
            if (subscription.mode() != Subscription.Mode.GROUP) {
                return;
            }
            Set<TopicPartition> wanted = new LinkedHashSet<>(partitions.keySet());
            wanted.removeAll(removed);
            setAssignment(wanted);
        });
    }

    /**
     * Stops reading every partition, handing them first to {@code take} in the
     * same hold of the lock, so no record is handed out between the two.
     */
    <T> T groupRemoveAll(Function<Set<TopicPartition>, T> take) {
        lock.lock();
        try {
            Set<TopicPartition> all = new TreeSet<>(partitions.keySet());
            T taken = take.apply(all);
            groupRemove(all);
            return taken;
        } finally {
            lock.unlock();
        }
    }

    Subscription.Mode mode() {
        lock.lock();
        try {
            return subscription.mode();
        } finally {
            lock.unlock();
        }
    }

    /** The partitions read now, sorted. */
    Set<TopicPartition> assignment() {
        lock.lock();
        try {
            return Collections.unmodifiableSet(new TreeSet<>(partitions.keySet()));
        } finally {
            lock.unlock();
        }
    }

    /**
     * @throws IllegalStateException naming the partitions assigned, when one of
     *         {@code wanted} is not ({@code what} says what was refused)
     */
    void checkAssigned(Collection<TopicPartition> wanted, String what) {
        lock.lock();
        try {
            for (TopicPartition tp : wanted) {
                assigned(tp, what);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Those of {@code wanted} that are assigned now. */
    Set<TopicPartition> assignedOf(Collection<TopicPartition> wanted) {
        lock.lock();
        try {
            Set<TopicPartition> out = new TreeSet<>(wanted);
            out.retainAll(partitions.keySet());
            return out;
        } finally {
            lock.unlock();
        }
    }

    /**
     * What polls have handed out of these partitions (every assigned one when
     * null): the next offset and its leader epoch, for those with a position.
     */
    Map<TopicPartition, OffsetAndMetadata> handedOut(Collection<TopicPartition> which) {
        Map<TopicPartition, OffsetAndMetadata> out = new TreeMap<>();
        lock.lock();
        try {
            for (PartitionState s : partitions.values()) {
                if ((which == null || which.contains(s.partition)) && s.hasPosition() && s.position >= 0) {
                    out.put(s.partition, new OffsetAndMetadata(s.position,
                            s.positionEpoch >= 0 ? OptionalInt.of(s.positionEpoch) : OptionalInt.empty(), ""));
                }
            }
        } finally {
            lock.unlock();
        }
        return out;
    }

    /** Every partition of {@code which} to {@code start}, or none when one is not assigned. */
    void seek(Collection<TopicPartition> which, StartPosition start) {
        locked(() -> {
            List<PartitionState> states = new ArrayList<>();
            for (TopicPartition tp : which) {
                states.add(assigned(Objects.requireNonNull(tp, "partition"), "cannot seek"));
            }
            states.forEach(s -> seek(s, start));
        });
    }

    /** Pauses or resumes every partition of {@code which}, or none when one is not assigned. */
    void pause(Collection<TopicPartition> which, boolean paused) {
        locked(() -> {
            List<PartitionState> states = new ArrayList<>();
            for (TopicPartition tp : which) {
                states.add(assigned(Objects.requireNonNull(tp, "partition"), paused ? "cannot pause"
                        : "cannot resume"));
            }
            for (PartitionState s : states) {
                s.paused = paused;
                if (paused && (s.status == PartitionState.Status.FETCHING
                        || s.status == PartitionState.Status.AWAITING_VALIDATION) && s.position >= 0) {
                    // What was fetched ahead (or is in flight) is let go, so a paused partition holds no buffer
                    // memory that the others need; it is fetched again from its position when resumed.
                    s.dropFetchedAhead();
                }
            }
            dropVoidedFetches();
            wakeFetcher();
            dataReady.signalAll();
        });
    }

    Set<TopicPartition> paused() {
        lock.lock();
        try {
            Set<TopicPartition> paused = new TreeSet<>();
            partitions.values().stream().filter(s -> s.paused).forEach(s -> paused.add(s.partition));
            return Collections.unmodifiableSet(paused);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The position of {@code partition}, waiting until {@code deadline} for it to
     * be found.
     *
     * @throws IllegalStateException for a partition not assigned, or stopped without a position
     * @throws RetriableException    when it is not found in time
     */
    long awaitPosition(TopicPartition partition, long deadline, Duration timeout) {
        lock.lock();
        try {
            while (true) {
                if (closed) {
                    throw new IllegalStateException("the consumer is closed");
                }
                PartitionState s = assigned(partition, "no position for");
                if (s.hasPosition()) {
                    return s.position;
                }
                if (s.status == PartitionState.Status.STOPPED) {
                    throw new IllegalStateException(partition + " has no position: seek to give it one");
                }
                long remaining = deadline - clock.nanoTime();
                if (remaining <= 0) {
                    throw new RetriableException("the position of " + partition + " was not found within " + timeout
                            + " (" + s + ")");
                }
                dataReady.awaitNanos(Math.min(remaining, TimeUnit.MILLISECONDS.toNanos(10)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the position of " + partition, e);
        } finally {
            lock.unlock();
        }
    }

    /** The last fetch's end of {@code partition} (the LSO with read_committed) minus the position. */
    OptionalLong lag(TopicPartition partition) {
        lock.lock();
        try {
            PartitionState s = assigned(partition, "no lag for");
            long end = config.isolationLevel() == IsolationLevel.READ_COMMITTED ? s.lastStableOffset : s.highWatermark;
            if (end < 0 || !s.hasPosition()) {
                return OptionalLong.empty();
            }
            return OptionalLong.of(Math.max(0, end - s.position));
        } finally {
            lock.unlock();
        }
    }

    /** {@link #lag} of every assigned partition whose end and position are known, in one go. */
    Map<TopicPartition, Long> lags() {
        lock.lock();
        try {
            Map<TopicPartition, Long> lags = new LinkedHashMap<>();
            boolean committed = config.isolationLevel() == IsolationLevel.READ_COMMITTED;
            partitions.forEach((tp, s) -> {
                long end = committed ? s.lastStableOffset : s.highWatermark;
                if (end >= 0 && s.hasPosition()) {
                    lags.put(tp, Math.max(0, end - s.position));
                }
            });
            return lags;
        } finally {
            lock.unlock();
        }
    }

    /** What a poll waits for besides records: the consumer's wakeup, and the group's work. */
    interface PollWait {
        /** Called each time round: throws when the consumer was closed meanwhile. */
        void checkOpen();

        /** Whether the poll returns now, with what it has: after {@code Consumer.wakeup}, or for the group's work. */
        boolean returnNow();

        /** The longest single wait, after which {@link #waited} is called (a group member proves it polls). */
        long maxWaitNanos();

        void waited();
    }

    /**
     * The poll's wait: files the errors partitions met and decodes buffered
     * records into {@code records}, up to {@code room}, waiting until
     * {@code deadline} for some, or until {@code wait} says to return.
     *
     * @return how many records were added
     * @throws IllegalStateException once the fetcher has stopped
     */
    int collect(int room, Map<TopicPartition, List<ConsumerRecord>> records,
                Map<TopicPartition, KafkaException> errorsOut, long deadline, PollWait wait) {
        int count = 0;
        lock.lock();
        try {
            while (true) {
                wait.checkOpen();
                if (!errors.isEmpty()) {
                    errorsOut.putAll(errors);
                    errors.clear();
                }
                count += collector.collect(room - count, records, errorsOut);
                if (count > 0 || !errorsOut.isEmpty() || wait.returnNow()) {
                    return count;
                }
                if (closed) {
                    throw new IllegalStateException("the consumer's fetcher has stopped");
                }
                long remaining = deadline - clock.nanoTime();
                if (remaining <= 0) {
                    return count;
                }
                dataReady.awaitNanos(Math.min(remaining, wait.maxWaitNanos()));
                wait.waited();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return count;
        } finally {
            lock.unlock();
        }
    }

    void groupMember(GroupMember member) {
        this.groupMember = member;
    }

    ConsumerHooks hooks() {
        return hooks;
    }

    /** Wakes a poll that waits, to look again (after a wakeup, or when the group has work). */
    void wakePoll() {
        locked(dataReady::signalAll);
    }

    /** Lets go of every buffered fetch, once the fetcher thread has stopped. */
    void releaseBuffer() {
        locked(buffer::clear);
    }

    private void locked(Runnable action) {
        lock.lock();
        try {
            action.run();
        } finally {
            lock.unlock();
        }
    }

    private PartitionState assigned(TopicPartition partition, String what) {
        PartitionState s = partitions.get(partition);
        if (s == null) {
            throw new IllegalStateException(what + " " + partition + ": it is not assigned to this consumer "
                    + "(assigned: " + new TreeSet<>(partitions.keySet()) + ")");
        }
        return s;
    }

    // ---- assignment (under the lock) ----

    private void setAssignment(Set<TopicPartition> wanted) {
        Iterator<Map.Entry<TopicPartition, PartitionState>> it = partitions.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<TopicPartition, PartitionState> e = it.next();
            if (!wanted.contains(e.getKey())) {
                e.getValue().stop(); // voids its buffered and in-flight fetches
                it.remove();
                errors.remove(e.getKey());
            }
        }
        for (TopicPartition tp : wanted) {
            partitions.computeIfAbsent(tp, k -> {
                PartitionState s = new PartitionState(k, resetStart());
                if (config.groupId().isPresent()) {
                    // The group's committed offset first; the reset policy only without one.
                    s.status = PartitionState.Status.AWAITING_COMMITTED;
                    s.pendingReset = null;
                } else if (config.offsetReset() == OffsetReset.NONE) {
                    s.status = PartitionState.Status.STOPPED;
                    s.pendingReset = null;
                    report(s, new KafkaException(k + " has no position and the reset policy is none: "
                            + "seek to give it one"));
                }
                return s;
            });
        }
        dropVoidedFetches();
        wakeFetcher();
    }

    private StartPosition resetStart() {
        return config.offsetReset() == OffsetReset.EARLIEST ? StartPosition.earliest() : StartPosition.latest();
    }

    /** Removes buffered fetches whose partition moved (seek, reset) or left. */
    void dropVoidedFetches() {
        if (buffer.dropVoided(partitions)) {
            wakeFetcher();
        }
    }

    void released(CompletedFetch f) {
        buffer.release(f);
        wakeFetcher();
    }

    void wakeFetcher() {
        if (Thread.currentThread() == thread) {
            return; // the fetcher thread is awake; its loop looks again before it parks
        }
        wake.set(true);
        LockSupport.unpark(thread);
    }

    private void seek(PartitionState s, StartPosition start) {
        errors.remove(s.partition);
        if (start.kind == StartPosition.Kind.OFFSET) {
            s.reposition(start.value, -1);
            s.validatedLeaderEpoch = -1;
        } else {
            s.reset(start);
        }
        dropVoidedFetches();
        wakeFetcher();
    }

    /** Files an error for the next poll; the latest error of a partition wins. */
    private void report(PartitionState s, KafkaException error) {
        errors.put(s.partition, error);
        dataReady.signalAll();
    }

    void close() {
        lock.lock();
        try {
            closed = true;
            dataReady.signalAll();
        } finally {
            lock.unlock();
        }
        wakeFetcher();
    }

    boolean awaitStopped(long millis) throws InterruptedException {
        thread.join(Math.max(1, millis));
        return !thread.isAlive();
    }

    // ---- the fetcher thread ----

    private void run() {
        try {
            while (true) {
                wake.set(false);
                long next;
                List<Runnable> calls = List.of();
                lock.lock();
                try {
                    if (closed) {
                        break;
                    }
                    Runnable event;
                    while ((event = events.poll()) != null) {
                        event.run();
                    }
                    next = pass(clock.nanoTime());
                    if (!hookCalls.isEmpty()) {
                        calls = new ArrayList<>(hookCalls);
                        hookCalls.clear();
                    }
                } finally {
                    lock.unlock();
                }
                calls.forEach(Runnable::run);
                if (!wake.get() && events.isEmpty()) {
                    LockSupport.parkNanos(this, Math.max(1, Math.min(next, IDLE_WAIT_NANOS)));
                }
                if (Thread.interrupted()) {
                    throw new IllegalStateException("the fetcher thread was interrupted");
                }
            }
        } catch (RuntimeException | Error e) {
            LOG.error("consumer {}: the fetcher thread failed; the consumer fetches no more", clientId, e);
            lock.lock();
            try {
                for (PartitionState s : partitions.values()) {
                    report(s, new KafkaException("the consumer's fetcher thread failed: " + e, e));
                }
                closed = true;
                dataReady.signalAll();
            } finally {
                lock.unlock();
            }
            return;
        }
        closeSessions();
    }

    /** Posts work for the fetcher thread from an answer's callback (on the I/O thread). */
    private void post(Runnable event) {
        events.add(event);
        wakeFetcher();
    }

    /** One pass: metadata, resets, validations, fetches. Returns nanos until something is due. */
    private long pass(long now) {
        ClusterMetadata metadata = client.metadata();
        if (metadata != seenMetadata) {
            seenMetadata = metadata;
            onMetadata(metadata, now);
        }
        if (subscription.listsTopics() && !patternListing
                && (patternListedAtNanos == 0 || now - patternListedAtNanos >= metadataMaxAgeNanos)) {
            listTopicsForPattern(now);
        }
        long wait = IDLE_WAIT_NANOS;
        boolean needMetadata = metadataWanted;
        if (subscription.mode() == Subscription.Mode.TOPICS && now - subscribedLookupAtNanos >= 0 && subscribedTopicMissing(metadata)) {
            // A subscribed topic the cluster has not described yet (or that is being created, on request
            // when allow.auto.create.topics is on): asked about again every second, not only at metadata.max.age.
            subscribedLookupAtNanos = now + UNKNOWN_TOPIC_RETRY_NANOS;
            needMetadata = true;
        }
        Map<Integer, List<PartitionState>> resets = new HashMap<>();
        Map<Integer, List<PartitionState>> validations = new HashMap<>();
        Map<Integer, List<PartitionState>> fetches = new HashMap<>();
        boolean bufferFull = buffer.bytes() + reservedBytes >= config.maxBufferedBytes();
        Set<Integer> waitingForRoom = new HashSet<>();
        List<PartitionState> committed = new ArrayList<>();
        for (PartitionState s : partitions.values()) {
            if (s.inFlightNode >= 0 || s.status == PartitionState.Status.STOPPED) {
                continue;
            }
            if (s.retryAtNanos > now) {
                wait = Math.min(wait, s.retryAtNanos - now);
                continue;
            }
            if (s.status == PartitionState.Status.AWAITING_COMMITTED) {
                committed.add(s);
                continue;
            }
            ClusterMetadata.Partition p = partitionOf(metadata, s.partition);
            if (p == null || p.leaderId() < 0 || !metadata.brokers().containsKey(p.leaderId())) {
                needMetadata = true;
                continue;
            }
            switch (s.status) {
                case AWAITING_RESET -> resets.computeIfAbsent(p.leaderId(), k -> new ArrayList<>()).add(s);
                case AWAITING_VALIDATION -> validations.computeIfAbsent(p.leaderId(), k -> new ArrayList<>()).add(s);
                case FETCHING -> {
                    if (p.leaderEpoch() > s.validatedLeaderEpoch && !s.fetchBlocked && !s.pendingOutOfRange) {
                        if (s.fetchEpoch >= 0 && s.validatedLeaderEpoch >= 0) {
                            // A new leader: check that what was fetched is still its log (KIP-320).
                            s.status = PartitionState.Status.AWAITING_VALIDATION;
                            validations.computeIfAbsent(p.leaderId(), k -> new ArrayList<>()).add(s);
                            continue;
                        }
                        s.validatedLeaderEpoch = p.leaderEpoch();
                    }
                    if (s.paused || s.fetchBlocked) {
                        continue;
                    }
                    int node = fetchNode(s, p, metadata, now);
                    if (s.buffered >= MAX_BUFFERED_FETCHES_PER_PARTITION || bufferFull) {
                        if (behind(s)) {
                            waitingForRoom.add(node);
                        }
                        continue;
                    }
                    fetches.computeIfAbsent(node, k -> new ArrayList<>()).add(s);
                }
                default -> { }
            }
        }
        if (needMetadata) {
            wait = Math.min(wait, requestMetadata(now));
        }
        if (!committed.isEmpty() && !committedFetching) {
            fetchCommitted(committed);
        }
        resets.forEach((node, list) -> sendListOffsets(node, list, metadata));
        validations.forEach((node, list) -> sendValidation(node, list, metadata));
        List<Map.Entry<Integer, List<PartitionState>>> sending = new ArrayList<>();
        for (Map.Entry<Integer, List<PartitionState>> e : fetches.entrySet()) {
            int node = e.getKey();
            if (fetchingNodes.contains(node)) {
                continue;
            }
            Long retryAt = nodeRetryAt.get(node);
            if (retryAt != null && retryAt > now) {
                wait = Math.min(wait, retryAt - now);
                continue;
            }
            if (waitingForRoom.contains(node) && e.getValue().stream().noneMatch(this::behind)) {
                // Only partitions at the end of their logs: the broker would hold this fetch for
                // fetch.max.wait.ms, and a partition of this broker with records waiting for buffer room
                // would wait behind it. Fetch them together once that partition has room.
                continue;
            }
            sending.add(e);
        }
        // Brokers with records waiting go first, and the room left in max.buffered.bytes is shared among the
        // brokers fetched now: one broker's Fetch, sent again as soon as it is answered (a long poll on idle
        // partitions, say), must not take all the room every time while another broker's records wait.
        sending.sort(java.util.Comparator.comparing(e -> e.getValue().stream().noneMatch(this::behind)));
        for (int i = 0; i < sending.size(); i++) {
            Map.Entry<Integer, List<PartitionState>> e = sending.get(i);
            // The answer may fill its share of what is left and no more; a broker still returns a first record
            // batch larger than that, so the bound is passed by at most one batch per broker.
            long share = (config.maxBufferedBytes() - buffer.bytes() - reservedBytes) / (sending.size() - i);
            if (share <= 0) {
                continue; // other answers took the room; an answer or a drain wakes this thread
            }
            int maxBytes = (int) Math.min(Math.min(config.fetchMaxBytes(),
                    (long) e.getValue().size() * config.maxPartitionFetchBytes()), share);
            sendFetch(e.getKey(), e.getValue(), metadata, now, maxBytes);
        }
        return wait;
    }

    /** Whether the broker had records past the partition's fetch offset at the last answer (or it is unknown). */
    private boolean behind(PartitionState s) {
        long end = config.isolationLevel() == IsolationLevel.READ_COMMITTED ? s.lastStableOffset : s.highWatermark;
        return end < 0 || s.fetchOffset < end;
    }

    private static ClusterMetadata.Partition partitionOf(ClusterMetadata metadata, TopicPartition tp) {
        ClusterMetadata.Topic t = metadata.topics().get(tp.topic());
        if (t == null || t.error() != ErrorCode.NONE) {
            return null;
        }
        for (ClusterMetadata.Partition p : t.partitions()) {
            if (p.index() == tp.partition()) {
                return p;
            }
        }
        return null;
    }

    private int fetchNode(PartitionState s, ClusterMetadata.Partition p, ClusterMetadata metadata, long now) {
        if (s.preferredReplica >= 0) {
            if (s.preferredReplicaUntilNanos > now && metadata.brokers().containsKey(s.preferredReplica)) {
                return s.preferredReplica;
            }
            s.preferredReplica = -1;
        }
        return p.leaderId();
    }

    private long requestMetadata(long now) {
        if (metadataRefreshing) {
            return IDLE_WAIT_NANOS;
        }
        long due = metadataRequestedAtNanos + retryBackoffNanos;
        if (now < due) {
            return due - now;
        }
        metadataWanted = false;
        metadataRefreshing = true;
        metadataRequestedAtNanos = now;
        Set<String> topics = subscription.describedTopics();
        for (TopicPartition tp : partitions.keySet()) {
            topics.add(tp.topic());
        }
        // allow.auto.create.topics is for subscribed topics only, as in kafka-clients: in TOPICS mode every
        // topic asked for here is a subscribed one.
        boolean mayCreate = config.allowAutoCreateTopics() && subscription.mode() == Subscription.Mode.TOPICS;
        client.refreshMetadata(topics, mayCreate).whenComplete((m, e) -> post(() -> {
            metadataRefreshing = false;
            if (e != null) {
                LOG.debug("consumer {}: metadata refresh failed: {}", clientId, e.toString());
            }
        }));
        return retryBackoffNanos;
    }

    private boolean subscribedTopicMissing(ClusterMetadata metadata) {
        for (String topic : subscription.topics()) {
            ClusterMetadata.Topic t = metadata.topics().get(topic);
            if (t == null || t.error() != ErrorCode.NONE || t.partitions().isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /** What a new metadata snapshot means: assignments of subscriptions, unknown topics. */
    private void onMetadata(ClusterMetadata metadata, long now) {
        if (subscription.mode() == Subscription.Mode.TOPICS || subscription.mode() == Subscription.Mode.PATTERN) {
            Set<TopicPartition> wanted = subscription.partitions(metadata, partitions.keySet());
            if (!wanted.equals(partitions.keySet())) {
                setAssignment(wanted);
            }
        }
        for (PartitionState s : partitions.values()) {
            ClusterMetadata.Topic t = metadata.topics().get(s.partition.topic());
            if (t == null) {
                metadataWanted = true;
                continue;
            }
            boolean missing = t.error() == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION || t.error() == ErrorCode.INVALID_TOPIC_EXCEPTION
                    || (t.error() == ErrorCode.NONE && t.partitions().stream().noneMatch(p -> p.index() == s.partition.partition()));
            if (missing) {
                if (!s.unknownReported) {
                    s.unknownReported = true;
                    String why = t.error() == ErrorCode.NONE
                            ? "topic '" + s.partition.topic() + "' has " + t.partitions().size() + " partitions, not "
                            + (s.partition.partition() + 1)
                            : "topic '" + s.partition.topic() + "' does not exist";
                    report(s, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.exception(s.partition + ": " + why
                            + "; the consumer keeps looking for it"));
                }
                s.retryAtNanos = now + UNKNOWN_TOPIC_RETRY_NANOS;
            } else if (t.error() == ErrorCode.TOPIC_AUTHORIZATION_FAILED) {
                if (!s.unknownReported) {
                    s.unknownReported = true;
                    report(s, t.error().exception(s.partition + ": not authorized to read topic '"
                            + s.partition.topic() + "'"));
                }
            } else if (t.error() == ErrorCode.NONE) {
                s.unknownReported = false;
            }
        }
        if (subscription.mode() == Subscription.Mode.TOPICS) {
            for (String topic : subscription.topics()) {
                ClusterMetadata.Topic t = metadata.topics().get(topic);
                if (t != null && t.error() != ErrorCode.NONE && warnedUnknownTopics.add(topic)) {
                    LOG.warn("consumer {}: subscribed topic '{}' is not readable yet ({}); waiting for it",
                            clientId, topic, t.error());
                } else if (t != null && t.error() == ErrorCode.NONE) {
                    warnedUnknownTopics.remove(topic);
                }
            }
        }
    }

    /** Lists every topic (a Metadata request for all of them) to find those the pattern matches. */
    private void listTopicsForPattern(long now) {
        patternListing = true;
        patternListedAtNanos = now;
        Pattern asked = subscription.pattern();
        MetadataRequest request = new MetadataRequest().setTopics(null).setAllowAutoTopicCreation(false);
        client.send(NetworkClient.ANY_BROKER, request).whenComplete((response, error) -> post(() -> {
            patternListing = false;
            if (error != null) {
                LOG.debug("consumer {}: listing topics for pattern {} failed: {}", clientId, asked, error.toString());
                patternListedAtNanos = clock.nanoTime() - metadataMaxAgeNanos + retryBackoffNanos;
                return;
            }
            Set<String> matching = new HashSet<>();
            for (MetadataResponse.MetadataResponseTopic t : ((MetadataResponse) response).topics()) {
                if (t.errorCode() == 0 && !t.isInternal() && asked.matcher(t.name()).matches()) {
                    matching.add(t.name());
                }
            }
            Subscription.Matched found = subscription.matched(asked, matching);
            if (found == Subscription.Matched.HANDED_TO_GROUP || found == Subscription.Matched.CHANGED) {
                LOG.info("consumer {}: pattern {} matches topics {}", clientId, asked, new TreeSet<>(matching));
            }
            if (found == Subscription.Matched.CHANGED) {
                client.refreshMetadata(matching).whenComplete((m, e) -> post(() -> seenMetadata = null));
            }
        }));
    }

    // ---- OffsetFetch: the group's committed offsets as start positions ----

    private void fetchCommitted(List<PartitionState> list) {
        String groupId = config.groupId().orElseThrow();
        committedFetching = true;
        Map<TopicPartition, Integer> generations = new HashMap<>();
        for (PartitionState s : list) {
            s.inFlightNode = COMMITTED_IN_FLIGHT;
            generations.put(s.partition, s.generation);
        }
        List<TopicPartition> asked = new ArrayList<>(generations.keySet());
        GroupMember member = groupMember;
        // A KIP-848 member's OffsetFetch carries its id and epoch; a classic member's carries neither.
        String memberId = member instanceof ConsumerGroupMember && member.generation() > 0 ? member.memberId() : null;
        int memberEpoch = memberId != null ? member.generation() : -1;
        client.coordinator(NetworkClient.CoordinatorType.GROUP, groupId)
                .thenCompose(node -> client.send(node, ChannelKind.OTHER, ApiKey.OFFSET_FETCH,
                        OffsetRequests.fetch(groupId, asked, memberId, memberEpoch), OffsetRequests.MAX_FETCH_VERSION))
                .whenComplete((response, error) -> post(() -> committedAnswered(list, generations,
                        (OffsetFetchResponse) response, error)));
    }

    private void committedAnswered(List<PartitionState> list, Map<TopicPartition, Integer> generations,
                                   OffsetFetchResponse response, Throwable error) {
        committedFetching = false;
        long now = clock.nanoTime();
        OffsetRequests.Fetched fetched = response == null ? null : OffsetRequests.fetched(response);
        ErrorCode top = fetched == null ? ErrorCode.NONE : fetched.error();
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof dev.josef.kafka.protocol.BrokerException b && !b.errorCode().retriable()) {
            // Not authorized for the group, say: asking again will not help, and a poll must say so.
            error = null;
            top = b.errorCode();
            fetched = new OffsetRequests.Fetched(top, Map.of());
        }
        if (error != null || top == ErrorCode.NOT_COORDINATOR || top == ErrorCode.COORDINATOR_NOT_AVAILABLE) {
            client.invalidateCoordinator(NetworkClient.CoordinatorType.GROUP, config.groupId().orElseThrow());
        }
        for (PartitionState s : list) {
            if (s.inFlightNode == COMMITTED_IN_FLIGHT) {
                s.inFlightNode = -1;
            }
            if (partitions.get(s.partition) != s || s.generation != generations.get(s.partition)
                    || s.status != PartitionState.Status.AWAITING_COMMITTED) {
                continue; // sought or unassigned meanwhile
            }
            OffsetRequests.Committed c = fetched == null ? null : fetched.partitions().get(s.partition);
            ErrorCode code = top != ErrorCode.NONE ? top : error != null || c == null ? ErrorCode.UNKNOWN_SERVER_ERROR
                    : c.error();
            boolean unanswered = top == ErrorCode.NONE && (error != null || c == null);
            if (unanswered || code.retriable() || code == ErrorCode.NOT_COORDINATOR
                    || code == ErrorCode.COORDINATOR_NOT_AVAILABLE || code == ErrorCode.COORDINATOR_LOAD_IN_PROGRESS
                    || code == ErrorCode.UNSTABLE_OFFSET_COMMIT || code == ErrorCode.STALE_MEMBER_EPOCH
                    || code == ErrorCode.UNKNOWN_MEMBER_ID) {
                // UNSTABLE_OFFSET_COMMIT (KIP-447): a transaction's offsets are pending; ask again shortly.
                // STALE_MEMBER_EPOCH, UNKNOWN_MEMBER_ID (KIP-848): the member's epoch moves on, or it rejoins.
                LOG.debug("consumer {}: the committed offset of {} is not known yet ({}); asking again", clientId,
                        s.partition, error != null ? error.toString() : code);
                s.retryAtNanos = now + retryBackoffNanos;
                continue;
            }
            if (code != ErrorCode.NONE) {
                s.stop();
                report(s, code.exception(s.partition + ": reading the group's committed offset failed; seek to go on"));
            } else if (c.offset() != null) {
                LOG.debug("consumer {}: {} starts at its committed offset {}", clientId, s.partition, c.offset());
                int epoch = c.offset().wireEpoch();
                s.reposition(c.offset().offset(), epoch);
                // A committed epoch older than the leader's is checked for truncation before fetching (KIP-320).
                s.validatedLeaderEpoch = epoch;
                dataReady.signalAll();
            } else if (config.offsetReset() == OffsetReset.NONE) {
                s.stop();
                report(s, new KafkaException(s.partition + " has no committed offset in group "
                        + config.groupId().orElseThrow() + " and the reset policy is none: seek to give it one"));
            } else {
                s.reset(resetStart());
            }
        }
        wakeFetcher();
    }

    // ---- ListOffsets: positions for partitions that need one ----

    private void sendListOffsets(int node, List<PartitionState> list, ClusterMetadata metadata) {
        Map<String, ListOffsetsRequest.ListOffsetsTopic> topics = new LinkedHashMap<>();
        Map<TopicPartition, Integer> generations = new HashMap<>();
        for (PartitionState s : list) {
            ClusterMetadata.Partition p = partitionOf(metadata, s.partition);
            s.inFlightNode = node;
            generations.put(s.partition, s.generation);
            topics.computeIfAbsent(s.partition.topic(), t -> new ListOffsetsRequest.ListOffsetsTopic().setName(t))
                    .partitions().add(new ListOffsetsRequest.ListOffsetsPartition()
                            .setPartitionIndex(s.partition.partition())
                            .setCurrentLeaderEpoch(p == null ? -1 : p.leaderEpoch())
                            .setTimestamp(s.pendingReset.listOffsetsTimestamp()));
        }
        ListOffsetsRequest request = new ListOffsetsRequest()
                .setReplicaId(-1)
                .setIsolationLevel(config.isolationLevel().id())
                .setTimeoutMs((int) Math.min(Integer.MAX_VALUE, config.network().requestTimeout().toMillis()))
                .setTopics(new ArrayList<>(topics.values()));
        client.send(node, ChannelKind.OTHER, request, ApiKey.LIST_OFFSETS.latestStableVersion())
                .whenComplete((response, error) -> post(() -> listOffsetsAnswered(node, list, generations,
                        (ListOffsetsResponse) response, error)));
    }

    private void listOffsetsAnswered(int node, List<PartitionState> list, Map<TopicPartition, Integer> generations,
                                     ListOffsetsResponse response, Throwable error) {
        Map<TopicPartition, ListOffsetsResponse.ListOffsetsPartitionResponse> answers = new HashMap<>();
        if (response != null) {
            for (ListOffsetsResponse.ListOffsetsTopicResponse t : response.topics()) {
                for (ListOffsetsResponse.ListOffsetsPartitionResponse p : t.partitions()) {
                    answers.put(new TopicPartition(t.name(), p.partitionIndex()), p);
                }
            }
        }
        settle(node, list, tp -> generations.get(tp), PartitionState.Status.AWAITING_RESET, answers, error,
                ListOffsetsResponse.ListOffsetsPartitionResponse::errorCode,
                "finding the start offset failed; seek to try again", (s, p, code) -> {
                    if (code != ErrorCode.NONE) {
                        return false;
                    }
                    if (p.offset() < 0) {
                        // No record at or after the timestamp: the end of the log, as kafka-clients' offsetsForTimes.
                        s.reset(StartPosition.latest());
                        return true;
                    }
                    LOG.debug("consumer {}: {} starts at offset {} ({})", clientId, s.partition, p.offset(),
                            s.pendingReset);
                    s.reposition(p.offset(), p.leaderEpoch());
                    s.validatedLeaderEpoch = partitionEpoch(s.partition);
                    dataReady.signalAll(); // position() may be waiting
                    return true;
                });
    }

    /** What a partition's answer to ListOffsets or OffsetForLeaderEpoch does; false leaves an error to the default. */
    private interface Answer<A> {
        boolean apply(PartitionState s, A answer, ErrorCode code);
    }

    /**
     * Matches the partitions of one ListOffsets or OffsetForLeaderEpoch request with
     * their answers. A partition sought or reset since ({@code generation} changed,
     * or no longer in the {@code waiting} status) ignores its answer; a missing
     * answer or a retriable error retries after a backoff with fresh metadata; an
     * error {@code apply} does not take stops the partition and is reported.
     */
    private <A> void settle(int node, List<PartitionState> list, ToIntFunction<TopicPartition> generation,
                            PartitionState.Status waiting, Map<TopicPartition, A> answers, Throwable error,
                            Function<A, Short> errorCode, String failure, Answer<A> apply) {
        long now = clock.nanoTime();
        for (PartitionState s : list) {
            if (s.inFlightNode == node) {
                s.inFlightNode = -1;
            }
            if (partitions.get(s.partition) != s || s.generation != generation.applyAsInt(s.partition)
                    || s.status != waiting) {
                continue; // sought elsewhere meanwhile
            }
            A answer = answers.get(s.partition);
            if (error != null || answer == null) {
                s.retryAtNanos = now + retryBackoffNanos;
                metadataWanted = true;
                continue;
            }
            ErrorCode code = ErrorCode.forCode(errorCode.apply(answer));
            if (apply.apply(s, answer, code)) {
                continue;
            }
            if (code.retriable() || code == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
                s.retryAtNanos = now + retryBackoffNanos;
                metadataWanted = true;
            } else {
                s.stop();
                report(s, code.exception(s.partition + ": " + failure));
            }
        }
        wakeFetcher();
    }

    private int partitionEpoch(TopicPartition tp) {
        ClusterMetadata.Partition p = partitionOf(client.metadata(), tp);
        return p == null ? -1 : p.leaderEpoch();
    }

    // ---- OffsetForLeaderEpoch: truncation detection after a leader change (KIP-320) ----

    private void sendValidation(int node, List<PartitionState> list, ClusterMetadata metadata) {
        Map<String, OffsetForLeaderEpochRequest.OffsetForLeaderTopic> topics = new LinkedHashMap<>();
        Map<TopicPartition, int[]> sent = new HashMap<>();
        for (PartitionState s : list) {
            ClusterMetadata.Partition p = partitionOf(metadata, s.partition);
            int leaderEpoch = p == null ? -1 : p.leaderEpoch();
            s.inFlightNode = node;
            sent.put(s.partition, new int[] {s.generation, leaderEpoch});
            topics.computeIfAbsent(s.partition.topic(), t -> new OffsetForLeaderEpochRequest.OffsetForLeaderTopic()
                            .setTopic(t))
                    .partitions().add(new OffsetForLeaderEpochRequest.OffsetForLeaderPartition()
                            .setPartition(s.partition.partition())
                            .setCurrentLeaderEpoch(leaderEpoch)
                            .setLeaderEpoch(s.fetchEpoch));
        }
        OffsetForLeaderEpochRequest request = new OffsetForLeaderEpochRequest()
                .setReplicaId(-1)
                .setTopics(new ArrayList<>(topics.values()));
        client.send(node, ChannelKind.OTHER, request, ApiKey.OFFSET_FOR_LEADER_EPOCH.latestStableVersion())
                .whenComplete((response, error) -> post(() -> validated(node, list, sent,
                        (OffsetForLeaderEpochResponse) response, error)));
    }

    private void validated(int node, List<PartitionState> list, Map<TopicPartition, int[]> sent,
                           OffsetForLeaderEpochResponse response, Throwable error) {
        Map<TopicPartition, OffsetForLeaderEpochResponse.EpochEndOffset> answers = new HashMap<>();
        if (response != null) {
            for (OffsetForLeaderEpochResponse.OffsetForLeaderTopicResult t : response.topics()) {
                for (OffsetForLeaderEpochResponse.EpochEndOffset p : t.partitions()) {
                    answers.put(new TopicPartition(t.topic(), p.partition()), p);
                }
            }
        }
        settle(node, list, tp -> sent.get(tp)[0], PartitionState.Status.AWAITING_VALIDATION, answers, error,
                OffsetForLeaderEpochResponse.EpochEndOffset::errorCode,
                "checking the position after a leader change failed; seek to go on", (s, p, code) -> {
                    // UNSUPPORTED_VERSION: the broker cannot tell, so go on, as kafka-clients does.
                    if (code != ErrorCode.NONE && code != ErrorCode.UNSUPPORTED_VERSION) {
                        return false;
                    }
                    s.status = PartitionState.Status.FETCHING;
                    s.validatedLeaderEpoch = sent.get(s.partition)[1];
                    if (code == ErrorCode.NONE && p.leaderEpoch() >= 0 && p.endOffset() >= 0) {
                        truncatedTo(s, p.endOffset(), p.leaderEpoch());
                    }
                    return true;
                });
    }

    /**
     * The leader's log ends, for what this consumer fetched, at {@code endOffset}
     * (from OffsetForLeaderEpoch or a Fetch's diverging epoch). Below what the
     * application already got, that is a truncation it must hear of.
     */
    private void truncatedTo(PartitionState s, long endOffset, int epoch) {
        if (endOffset >= s.fetchOffset) {
            return;
        }
        if (endOffset < s.position) {
            boolean resume = config.offsetReset() != OffsetReset.NONE;
            LogTruncationException error = new LogTruncationException(s.partition, s.position, endOffset, resume);
            LOG.warn("consumer {}: {}", clientId, error.getMessage());
            if (resume) {
                s.reposition(endOffset, epoch);
            } else {
                s.stop();
            }
            report(s, error);
        } else {
            // Only data fetched ahead of the application is gone: fetch again from the application's position.
            s.reposition(s.position, s.positionEpoch);
        }
        s.validatedLeaderEpoch = partitionEpoch(s.partition);
        dropVoidedFetches();
    }

    // ---- Fetch ----

    private void sendFetch(int node, List<PartitionState> list, ClusterMetadata metadata, long now, int maxBytes) {
        FetchSession session = sessions.computeIfAbsent(node, FetchSession::new);
        Map<TopicPartition, FetchSession.Wanted> wanted = new LinkedHashMap<>();
        Map<TopicPartition, long[]> sent = new HashMap<>();
        Map<Uuid, String> names = new HashMap<>();
        boolean allHaveIds = true;
        for (PartitionState s : list) {
            ClusterMetadata.Topic t = metadata.topics().get(s.partition.topic());
            ClusterMetadata.Partition p = partitionOf(metadata, s.partition);
            Uuid id = t == null || t.id() == null ? Uuid.ZERO : t.id();
            if (Uuid.ZERO.equals(id)) {
                allHaveIds = false;
            } else {
                names.put(id, s.partition.topic());
            }
            // No last fetched epoch, as kafka-clients: truncation is checked with OffsetForLeaderEpoch when
            // the leader changes, and a broker that is sent one can answer a diverging epoch that is no
            // truncation at all (after an unclean election), which would come back at once, forever.
            wanted.put(s.partition, new FetchSession.Wanted(id, s.fetchOffset, p == null ? -1 : p.leaderEpoch(),
                    -1, config.maxPartitionFetchBytes()));
            sent.put(s.partition, new long[] {s.generation, s.fetchOffset, s.fetchEpoch});
            s.inFlightNode = node;
        }
        // Fetch v13+ names topics by id only; without every id, stay below it. A session opened in one
        // mode is not continued in the other.
        session.useTopicIds(allHaveIds);
        FetchSession.Plan plan = session.plan(wanted);
        short maxVersion = allHaveIds ? ApiKey.FETCH.latestStableVersion() : (short) 12;
        fetchingNodes.add(node);
        reservedBytes += maxBytes;
        long sentAt = clock.nanoTime();
        if (LOG.isTraceEnabled()) {
            LOG.trace("consumer {}: fetch to broker {} (session {}, epoch {}): {} sent, {} forgotten, of {}", clientId,
                    node, plan.sessionId(), plan.epoch(), plan.send().keySet(), plan.forget().keySet(), wanted.keySet());
        }
        client.send(node, ChannelKind.FETCH, ApiKey.FETCH, version -> fetchRequest(plan, version, maxBytes), maxVersion)
                .whenComplete((response, error) -> post(() -> fetched(node, session, plan, list, sent, names,
                        maxBytes, (FetchResponse) response, error, sentAt)));
    }

    private ApiMessage fetchRequest(FetchSession.Plan plan, int version, int maxBytes) {
        boolean ids = version >= 13;
        FetchRequest request = new FetchRequest()
                .setReplicaId(-1)
                .setMaxWaitMs((int) config.fetchMaxWait().toMillis())
                .setMinBytes(config.fetchMinBytes())
                .setMaxBytes(maxBytes)
                .setIsolationLevel(config.isolationLevel().id())
                .setSessionId(plan.sessionId())
                .setSessionEpoch(plan.epoch())
                .setRackId(config.clientRack());
        Map<String, FetchRequest.FetchTopic> topics = new LinkedHashMap<>();
        plan.send().forEach((tp, w) -> topics.computeIfAbsent(tp.topic(), name -> ids
                        ? new FetchRequest.FetchTopic().setTopicId(w.topicId())
                        : new FetchRequest.FetchTopic().setTopic(name))
                .partitions().add(new FetchRequest.FetchPartition()
                        .setPartition(tp.partition())
                        .setFetchOffset(w.fetchOffset())
                        .setCurrentLeaderEpoch(w.currentLeaderEpoch())
                        .setLastFetchedEpoch(w.lastFetchedEpoch())
                        .setPartitionMaxBytes(w.maxBytes())));
        request.setTopics(new ArrayList<>(topics.values()));
        Map<Object, FetchRequest.ForgottenTopic> forgotten = new LinkedHashMap<>();
        plan.forget().forEach((tp, id) -> forgotten.computeIfAbsent(ids ? id : tp.topic(), key -> ids
                ? new FetchRequest.ForgottenTopic().setTopicId(id)
                : new FetchRequest.ForgottenTopic().setTopic(tp.topic())).partitions().add(tp.partition()));
        request.setForgottenTopicsData(new ArrayList<>(forgotten.values()));
        return request;
    }

    private void fetched(int node, FetchSession session, FetchSession.Plan plan, List<PartitionState> list,
                         Map<TopicPartition, long[]> sent, Map<Uuid, String> names, int reserved,
                         FetchResponse response, Throwable error, long sentAt) {
        fetchingNodes.remove(node);
        reservedBytes -= reserved; // what the answer brought is in the buffer's bytes from here on
        long now = clock.nanoTime();
        for (PartitionState s : list) {
            if (s.inFlightNode == node) {
                s.inFlightNode = -1;
            }
        }
        wakeFetcher();
        if (error != null) {
            session.failed();
            Throwable cause = error instanceof CompletionException ? error.getCause() : error;
            LOG.debug("consumer {}: fetch from broker {} failed: {}", clientId, node, cause.toString());
            nodeRetryAt.put(node, now + retryBackoffNanos);
            for (PartitionState s : list) {
                if (s.preferredReplica == node) {
                    s.preferredReplica = -1;
                }
            }
            metadataWanted = true;
            if (!(cause instanceof NetworkException) && !(cause instanceof KafkaException)) {
                LOG.warn("consumer {}: fetch from broker {} failed", clientId, node, cause);
            }
            return;
        }
        ErrorCode top = ErrorCode.forCode(response.errorCode());
        session.answered(plan, top, response.sessionId());
        if (response.throttleTimeMs() > 0) {
            nodeRetryAt.put(node, now + TimeUnit.MILLISECONDS.toNanos(response.throttleTimeMs()));
        }
        if (top != ErrorCode.NONE) {
            LOG.debug("consumer {}: fetch from broker {} answered {}", clientId, node, top);
            if (top != ErrorCode.FETCH_SESSION_ID_NOT_FOUND && top != ErrorCode.INVALID_FETCH_SESSION_EPOCH) {
                nodeRetryAt.put(node, now + retryBackoffNanos);
            }
            return;
        }
        int answered = 0;
        long bytes = 0;
        List<TopicPartition> rotated = new ArrayList<>();
        for (FetchResponse.FetchableTopicResponse t : response.responses()) {
            String topic = t.topicId() != null && !Uuid.ZERO.equals(t.topicId()) ? names.get(t.topicId()) : t.topic();
            if (topic == null) {
                continue; // an id this request did not name
            }
            for (FetchResponse.PartitionData p : t.partitions()) {
                TopicPartition tp = new TopicPartition(topic, p.partitionIndex());
                PartitionState s = partitions.get(tp);
                long[] at = sent.get(tp);
                answered++;
                if (p.records() != null) {
                    bytes += p.records().remaining();
                }
                if (s == null || at == null || s.generation != at[0] || s.fetchOffset != at[1]
                        || s.status != PartitionState.Status.FETCHING) {
                    continue; // sought, reset or unassigned since: the answer is void
                }
                partitionFetched(node, s, p, now);
                if (s.buffered > 0 && partitions.get(tp) == s) {
                    rotated.add(tp);
                }
            }
        }
        // Partitions that got data go last, so without a fetch session (where the broker rotates) the
        // ones behind them get the answer's room next time.
        for (TopicPartition tp : rotated) {
            partitions.put(tp, partitions.remove(tp));
        }
        if (LOG.isTraceEnabled()) {
            LOG.trace("consumer {}: fetch answered by broker {} after {} us: {} partitions, {} bytes", clientId, node,
                    (now - sentAt) / 1000, answered, bytes);
        }
        if (!hooks.isEmpty()) {
            long latency = now - sentAt;
            int count = answered;
            long total = bytes;
            hookCalls.add(() -> hooks.fetch(node, count, total, latency));
        }
    }

    private void partitionFetched(int node, PartitionState s, FetchResponse.PartitionData p, long now) {
        ErrorCode code = ErrorCode.forCode(p.errorCode());
        if (p.highWatermark() >= 0) {
            s.highWatermark = p.highWatermark();
        }
        if (p.lastStableOffset() >= 0) {
            s.lastStableOffset = p.lastStableOffset();
        }
        if (p.logStartOffset() >= 0) {
            s.logStartOffset = p.logStartOffset();
        }
        if (code != ErrorCode.CORRUPT_MESSAGE) {
            s.corruptAnswers = 0;
        }
        switch (code) {
            case NONE -> {
                if (p.divergingEpoch() != null && p.divergingEpoch().epoch() >= 0) {
                    long before = s.fetchOffset;
                    truncatedTo(s, p.divergingEpoch().endOffset(), p.divergingEpoch().epoch());
                    if (s.fetchOffset == before) {
                        s.retryAtNanos = now + retryBackoffNanos; // nothing to act on: do not ask again at once
                    }
                    return;
                }
                if (p.preferredReadReplica() >= 0 && p.preferredReadReplica() != node) {
                    s.preferredReplica = p.preferredReadReplica();
                    s.preferredReplicaUntilNanos = now + metadataMaxAgeNanos;
                    LOG.debug("consumer {}: {} is read from broker {} (KIP-392)", clientId, s.partition,
                            s.preferredReplica);
                } else if (p.preferredReadReplica() < 0 && s.preferredReplica >= 0 && s.preferredReplica != node) {
                    // The leader stopped naming a replica.
                    s.preferredReplica = -1;
                }
                ByteBuffer records = p.records();
                if (records == null || !records.hasRemaining() || s.paused) {
                    return; // a paused partition's records are fetched again from its position on resume
                }
                boolean readCommitted = config.isolationLevel() == IsolationLevel.READ_COMMITTED;
                long visibleEnd = readCommitted && p.lastStableOffset() >= 0 ? p.lastStableOffset() : p.highWatermark();
                // Every answer goes to the poll, even one with no whole batch in it: since Fetch v3 (KIP-74) a
                // broker answers an incomplete first batch with no records, so that is a corrupt size field,
                // which the poll reports.
                long[] end = CompletedFetch.end(records, reader, s.fetchOffset, visibleEnd);
                CompletedFetch fetch = new CompletedFetch(s, s.fetchOffset, s.fetchEpoch, end == null ? -1 : end[0],
                        visibleEnd, records, p.abortedTransactions(), readCommitted, reader);
                if (end == null) {
                    s.fetchBlocked = true; // where this fetch ends is unknown until the application reads it
                } else {
                    s.fetchOffset = end[0];
                    if (end[1] >= 0) {
                        s.fetchEpoch = (int) end[1];
                    }
                }
                buffer.add(fetch);
                dataReady.signalAll();
            }
            case OFFSET_OUT_OF_RANGE -> {
                if (s.preferredReplica == node) {
                    // A follower may lag or lead the leader's view: ask the leader before resetting.
                    s.preferredReplica = -1;
                    return;
                }
                if (s.position < s.fetchOffset) {
                    // Data before the bad offset is still buffered and valid: act once the application has it.
                    s.fetchBlocked = true;
                    s.pendingOutOfRange = true;
                } else {
                    outOfRange(s);
                }
            }
            case NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH, LEADER_NOT_AVAILABLE,
                 REPLICA_NOT_AVAILABLE, KAFKA_STORAGE_ERROR, OFFSET_NOT_AVAILABLE, UNKNOWN_TOPIC_ID,
                 INCONSISTENT_TOPIC_ID, UNKNOWN_TOPIC_OR_PARTITION, NOT_COORDINATOR, BROKER_NOT_AVAILABLE,
                 REQUEST_TIMED_OUT, UNKNOWN_SERVER_ERROR -> {
                LOG.debug("consumer {}: fetching {} from broker {}: {}", clientId, s.partition, node, code);
                if (s.preferredReplica == node) {
                    s.preferredReplica = -1;
                }
                s.retryAtNanos = now + retryBackoffNanos;
                metadataWanted = true;
            }
            case CORRUPT_MESSAGE -> unreadableAtBroker(node, s, now);
            default -> {
                if (code.retriable()) {
                    s.retryAtNanos = now + retryBackoffNanos;
                    metadataWanted = true;
                } else {
                    s.stop();
                    report(s, code.exception(s.partition + ": fetching at offset " + s.fetchOffset
                            + " failed; seek to try again"));
                }
            }
        }
    }

    /**
     * The broker could not read the partition's log at the fetch offset: CORRUPT_MESSAGE, which it answers
     * when its scan of a segment meets a batch whose size field is below any format's minimum. Behaviour 4:
     * the poll reports it (naming the broker and the offset), every time the broker answers it, and the
     * partition is fetched again after a backoff that doubles from retry.backoff.ms up to retry.backoff.max.ms,
     * which bounds how often it is reported. It is not stopped: the consumer holds no bytes and no end offset
     * for the batch handler to decide on (a skip needs the end; a stop would leave the application nothing to
     * do but seek back to the same offset), and another replica becoming leader, or a repaired log, serves
     * the offset again without the application. Other partitions are fetched as usual meanwhile.
     */
    private void unreadableAtBroker(int node, PartitionState s, long now) {
        s.corruptAnswers++;
        long backoff = Math.min(retryBackoffMaxNanos, retryBackoffNanos << Math.min(s.corruptAnswers - 1, 20));
        s.retryAtNanos = now + backoff;
        if (s.preferredReplica == node) {
            s.preferredReplica = -1; // the leader may hold a good copy
        }
        metadataWanted = true;
        KafkaException error = ErrorCode.CORRUPT_MESSAGE.exception(s.partition + ": broker " + node
                + " cannot read its log at offset " + s.fetchOffset + " (answer " + s.corruptAnswers + " in a row); "
                + "fetching it again in " + TimeUnit.NANOSECONDS.toMillis(backoff) + " ms, and reporting it each "
                + "time it fails, until it can be read or the application seeks");
        if (s.corruptAnswers == 1) {
            LOG.warn("consumer {}: {}", clientId, error.getMessage());
        } else {
            LOG.debug("consumer {}: {}", clientId, error.getMessage());
        }
        report(s, error);
    }

    /**
     * Called by the polling thread (under the lock) once a partition's buffered
     * fetches are read: an out-of-range answer that waited for them is acted on now.
     */
    void drainedTo(PartitionState s) {
        if (s.buffered == 0 && s.status == PartitionState.Status.FETCHING) {
            if (s.pendingOutOfRange) {
                outOfRange(s);
            } else if (s.fetchBlocked) {
                s.fetchBlocked = false;
                s.fetchOffset = s.position;
                s.fetchEpoch = s.positionEpoch;
            }
        }
        wakeFetcher();
    }

    /** The position is out of the log's range: reset by the policy, or stop and say so. */
    private void outOfRange(PartitionState s) {
        if (config.offsetReset() == OffsetReset.NONE) {
            s.stop();
            report(s, new OffsetOutOfRangeException(s.partition, s.position, s.logStartOffset));
        } else {
            LOG.info("consumer {}: offset {} of {} is out of range; resetting to {}", clientId, s.position,
                    s.partition, config.offsetReset());
            s.reset(resetStart());
            dropVoidedFetches();
        }
    }

    private void closeSessions() {
        List<CompletableFuture<ApiMessage>> closing = new ArrayList<>();
        for (FetchSession session : sessions.values()) {
            if (!session.isOpen()) {
                continue;
            }
            int id = session.sessionId();
            closing.add(client.send(session.nodeId, ChannelKind.FETCH, ApiKey.FETCH, version -> new FetchRequest()
                    .setReplicaId(-1).setMaxWaitMs(0).setMinBytes(0)
                    .setSessionId(id).setSessionEpoch(FetchSession.FINAL_EPOCH), ApiKey.FETCH.latestStableVersion()));
        }
        try {
            CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).get(1, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.debug("consumer {}: closing fetch sessions: {}", clientId, e.toString());
        }
    }

    @Override
    public String toString() {
        lock.lock();
        try {
            return "Fetcher(" + partitions.values() + ", buffered=" + buffer.size() + " fetches/" + buffer.bytes()
                    + " bytes)";
        } finally {
            lock.unlock();
        }
    }
}
