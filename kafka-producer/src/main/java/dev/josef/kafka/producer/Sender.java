package dev.josef.kafka.producer;

import dev.josef.kafka.net.NetworkException;
import dev.josef.kafka.net.internal.ChannelKind;
import dev.josef.kafka.net.internal.ClusterMetadata;
import dev.josef.kafka.net.internal.NetworkClient;
import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.RecordBatchBuilder;
import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.protocol.Uuid;
import dev.josef.kafka.protocol.message.ApiMessage;
import dev.josef.kafka.protocol.message.InitProducerIdRequest;
import dev.josef.kafka.protocol.message.InitProducerIdResponse;
import dev.josef.kafka.protocol.message.ProduceRequest;
import dev.josef.kafka.protocol.message.ProduceResponse;
import dev.josef.kafka.producer.spi.OrderingPolicy;
import dev.josef.kafka.producer.spi.PartitionFailure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * The producer's sender thread: looks up metadata for waiting records, gets a
 * producer id, drains ready batches into one Produce request per leader, and
 * handles the answers (completing, retrying in sequence order, or failing).
 *
 * <p>Everything here runs on the sender thread except {@link #wakeup},
 * {@link #awaitMetadata}, {@link #flushUpTo} and {@link #awaitCompleted}, which
 * hand work over through concurrent queues and fields. Answers arrive on
 * kafka-net's callback thread and are queued for the sender thread. Futures are
 * completed on the producer's callback thread, in order.
 */
final class Sender {
    private static final Logger LOG = LoggerFactory.getLogger(Sender.class);
    private static final long METADATA_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final Producer producer;
    private final ProducerConfig config;
    private final NetworkClient client;
    private final Thread thread;
    private final ExecutorService callbacks;
    private final Semaphore wake = new Semaphore(0);
    private final ConcurrentLinkedQueue<Runnable> events = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<PendingRecord> arriving = new ConcurrentLinkedQueue<>();
    /**
     * Topics with records waiting for metadata. Records join it and leave it under
     * {@code backlogLock}, so a record produced while its topic has a backlog never
     * overtakes the backlog.
     */
    private final Set<String> backlog = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final Object backlogLock = new Object();

    // Sender thread only:
    private final Map<String, List<PendingRecord>> awaitingMetadata = new LinkedHashMap<>();
    private final Set<Batch> inFlight = new HashSet<>();
    private final Map<String, Integer> unknownTopicAnswers = new HashMap<>();
    private List<Runnable> outbox = new ArrayList<>();
    /** Produce requests out per leader: while a leader has its fill, ready batches wait and go together. */
    private final Map<Integer, Integer> leaderRequests = new HashMap<>();
    private CompletableFuture<ClusterMetadata> metadataRefresh;
    private long metadataRetryAtNanos;
    private boolean metadataStale;
    private long producerId = RecordBatchBuilder.NO_PRODUCER_ID;
    private short producerEpoch = RecordBatchBuilder.NO_PRODUCER_EPOCH;
    private CompletableFuture<ApiMessage> initProducerId;
    private long initRetryAtNanos;
    private final java.util.concurrent.atomic.AtomicLong flushTarget = new java.util.concurrent.atomic.AtomicLong(-1);
    private volatile boolean stopping;
    private volatile String failure;
    private volatile long stopDeadlineNanos;
    /** Set before the sender's last pass over what is buffered; a record placed after that is failed by its producer. */
    private volatile boolean exited;

    Sender(Producer producer) {
        this.producer = producer;
        this.config = producer.config;
        this.client = producer.client;
        String id = config.network().clientId().isEmpty() ? "producer" : config.network().clientId();
        this.thread = new Thread(this::run, "josef-" + id + "-producer");
        this.thread.setDaemon(true);
        this.callbacks = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "josef-" + id + "-producer-callbacks");
            t.setDaemon(true);
            return t;
        });
    }

    void start() {
        thread.start();
    }

    void wakeup() {
        if (wake.availablePermits() == 0) {
            wake.release();
        }
    }

    /**
     * Takes a record for a topic whose metadata is not known, or that still has
     * records waiting for it: it joins the end of that topic's line, so records
     * keep the order they were produced in.
     */
    void awaitMetadata(PendingRecord pending) {
        synchronized (backlogLock) {
            backlog.add(pending.record.topic());
            arriving.add(pending);
        }
        wakeup();
    }

    /** Whether records of {@code topic} wait for metadata: a new one must queue behind them. */
    boolean hasBacklog(String topic) {
        return !backlog.isEmpty() && backlog.contains(topic);
    }

    void flushUpTo(long target) {
        flushTarget.accumulateAndGet(target, Math::max);
        wakeup();
    }

    void shutdown(long timeoutNanos) {
        stopDeadlineNanos = System.nanoTime() + timeoutNanos;
        flushTarget.set(Long.MAX_VALUE);
        stopping = true;
        wakeup();
        try {
            thread.join(TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + 5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        callbacks.shutdown();
        try {
            callbacks.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        try {
            while (true) {
                long now = System.nanoTime();
                Runnable event;
                while ((event = events.poll()) != null) {
                    event.run();
                }
                takeArrivals();
                if (stopping && (now - stopDeadlineNanos >= 0 || nothingLeft())) {
                    exited = true;
                    failEverything("the producer closed before it was sent");
                    flushOutbox();
                    return;
                }
                long next = now + TimeUnit.SECONDS.toNanos(1);
                next = Math.min(next, lookUpMetadata(now));
                next = Math.min(next, expire(now));
                if (config.idempotence() && producerId < 0) {
                    next = Math.min(next, initProducerId(now));
                } else {
                    next = Math.min(next, drain(now));
                }
                flushOutbox();
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    wake.tryAcquire(wait, TimeUnit.NANOSECONDS);
                }
                wake.drainPermits();
            }
        } catch (InterruptedException e) {
            stopped("the producer's sender was interrupted");
        } catch (RuntimeException | Error e) {
            LOG.error("the producer's sender failed; failing every buffered record", e);
            stopped("the producer's sender failed: " + e);
        }
    }

    /**
     * After the sender stopped for a reason other than close: nothing would ever
     * send what is buffered or what comes later, so both fail, and produce refuses.
     */
    private void stopped(String reason) {
        failure = reason;
        exited = true;
        failEverything(reason);
        takeArrivals();
        failEverything(reason);
        flushOutbox();
    }

    /**
     * Fails a record that {@code place} refused (a failed partition, a partition
     * that does not exist, a partitioner that threw). On the sender thread (records
     * that waited for metadata) it goes through the outbox, in order and off this
     * thread, so an application callback never blocks the sender; on a producing
     * thread the callback runs right there, as the failure of that call.
     */
    void failPlaced(PendingRecord pending, Throwable error) {
        if (Thread.currentThread() == thread) {
            later(() -> pending.future.settleExceptionally(error));
        } else {
            pending.future.settleExceptionally(error);
        }
    }

    /**
     * Queues work for the callback thread: completions, failures, hooks. One pass
     * of the sender hands it all over as one task, in the order it was queued (so
     * per partition, in order), instead of one hand-over per batch: with small
     * batches that hand-over was a good part of the cost of a record.
     */
    private void later(Runnable task) {
        outbox.add(task);
    }

    private void flushOutbox() {
        if (outbox.isEmpty()) {
            return;
        }
        List<Runnable> tasks = outbox;
        outbox = new ArrayList<>();
        Runnable all = () -> {
            for (Runnable task : tasks) {
                try {
                    task.run();
                } catch (RuntimeException | LinkageError e) {
                    LOG.warn("a completion task failed; the ones after it still run", e);
                }
            }
        };
        try {
            callbacks.execute(all);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            all.run(); // close gave up waiting for this thread and stopped the callback thread: complete here
        }
    }

    /**
     * Whether the sender has made (or is making) its last pass: a record a
     * producing thread placed and then sees this for must be failed by that thread,
     * as the pass may have missed it.
     */
    boolean exited() {
        return exited;
    }

    /** Why the sender stopped on its own, or null while it runs. */
    String failure() {
        return failure;
    }

    private boolean nothingLeft() {
        if (!awaitingMetadata.isEmpty()) {
            return false;
        }
        for (PartitionState state : producer.partitions.values()) {
            synchronized (state) {
                if (!state.queue.isEmpty() || state.inFlight > 0) {
                    return false;
                }
            }
        }
        return true;
    }

    private boolean noneArriving(String topic) {
        for (PendingRecord p : arriving) {
            if (p.record.topic().equals(topic)) {
                return false;
            }
        }
        return true;
    }

    private void takeArrivals() {
        PendingRecord p;
        while ((p = arriving.poll()) != null) {
            awaitingMetadata.computeIfAbsent(p.record.topic(), t -> new ArrayList<>()).add(p);
        }
    }

    /** Places records whose topic became known; asks for the topics still unknown. */
    private long lookUpMetadata(long now) {
        if (metadataRefresh != null && metadataRefresh.isDone()) {
            boolean failed = metadataRefresh.isCompletedExceptionally();
            ClusterMetadata answered = failed ? null : metadataRefresh.join();
            metadataRefresh = null;
            metadataRetryAtNanos = now + METADATA_RETRY_NANOS;
            if (failed) {
                LOG.debug("a metadata refresh failed; trying again shortly");
            } else {
                judgeMissingTopics(answered);
            }
        }
        ClusterMetadata metadata = client.metadata();
        synchronized (backlogLock) {
            takeArrivals();
            for (Iterator<Map.Entry<String, List<PendingRecord>>> it = awaitingMetadata.entrySet().iterator();
                 it.hasNext(); ) {
                Map.Entry<String, List<PendingRecord>> e = it.next();
                ClusterMetadata.Topic topic = metadata.topic(e.getKey()).orElse(null);
                if (topic != null && !topic.partitions().isEmpty() && topic.error() == ErrorCode.NONE) {
                    for (PendingRecord p : e.getValue()) {
                        producer.place(p, topic);
                    }
                    it.remove();
                    backlog.remove(e.getKey());
                }
            }
        }
        boolean needed = !awaitingMetadata.isEmpty() || metadataStale;
        if (needed && metadataRefresh == null && now - metadataRetryAtNanos >= 0) {
            Set<String> topics = new HashSet<>(awaitingMetadata.keySet());
            for (PartitionState state : producer.partitions.values()) {
                topics.add(state.partition.topic());
            }
            metadataStale = false;
            metadataRefresh = client.refreshMetadata(topics);
            metadataRefresh.whenComplete((m, e) -> wakeup());
        }
        return awaitingMetadata.isEmpty() ? Long.MAX_VALUE : now + METADATA_RETRY_NANOS;
    }

    /**
     * Fails the waiting records of topics the cluster refuses for good (not
     * authorized, an invalid name), and of topics it said do not exist more
     * often than {@link ProducerConfig#unknownTopicRetries()} allows.
     */
    private void judgeMissingTopics(ClusterMetadata answered) {
        for (String topic : new ArrayList<>(awaitingMetadata.keySet())) {
            ErrorCode error = answered.topic(topic).map(ClusterMetadata.Topic::error).orElse(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
            if (error == ErrorCode.NONE) {
                unknownTopicAnswers.remove(topic);
            } else if (error == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
                int answers = unknownTopicAnswers.merge(topic, 1, Integer::sum);
                if (answers > config.unknownTopicRetries()) {
                    unknownTopicAnswers.remove(topic);
                    failWaiting(topic, "topic " + topic + " does not exist: " + answers + " metadata answer(s) said "
                            + "UNKNOWN_TOPIC_OR_PARTITION (unknownTopicRetries=" + config.unknownTopicRetries() + ")");
                }
            } else if (!error.retriable()) {
                failWaiting(topic, "the cluster refuses topic " + topic + ": " + error);
            }
        }
    }

    private void failWaiting(String topic, String reason) {
        List<PendingRecord> records;
        synchronized (backlogLock) {
            takeArrivals();
            records = awaitingMetadata.remove(topic);
            backlog.remove(topic);
        }
        if (records != null) {
            ProduceException failure = new ProduceException(ProduceException.Outcome.NOT_PERSISTED, topic, -1, reason, null);
            for (PendingRecord p : records) {
                fail(p, failure);
            }
        }
    }

    /** Fails records and batches that outlived the delivery timeout without being in flight. */
    private long expire(long now) {
        long timeout = config.deliveryTimeout().toNanos();
        long next = Long.MAX_VALUE;
        for (Iterator<Map.Entry<String, List<PendingRecord>>> it = awaitingMetadata.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, List<PendingRecord>> e = it.next();
            for (Iterator<PendingRecord> records = e.getValue().iterator(); records.hasNext(); ) {
                PendingRecord p = records.next();
                if (now - (p.enqueuedNanos + timeout) >= 0) {
                    records.remove();
                    fail(p, new ProduceException(ProduceException.Outcome.NOT_PERSISTED, e.getKey(), -1,
                            "topic " + e.getKey() + " was not found in the cluster's metadata within the delivery timeout "
                                    + config.deliveryTimeout(), null));
                } else {
                    next = Math.min(next, p.enqueuedNanos + timeout);
                }
            }
            if (e.getValue().isEmpty()) {
                it.remove();
                synchronized (backlogLock) {
                    if (!awaitingMetadata.containsKey(e.getKey()) && noneArriving(e.getKey())) {
                        backlog.remove(e.getKey());
                    }
                }
            }
        }
        for (PartitionState state : producer.partitions.values()) {
            List<Batch> expired = null;
            synchronized (state) {
                // The queue is in creation order (batches put back for a retry are older than any
                // behind them), so the scan stops at the first batch still within its time: this runs
                // on every pass of the sender, under the lock producers append with.
                for (Iterator<Batch> it = state.queue.iterator(); it.hasNext(); ) {
                    Batch b = it.next();
                    // Also a batch whose outcome is unknown (POSSIBLY_PERSISTED): decide() restarts the
                    // partition's sequences after it, once the batches behind it are settled.
                    if (now - (b.createdNanos + timeout) < 0) {
                        next = Math.min(next, b.createdNanos + timeout);
                        break;
                    }
                    it.remove();
                    expired = expired == null ? new ArrayList<>() : expired;
                    expired.add(b);
                }
            }
            if (expired != null) {
                List<Batch> gone = expired;
                String reason = "its delivery timeout of " + config.deliveryTimeout() + " passed";
                int failedRecords = expired.stream().mapToInt(Batch::recordCount).sum();
                decide(state, failureOf(gone.get(0), reason, null), failedRecords, () -> {
                    for (Batch b : gone) {
                        failBatch(b, reason, null);
                    }
                });
            }
        }
        return next;
    }

    private long initProducerId(long now) {
        if (initProducerId == null) {
            if (now - initRetryAtNanos < 0) {
                return initRetryAtNanos;
            }
            initProducerId = client.send(NetworkClient.ANY_BROKER, ChannelKind.OTHER, ApiKey.INIT_PRODUCER_ID,
                    version -> new InitProducerIdRequest().setTransactionalId(null).setTransactionTimeoutMs(-1)
                            .setProducerId(-1).setProducerEpoch((short) -1),
                    ApiKey.INIT_PRODUCER_ID.latestStableVersion());
            initProducerId.whenComplete((m, e) -> wakeup());
            return now + TimeUnit.SECONDS.toNanos(1);
        }
        if (!initProducerId.isDone()) {
            return now + TimeUnit.SECONDS.toNanos(1);
        }
        try {
            InitProducerIdResponse response = (InitProducerIdResponse) initProducerId.join();
            ErrorCode error = ErrorCode.forCode(response.errorCode());
            if (error == ErrorCode.NONE) {
                initProducerId = null; // a later reset (epochs used up) asks again
                producerId = response.producerId();
                producerEpoch = response.producerEpoch();
                LOG.debug("producer id {} epoch {}", producerId, producerEpoch);
                return now;
            }
            LOG.debug("InitProducerId answered {}; asking again", error);
        } catch (RuntimeException e) {
            LOG.debug("InitProducerId failed; asking again: {}", e.toString());
        }
        initProducerId = null;
        initRetryAtNanos = now + config.network().retryBackoff().toNanos();
        return initRetryAtNanos;
    }

    /** Sends every ready batch whose leader is known, one request per leader. */
    private long drain(long now) {
        ClusterMetadata metadata = client.metadata();
        long lingerNanos = config.linger().toNanos();
        long flush = flushTarget.get();
        long next = Long.MAX_VALUE;
        Map<Integer, List<Batch>> byLeader = new HashMap<>();
        Map<Integer, Integer> requestBytes = new HashMap<>();
        int maxInFlight = config.idempotence() ? ProducerConfig.MAX_IN_FLIGHT_WITH_IDEMPOTENCE
                : config.network().maxInFlightPerConnection();
        for (PartitionState state : producer.partitions.values()) {
            TopicPartition tp = state.partition;
            int leader = metadata.leader(tp.topic(), tp.partition()).orElse(-1);
            synchronized (state) {
                Batch b = state.queue.peekFirst();
                if (b == null) {
                    continue;
                }
                if (leader < 0 || !metadata.brokers().containsKey(leader)) {
                    metadataStale = true; // no leader, or one that left the cluster (killed, restarting)
                    continue;
                }
                if (!byLeader.containsKey(leader)
                        && leaderRequests.getOrDefault(leader, 0) >= config.network().maxInFlightPerConnection()) {
                    // The connection has all the requests it can pipeline: more would only queue in kafka-net
                    // as small requests. The batches grow meanwhile and leave together when an answer comes.
                    continue;
                }
                if (state.mode == PartitionState.Mode.PAUSED) {
                    continue;
                }
                if (config.idempotence() && !sequencesCurrent(state) && !moveToCurrentEpoch(state, b)) {
                    continue;
                }
                boolean alone = state.resending || (config.idempotence() && !state.sequenceHeld);
                if (state.inFlight >= (alone ? 1 : maxInFlight)) {
                    continue;
                }
                if (b.retryAtNanos != 0 && now - b.retryAtNanos < 0) {
                    next = Math.min(next, b.retryAtNanos);
                    continue;
                }
                // A full batch is closed (built) by the producing thread, by its size on the wire.
                boolean ready = b.built != null || state.queue.size() > 1
                        || now - (b.createdNanos + lingerNanos) >= 0
                        || b.records.get(b.records.size() - 1).id < flush || stopping;
                if (!ready) {
                    next = Math.min(next, b.createdNanos + lingerNanos);
                    continue;
                }
                if (!b.claimed) {
                    if (!claim(b)) {
                        state.queue.pollFirst(); // every record of it was withdrawn
                        next = now;
                        continue;
                    }
                    if (config.idempotence()) {
                        b.baseSequence = state.nextSequence;
                        state.nextSequence = nextSequence(state.nextSequence, b.recordCount());
                        if (b.built != null) {
                            RecordBatchBuilder.rewriteProducerState(b.built.duplicate(), state.producerId, state.epoch,
                                    b.baseSequence);
                        } else {
                            b.builder.producerState(state.producerId, state.epoch, b.baseSequence);
                        }
                    }
                    if (b.built == null) {
                        try {
                            b.built = b.builder.build();
                        } catch (RuntimeException e) {
                            state.queue.pollFirst();
                            if (b.baseSequence >= 0) {
                                state.nextSequence = b.baseSequence; // never sent: its sequences go to the next
                            }
                            failBatch(b, "encoding the batch failed: " + e, e);
                            next = now;
                            continue;
                        }
                    }
                    b.claimed = true;
                }
                int bytes = requestBytes.getOrDefault(leader, 0);
                if (bytes > 0 && bytes + b.built.remaining() > config.maxRequestSize()) {
                    next = now; // the rest goes in the next request
                    continue;
                }
                requestBytes.put(leader, bytes + b.built.remaining());
                state.queue.pollFirst();
                b.inFlight = true;
                b.attempts++;
                state.inFlight++;
                byLeader.computeIfAbsent(leader, l -> new ArrayList<>()).add(b);
                if (!state.queue.isEmpty()) {
                    next = now; // more of this partition may be ready for the next request
                }
            }
        }
        for (Map.Entry<Integer, List<Batch>> e : byLeader.entrySet()) {
            send(e.getKey(), e.getValue(), metadata);
        }
        return next;
    }

    private boolean sequencesCurrent(PartitionState state) {
        return !state.needsReset && state.producerId == producerId && state.epoch == producerEpoch;
    }

    /**
     * Moves a partition's sequences to the producer's current id and epoch when
     * that is safe, with its lock held. It waits while batches are in flight. A
     * batch sent under the old epoch whose outcome is unknown is resent as it was
     * (the broker still holds that epoch's state for the partition) until it is
     * settled; only then do the sequences restart, so that a retry can never
     * write a record twice.
     *
     * @return whether {@code head} may be sent now
     */
    private boolean moveToCurrentEpoch(PartitionState state, Batch head) {
        if (state.inFlight > 0) {
            return false;
        }
        for (Batch q : state.queue) {
            if (q.baseSequence >= 0 && q.unknownAttempt) {
                // Settle the old epoch's batches first, in order: the broker says DUPLICATE for one it
                // has, takes one that follows, and refuses one behind a gap, and only then is it known.
                return head.baseSequence >= 0;
            }
        }
        restartSequences(state);
        return true;
    }

    /** Numbers the partition's sequenced batches again from 0 under the current id and epoch, in queue order. */
    private void restartSequences(PartitionState state) {
        int sequence = 0;
        for (Batch q : state.queue) {
            if (q.baseSequence >= 0) {
                q.baseSequence = sequence;
                RecordBatchBuilder.rewriteProducerState(q.built.duplicate(), producerId, producerEpoch, sequence);
                sequence = nextSequence(sequence, q.recordCount());
            }
        }
        if (state.producerId >= 0) {
            LOG.debug("{}: sequences restart at 0 under producer id {} epoch {}", state.partition, producerId, producerEpoch);
        }
        state.nextSequence = sequence;
        state.producerId = producerId;
        state.epoch = producerEpoch;
        state.needsReset = false;
        state.resending = false;
        state.sequenceHeld = false; // the broker may have no state for this id and epoch: see sequenceHeld
    }

    private static int nextSequence(int sequence, int records) {
        return (int) ((sequence + (long) records) & Integer.MAX_VALUE);
    }

    /**
     * Marks a partition whose sequence has a gap (a batch failed for good or was
     * split) or whose state the broker lost: it sends nothing more until its
     * sequences restart at 0 under an epoch newer than any it used. The epoch is
     * bumped here unless it already moved on since the partition's sequences
     * began (KIP-360: an idempotent producer may raise its own epoch).
     */
    private void requireReset(PartitionState state) {
        if (!config.idempotence()) {
            return;
        }
        synchronized (state) {
            if (state.needsReset) {
                return;
            }
            state.needsReset = true;
            if (state.producerId != producerId || state.epoch != producerEpoch) {
                return;
            }
        }
        if (producerEpoch == Short.MAX_VALUE) {
            LOG.debug("producer id {} used up its epochs; asking for a new id", producerId);
            producerId = RecordBatchBuilder.NO_PRODUCER_ID;
            producerEpoch = RecordBatchBuilder.NO_PRODUCER_EPOCH;
        } else {
            producerEpoch++;
            LOG.debug("producer id {} bumped its epoch to {}", producerId, producerEpoch);
        }
    }

    /**
     * Takes the batch's records for sending, leaving out those the application
     * withdrew first; a batch that lost some is encoded again from the rest.
     * Called once per batch, before it gets its sequence.
     *
     * @return false when no record is left to send
     */
    private boolean claim(Batch b) {
        List<PendingRecord> kept = new ArrayList<>(b.records.size());
        for (PendingRecord p : b.records) {
            if (p.claimForSending()) {
                kept.add(p);
            }
        }
        if (kept.size() == b.records.size()) {
            return true;
        }
        b.records.clear();
        b.built = null; // closed by the producing thread with the withdrawn records in it
        if (kept.isEmpty()) {
            return false;
        }
        RecordBatchBuilder rebuilt = producer.newBuilder();
        for (PendingRecord p : kept) {
            rebuilt.append(p.timestamp, p.record.key(), p.record.value(), p.record.headers());
        }
        b.builder = rebuilt;
        b.records.addAll(kept);
        return true;
    }

    private void send(int leader, List<Batch> batches, ClusterMetadata metadata) {
        IntFunction<ApiMessage> body = version -> {
            Map<String, ProduceRequest.TopicProduceData> topics = new LinkedHashMap<>();
            for (Batch b : batches) {
                ProduceRequest.TopicProduceData data = topics.computeIfAbsent(b.partition.topic(), t -> {
                    ProduceRequest.TopicProduceData d = new ProduceRequest.TopicProduceData();
                    // Produce v13 names topics by id only.
                    if (version >= 13) {
                        d.setTopicId(metadata.topic(t).map(ClusterMetadata.Topic::id).orElse(Uuid.ZERO));
                    } else {
                        d.setName(t);
                    }
                    return d;
                });
                data.partitionData().add(new ProduceRequest.PartitionProduceData()
                        .setIndex(b.partition.partition()).setRecords(b.built.duplicate()));
            }
            return new ProduceRequest().setAcks(config.acks().wire())
                    .setTimeoutMs((int) Math.min(Integer.MAX_VALUE, config.network().requestTimeout().toMillis()))
                    .setTopicData(new ArrayList<>(topics.values()));
        };
        long now = System.nanoTime();
        for (Batch b : batches) {
            // Produce v13+ answers by topic id alone: the batch's answer is found by it.
            b.topicId = metadata.topic(b.partition.topic()).map(ClusterMetadata.Topic::id).orElse(Uuid.ZERO);
            b.maybeSent = true;
            if (b.firstSentNanos == 0) {
                b.firstSentNanos = now;
            }
            inFlight.add(b);
            if (!producer.hooks.isEmpty()) {
                int records = b.recordCount();
                int bytes = b.built.remaining();
                int attempt = b.attempts;
                later(() -> producer.hooks.batchSent(b.partition, records, bytes, attempt));
            }
        }
        leaderRequests.merge(leader, 1, Integer::sum);
        CompletableFuture<ApiMessage> sent = config.acks() == Acks.NONE
                ? client.sendWithoutResponse(leader, ChannelKind.PRODUCE, ApiKey.PRODUCE, body,
                        ApiKey.PRODUCE.latestStableVersion())
                : client.send(leader, ChannelKind.PRODUCE, ApiKey.PRODUCE, body,
                        ApiKey.PRODUCE.latestStableVersion());
        sent.whenComplete((response, error) -> {
            events.add(() -> {
                leaderRequests.merge(leader, -1, Integer::sum);
                handle(batches, (ProduceResponse) response, error);
            });
            wakeup();
        });
    }

    private void handle(List<Batch> batches, ProduceResponse response, Throwable error) {
        Throwable cause = error instanceof java.util.concurrent.CompletionException ? error.getCause() : error;
        for (Batch b : batches) {
            inFlight.remove(b);
            PartitionState state = producer.partitions.get(b.partition);
            synchronized (state) {
                state.inFlight--;
                b.inFlight = false;
            }
            if (cause != null) {
                if (b.doomedBy != null) {
                    failBatch(b, "an earlier batch of " + b.partition + " failed, and this one's request failed too: "
                            + cause.getMessage(), b.doomedBy);
                } else if (cause instanceof NetworkException n) {
                    metadataStale = true;
                    b.unknownAttempt |= n.requestSent();
                    retryOrFail(state, b, cause.getMessage(), cause, !n.requestSent());
                } else {
                    failForGood(state, b, cause.getMessage(), cause);
                }
                continue;
            }
            if (response == null) { // acks=0: written is all there is
                completeBatch(state, b, -1, -1);
                continue;
            }
            ProduceResponse.PartitionProduceResponse answer = find(response, b);
            if (answer == null) {
                failForGood(state, b, "the broker's answer did not mention " + b.partition, null);
                continue;
            }
            ErrorCode code = ErrorCode.forCode(answer.errorCode());
            if (code == ErrorCode.NONE || code == ErrorCode.DUPLICATE_SEQUENCE_NUMBER) {
                completeBatch(state, b, answer.baseOffset(), answer.logAppendTimeMs());
                continue;
            }
            Throwable ex = ErrorCode.exception(answer.errorCode(), answer.errorMessage());
            if (code == ErrorCode.REQUEST_TIMED_OUT || code == ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND) {
                b.unknownAttempt = true; // the leader wrote it; whether it stays is unknown
            } else if (code == ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER || code == ErrorCode.UNKNOWN_PRODUCER_ID) {
                b.unknownAttempt = false; // the broker holds no copy of this sequence (it would say DUPLICATE)
            }
            // Otherwise the broker refused it: unless an attempt went unanswered, it is not in the log.
            b.maybeSent = b.unknownAttempt;
            if (b.doomedBy != null) {
                failBatch(b, "an earlier batch of " + b.partition + " failed, and the broker refused this one (" + code + ")",
                        b.doomedBy);
                continue;
            }
            switch (code) {
                case UNKNOWN_PRODUCER_ID, OUT_OF_ORDER_SEQUENCE_NUMBER -> {
                    if (config.idempotence()) {
                        sequenceError(state, b, code, answer.logStartOffset(), ex);
                    } else {
                        failForGood(state, b, code + ": " + answer.errorMessage(), ex);
                    }
                }
                case MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE -> {
                    if (b.recordCount() > 1) {
                        split(state, b);
                    } else {
                        failForGood(state, b, "the broker refused the record as too large (" + code + "); "
                                + "its topic's max.message.bytes is smaller than the record", ex);
                    }
                }
                default -> {
                    if (code.retriable()) {
                        if (code == ErrorCode.NOT_LEADER_OR_FOLLOWER || code == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
                                || code == ErrorCode.LEADER_NOT_AVAILABLE) {
                            metadataStale = true;
                        }
                        retryOrFail(state, b, code.name(), ex, false);
                    } else {
                        failForGood(state, b, code + ": " + answer.errorMessage(), ex);
                    }
                }
            }
        }
    }

    /**
     * UNKNOWN_PRODUCER_ID or OUT_OF_ORDER_SEQUENCE_NUMBER for an idempotent batch
     * (behaviour 3). After an earlier failure of the partition it is a
     * consequence of that gap, and the batch is resent once the sequences
     * restart. While an earlier batch is being resent, that batch may still fill
     * the gap, so this one waits its turn. Otherwise the broker forgot this
     * producer's sequence: if the log start offset has moved past every offset
     * the producer had acknowledged here, retention or DeleteRecords took the
     * state along with the records and nothing was lost, so the sequences restart
     * under a new epoch and the batch goes again, silently. If not, records the
     * producer had acknowledged may be gone: the data-loss signal fires and the
     * ordering policy decides.
     */
    private void sequenceError(PartitionState state, Batch b, ErrorCode code, long logStartOffset, Throwable ex) {
        boolean afterGap;
        boolean earlierResend;
        long lastAcked;
        synchronized (state) {
            afterGap = state.needsReset;
            earlierResend = state.resending;
            lastAcked = state.lastAckedOffset;
        }
        if (afterGap) {
            requeue(state, b, code.name());
            return;
        }
        if (earlierResend && code == ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER || earlierBatchOut(state, b)) {
            // An earlier batch (resent, in flight elsewhere after a leader change, or queued) may fill the gap.
            retryOrFail(state, b, code.name(), ex, false);
            return;
        }
        if (logStartOffset >= 0 && logStartOffset > lastAcked) {
            LOG.info("{}: the broker no longer knows this producer ({}); its log starts at offset {}, past the last "
                    + "offset acknowledged to it ({}), so nothing was lost: sequences restart under a new epoch",
                    b.partition, code, logStartOffset, lastAcked);
            b.maybeSent = false; // refused: not in the log
            requireReset(state);
            requeue(state, b, code.name());
            return;
        }
        DataLossException loss = new DataLossException(b.partition.topic(), b.partition.partition(), lastAcked,
                logStartOffset, "possible data loss on " + b.partition + ": the broker answered " + code
                + " although its log start offset (" + (logStartOffset < 0 ? "not reported" : logStartOffset)
                + ") is not past the last offset acknowledged to this producer (" + lastAcked + "); records "
                + "acknowledged up to that offset may be gone. This batch of " + b.recordCount()
                + " record(s) is not in the log", ex);
        if (!producer.hooks.isEmpty()) {
            later(() -> producer.hooks.dataLoss(loss));
        }
        b.maybeSent = false;
        failForGood(state, b, loss);
    }

    /** Whether a batch of the partition with an earlier sequence is in flight or waits to be resent. */
    private boolean earlierBatchOut(PartitionState state, Batch b) {
        for (Batch q : inFlight) {
            if (q.partition.equals(b.partition) && q.baseSequence >= 0 && sequenceBefore(q.baseSequence, b.baseSequence)) {
                return true;
            }
        }
        synchronized (state) {
            for (Batch q : state.queue) {
                if (q.baseSequence >= 0 && sequenceBefore(q.baseSequence, b.baseSequence)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Splits a batch the broker refused as too large into two halves that take
     * its place in the queue. With idempotence the partition's sequences restart,
     * since the halves need one more sequence range than the batch had.
     */
    private void split(PartitionState state, Batch b) {
        if (!config.idempotence() && dropAbandoned(b)) {
            producer.recycle(b);
            return; // every record of it was cancelled
        }
        if (b.recordCount() == 1) {
            requeue(state, b, "records cancelled; the rest is encoded again");
            return;
        }
        int half = b.recordCount() / 2;
        Batch first = rebuilt(b, b.records.subList(0, half));
        Batch second = rebuilt(b, b.records.subList(half, b.recordCount()));
        LOG.debug("{}: the broker found a batch of {} records too large; splitting it in two", b.partition,
                b.recordCount());
        synchronized (state) {
            if (config.idempotence()) {
                // Placeholders in the old batch's range, so both sort where it was; rewritten at the restart.
                first.baseSequence = b.baseSequence;
                second.baseSequence = nextSequence(b.baseSequence, half);
                first.builder.producerState(state.producerId, state.epoch, first.baseSequence);
                second.builder.producerState(state.producerId, state.epoch, second.baseSequence);
            }
            try {
                first.built = first.builder.build();
                second.built = second.builder.build();
            } catch (RuntimeException e) {
                failForGood(state, b, "encoding the halves of a batch too large for the broker failed: " + e, e);
                return;
            }
            first.claimed = true;
            second.claimed = true;
        }
        requireReset(state);
        requeue(state, second, "split");
        requeue(state, first, "split");
        producer.recycle(b);
    }

    private Batch rebuilt(Batch from, List<PendingRecord> records) {
        Batch b = producer.newBatch(from.partition, from.createdNanos);
        for (PendingRecord p : records) {
            b.builder.append(p.timestamp, p.record.key(), p.record.value(), p.record.headers());
            b.records.add(p);
        }
        return b;
    }

    private static ProduceResponse.PartitionProduceResponse find(ProduceResponse response, Batch b) {
        for (ProduceResponse.TopicProduceResponse t : response.responses()) {
            boolean named = t.name() != null && !t.name().isEmpty();
            boolean same = named ? b.partition.topic().equals(t.name())
                    : !Uuid.ZERO.equals(b.topicId) && b.topicId.equals(t.topicId());
            if (!same) {
                continue;
            }
            for (ProduceResponse.PartitionProduceResponse p : t.partitionResponses()) {
                if (p.index() == b.partition.partition()) {
                    return p;
                }
            }
        }
        return null;
    }

    /**
     * Puts a batch back for another try, unless its delivery timeout has passed
     * (then it failed for good). With idempotence, the partition then sends one
     * batch at a time until the batches sent before are through, so a later
     * batch never overtakes it. Without idempotence, records the application
     * cancelled meanwhile are left out.
     */
    private void retryOrFail(PartitionState state, Batch b, String reason, Throwable cause, boolean notSent) {
        long now = System.nanoTime();
        // While closing, too: close's deadline ends it, failing whatever is left at once, in order.
        if (now - (b.createdNanos + config.deliveryTimeout().toNanos()) >= 0) {
            failForGood(state, b, reason + ", and its delivery timeout of " + config.deliveryTimeout() + " passed", cause);
            return;
        }
        if (notSent && !b.unknownAttempt) {
            b.maybeSent = false;
        }
        if (!config.idempotence() && dropAbandoned(b)) {
            return;
        }
        b.retryAtNanos = now + backoff(b.attempts);
        synchronized (state) {
            state.resending = config.idempotence();
        }
        requeue(state, b, reason);
    }

    /**
     * Leaves out of a batch the records the application cancelled after they were
     * sent (idempotence off); the rest is encoded again.
     *
     * @return true when nothing is left to send
     */
    private boolean dropAbandoned(Batch b) {
        boolean any = false;
        for (PendingRecord p : b.records) {
            any |= p.state() == PendingRecord.ABANDONED;
        }
        if (!any) {
            return false;
        }
        b.records.removeIf(p -> p.state() == PendingRecord.ABANDONED);
        b.built = null;
        b.claimed = false;
        b.builder = producer.newBuilder();
        for (PendingRecord p : b.records) {
            b.builder.append(p.timestamp, p.record.key(), p.record.value(), p.record.headers());
        }
        return b.records.isEmpty();
    }

    /** Puts a batch back at the front of its partition's queue, in sequence order among the sequenced ones. */
    private void requeue(PartitionState state, Batch b, String reason) {
        synchronized (state) {
            List<Batch> front = new ArrayList<>();
            // Sequenced batches in sequence order; without sequences, retried batches in creation order.
            while (!state.queue.isEmpty() && (state.queue.peekFirst().baseSequence >= 0
                    ? precedes(state.queue.peekFirst(), b)
                    : b.baseSequence < 0 && state.queue.peekFirst().attempts > 0
                    && state.queue.peekFirst().createdNanos <= b.createdNanos)) {
                front.add(state.queue.pollFirst());
            }
            state.queue.addFirst(b);
            for (int i = front.size() - 1; i >= 0; i--) {
                state.queue.addFirst(front.get(i));
            }
        }
        LOG.debug("retrying a batch of {} ({} records, attempt {}): {}", b.partition, b.recordCount(), b.attempts, reason);
    }

    private static boolean precedes(Batch a, Batch b) {
        return b.baseSequence < 0 || sequenceBefore(a.baseSequence, b.baseSequence);
    }

    /** Whether sequence {@code a} comes before {@code b}, across the wrap at 2^31 (they are never 2^30 apart). */
    private static boolean sequenceBefore(int a, int b) {
        int distance = (b - a) & Integer.MAX_VALUE;
        return distance != 0 && distance < (1 << 30);
    }

    private long backoff(int attempts) {
        long base = config.network().retryBackoff().toNanos();
        long max = config.network().retryBackoffMax().toNanos();
        long backoff = base << Math.min(20, Math.max(0, attempts - 1));
        return Math.min(max, backoff);
    }

    private void completeBatch(PartitionState state, Batch b, long baseOffset, long logAppendTime) {
        synchronized (state) {
            if (state.resending && noSequencedBatchLeft(state)) {
                state.resending = false;
            }
            if (b.baseSequence >= 0 && state.producerId == producerId && state.epoch == producerEpoch) {
                state.sequenceHeld = true;
            }
            if (baseOffset >= 0) {
                state.lastAckedOffset = Math.max(state.lastAckedOffset, baseOffset + b.recordCount() - 1);
            }
        }
        List<PendingRecord> records = b.records;
        long sent = b.firstSentNanos;
        producer.recycle(b);
        later(() -> {
            long now = System.nanoTime();
            for (int i = 0; i < records.size(); i++) {
                PendingRecord p = records.get(i);
                long offset = baseOffset < 0 ? -1 : baseOffset + i;
                long timestamp = logAppendTime >= 0 ? logAppendTime : p.timestamp;
                RecordMetadata metadata = new RecordMetadata(b.partition.topic(), b.partition.partition(), offset, timestamp);
                if (!producer.hooks.isEmpty()) {
                    producer.hooks.acknowledged(p.record, metadata, sent - p.enqueuedNanos, now - sent);
                }
                p.future.settle(metadata);
            }
        });
    }

    private static boolean noSequencedBatchLeft(PartitionState state) {
        if (state.inFlight > 0) {
            return false;
        }
        Batch first = state.queue.peekFirst();
        return first == null || first.baseSequence < 0;
    }

    /** Fails a batch's records, saying whether they may be in the log; no policy is asked. */
    private ProduceException failBatch(Batch b, String reason, Throwable cause) {
        ProduceException failure = failureOf(b, reason, cause);
        failBatch(b, failure);
        return failure;
    }

    private static ProduceException failureOf(Batch b, String reason, Throwable cause) {
        ProduceException.Outcome outcome = b.maybeSent
                ? ProduceException.Outcome.POSSIBLY_PERSISTED : ProduceException.Outcome.NOT_PERSISTED;
        return new ProduceException(outcome, b.partition.topic(), b.partition.partition(),
                b.recordCount() + " record(s) to " + b.partition + " failed (" + outcome + "): " + reason, cause);
    }

    private void failBatch(Batch b, ProduceException failure) {
        for (PendingRecord p : b.records) {
            fail(p, failure, b.firstSentNanos);
        }
        producer.recycle(b);
    }

    private void fail(PendingRecord p, Throwable failure) {
        fail(p, failure, 0);
    }

    private void fail(PendingRecord p, Throwable failure, long sentNanos) {
        later(() -> {
            if (!producer.hooks.isEmpty()) {
                long now = System.nanoTime();
                long buffered = (sentNanos == 0 ? now : sentNanos) - p.enqueuedNanos;
                producer.hooks.failed(p.record, failure, buffered, sentNanos == 0 ? 0 : now - sentNanos);
            }
            p.future.settleExceptionally(failure);
        });
    }

    private void failForGood(PartitionState state, Batch b, String reason, Throwable cause) {
        failForGood(state, b, failureOf(b, reason, cause));
    }

    /**
     * Behaviour 1: a batch failed for good. Its records fail with
     * {@code failure}; then, before anything more of the partition can be sent
     * (this runs on the sender thread, between two drains), the ordering policy
     * decides what happens to the records behind it.
     */
    private void failForGood(PartitionState state, Batch b, ProduceException failure) {
        decide(state, failure, b.recordCount(), () -> failBatch(b, failure));
    }

    /**
     * Asks the ordering policy what becomes of a partition one of whose batches
     * failed for good, and does it. With idempotence the partition's sequences
     * restart under a new epoch in any case, since the failed batch left a gap.
     *
     * <p>{@code failTheFailed} completes the failed records' futures. It runs once
     * the partition's new state is in place, so an application that produces again
     * from a failure callback already meets that state (a failed partition, a
     * fresh queue), and before the records behind are failed, so callbacks keep
     * the partition's order.
     */
    private void decide(PartitionState state, ProduceException failure, int failedRecords, Runnable failTheFailed) {
        requireReset(state);
        int behind = 0;
        synchronized (state) {
            for (Batch q : state.queue) {
                behind += q.recordCount();
            }
        }
        for (Batch q : inFlight) {
            if (q.partition.equals(state.partition)) {
                behind += q.recordCount();
            }
        }
        boolean dataLoss = failure instanceof DataLossException;
        OrderingPolicy policy = config.orderingPolicy();
        OrderingPolicy.Action action;
        try {
            action = policy.onFailure(new PartitionFailure(state.partition.topic(), state.partition.partition(),
                    failure, failedRecords, behind, dataLoss));
            if (action == null) {
                throw new NullPointerException("the policy returned no action");
            }
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("ordering policy {} failed for {}; failing the partition, which loses and reorders nothing",
                    policy.name(), state.partition, e);
            action = OrderingPolicy.Action.FAIL_PARTITION;
        }
        LOG.debug("{}: a batch failed for good ({}); ordering policy {} says {}", state.partition,
                failure.getMessage(), policy.name(), action);
        if (action == OrderingPolicy.Action.PAUSE_PARTITION) {
            synchronized (state) {
                state.mode = PartitionState.Mode.PAUSED;
                state.failure = failure;
            }
            failTheFailed.run();
            return;
        }
        List<Batch> buffered;
        synchronized (state) {
            buffered = new ArrayList<>(state.queue);
            state.queue.clear();
            if (action == OrderingPolicy.Action.FAIL_PARTITION) {
                state.mode = PartitionState.Mode.FAILED;
                state.failure = failure;
            }
        }
        for (Batch q : inFlight) {
            if (q.partition.equals(state.partition)) {
                q.doomedBy = failure;
            }
        }
        failTheFailed.run();
        for (Batch q : buffered) {
            failBatch(q, "an earlier record of " + state.partition + " failed for good, and the ordering policy "
                    + policy.name() + " fails what was buffered behind it", failure);
        }
    }

    private void failEverything(String reason) {
        for (List<PendingRecord> records : awaitingMetadata.values()) {
            for (PendingRecord p : records) {
                fail(p, new ProduceException(ProduceException.Outcome.NOT_PERSISTED, p.record.topic(), -1, reason, null));
            }
        }
        awaitingMetadata.clear();
        PendingRecord p;
        while ((p = arriving.poll()) != null) {
            fail(p, new ProduceException(ProduceException.Outcome.NOT_PERSISTED, p.record.topic(), -1, reason, null));
        }
        for (PartitionState state : producer.partitions.values()) {
            List<Batch> left;
            synchronized (state) {
                left = new ArrayList<>(state.queue);
                state.queue.clear();
            }
            for (Batch b : left) {
                failBatch(b, reason, null);
            }
        }
        // Sent, and their answers will not be handled any more.
        for (Batch b : inFlight) {
            failBatch(b, reason + " (it was sent; no answer came in time)", null);
        }
        inFlight.clear();
    }
}
