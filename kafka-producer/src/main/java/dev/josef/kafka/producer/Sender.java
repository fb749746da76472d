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
import java.util.concurrent.ConcurrentSkipListSet;
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
    /** Ids of records without an outcome yet, for flush. */
    private final ConcurrentSkipListSet<Long> outstanding = new ConcurrentSkipListSet<>();
    private final Object completedLock = new Object();

    // Sender thread only:
    private final Map<String, List<PendingRecord>> awaitingMetadata = new LinkedHashMap<>();
    private final Set<Batch> inFlight = new HashSet<>();
    private CompletableFuture<ClusterMetadata> metadataRefresh;
    private long metadataRetryAtNanos;
    private boolean metadataStale;
    private long producerId = RecordBatchBuilder.NO_PRODUCER_ID;
    private short producerEpoch = RecordBatchBuilder.NO_PRODUCER_EPOCH;
    private CompletableFuture<ApiMessage> initProducerId;
    private long initRetryAtNanos;
    private volatile long flushTarget = -1;
    private volatile boolean stopping;
    private volatile String failure;
    private volatile long stopDeadlineNanos;

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
        flushTarget = Math.max(flushTarget, target);
        wakeup();
    }

    boolean awaitCompleted(long target, long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        synchronized (completedLock) {
            Long first;
            while ((first = outstanding.ceiling(Long.MIN_VALUE)) != null && first < target) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(completedLock, left);
            }
            return true;
        }
    }

    void shutdown(long timeoutNanos) {
        stopDeadlineNanos = System.nanoTime() + timeoutNanos;
        flushTarget = Long.MAX_VALUE;
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
                    failEverything("the producer closed before it was sent");
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
        failEverything(reason);
        takeArrivals();
        failEverything(reason);
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
            metadataRefresh = null;
            metadataRetryAtNanos = now + METADATA_RETRY_NANOS;
            if (failed) {
                LOG.debug("a metadata refresh failed; trying again shortly");
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
            List<Batch> expired = new ArrayList<>();
            synchronized (state) {
                for (Iterator<Batch> it = state.queue.iterator(); it.hasNext(); ) {
                    Batch b = it.next();
                    if (!b.inFlight && now - (b.createdNanos + timeout) >= 0
                            && !(config.idempotence() && b.baseSequence >= 0)) {
                        // A batch with a sequence is kept: dropping it would break the partition's sequence.
                        it.remove();
                        expired.add(b);
                    }
                }
            }
            for (Batch b : expired) {
                failBatch(b, "its delivery timeout of " + config.deliveryTimeout() + " passed", null);
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
        long flush = flushTarget;
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
                if (leader < 0) {
                    metadataStale = true;
                    continue;
                }
                if (state.inFlight >= (state.resending ? 1 : maxInFlight)) {
                    continue;
                }
                if (b.retryAtNanos != 0 && now - b.retryAtNanos < 0) {
                    next = Math.min(next, b.retryAtNanos);
                    continue;
                }
                boolean ready = b.built != null || state.queue.size() > 1
                        || b.builder.sizeInBytes() >= config.batchSize()
                        || now - (b.createdNanos + lingerNanos) >= 0
                        || b.records.get(b.records.size() - 1).id < flush || stopping;
                if (!ready) {
                    next = Math.min(next, b.createdNanos + lingerNanos);
                    continue;
                }
                if (b.built == null) {
                    if (!claim(b)) {
                        state.queue.pollFirst(); // every record of it was withdrawn
                        next = now;
                        continue;
                    }
                    if (config.idempotence()) {
                        b.baseSequence = state.nextSequence;
                        state.nextSequence = (int) ((state.nextSequence + (long) b.recordCount()) & Integer.MAX_VALUE);
                        b.builder.producerState(producerId, producerEpoch, b.baseSequence);
                    }
                    b.built = b.builder.build();
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
            if (p.state.compareAndSet(PendingRecord.QUEUED, PendingRecord.SENT)) {
                kept.add(p);
            }
        }
        if (kept.size() == b.records.size()) {
            return true;
        }
        b.records.clear();
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
        for (Batch b : batches) {
            b.maybeSent = true;
            inFlight.add(b);
        }
        CompletableFuture<ApiMessage> sent = config.acks() == Acks.NONE
                ? client.sendWithoutResponse(leader, ChannelKind.PRODUCE, ApiKey.PRODUCE, body,
                        ApiKey.PRODUCE.latestStableVersion())
                : client.send(leader, ChannelKind.PRODUCE, ApiKey.PRODUCE, body,
                        ApiKey.PRODUCE.latestStableVersion());
        sent.whenComplete((response, error) -> {
            events.add(() -> handle(batches, (ProduceResponse) response, error));
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
                boolean sent = !(cause instanceof NetworkException n) || n.requestSent();
                if (cause instanceof NetworkException) {
                    metadataStale = true;
                    retryOrFail(state, b, cause.getMessage(), cause, !sent);
                } else {
                    failBatch(b, cause.getMessage(), cause);
                }
                continue;
            }
            if (response == null) { // acks=0: written is all there is
                completeBatch(state, b, -1, -1);
                continue;
            }
            ProduceResponse.PartitionProduceResponse answer = find(response, b);
            if (answer == null) {
                failBatch(b, "the broker's answer did not mention " + b.partition, null);
                continue;
            }
            ErrorCode code = ErrorCode.forCode(answer.errorCode());
            switch (code) {
                case NONE, DUPLICATE_SEQUENCE_NUMBER -> completeBatch(state, b, answer.baseOffset(), answer.logAppendTimeMs());
                case OUT_OF_ORDER_SEQUENCE_NUMBER -> {
                    boolean earlierRetry;
                    synchronized (state) {
                        earlierRetry = state.resending;
                    }
                    if (earlierRetry) {
                        retryOrFail(state, b, code.name(), ErrorCode.exception(answer.errorCode(), answer.errorMessage()), false);
                    } else {
                        failBatch(b, "the broker lost this producer's sequence (" + code + ")",
                                ErrorCode.exception(answer.errorCode(), answer.errorMessage()));
                    }
                }
                default -> {
                    Throwable ex = ErrorCode.exception(answer.errorCode(), answer.errorMessage());
                    if (code.retriable()) {
                        if (code == ErrorCode.NOT_LEADER_OR_FOLLOWER || code == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
                                || code == ErrorCode.LEADER_NOT_AVAILABLE) {
                            metadataStale = true;
                        }
                        retryOrFail(state, b, code.name(), ex, false);
                    } else {
                        failBatch(b, code + ": " + answer.errorMessage(), ex);
                    }
                }
            }
        }
    }

    private static ProduceResponse.PartitionProduceResponse find(ProduceResponse response, Batch b) {
        for (ProduceResponse.TopicProduceResponse t : response.responses()) {
            for (ProduceResponse.PartitionProduceResponse p : t.partitionResponses()) {
                if (p.index() == b.partition.partition()
                        && (b.partition.topic().equals(t.name()) || t.name() == null || t.name().isEmpty())) {
                    return p;
                }
            }
        }
        return null;
    }

    /**
     * Puts a batch back for another try, in sequence order at the front of its
     * partition's queue, unless its delivery timeout has passed. With
     * idempotence, the partition then sends one batch at a time until the
     * batches sent before are through, so a later batch never overtakes it.
     */
    private void retryOrFail(PartitionState state, Batch b, String reason, Throwable cause, boolean notSent) {
        long now = System.nanoTime();
        if (now - (b.createdNanos + config.deliveryTimeout().toNanos()) >= 0 || stopping) {
            failBatch(b, reason + ", and its delivery timeout of " + config.deliveryTimeout() + " passed", cause);
            return;
        }
        if (notSent && b.attempts == 1) {
            b.maybeSent = false;
        }
        b.retryAtNanos = now + backoff(b.attempts);
        synchronized (state) {
            state.resending = config.idempotence();
            // In sequence order among the batches already given sequences.
            List<Batch> front = new ArrayList<>();
            while (!state.queue.isEmpty() && state.queue.peekFirst().baseSequence >= 0
                    && precedes(state.queue.peekFirst(), b)) {
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
        return b.baseSequence < 0 || a.baseSequence < b.baseSequence;
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
        }
        List<PendingRecord> records = b.records;
        callbacks.execute(() -> {
            for (int i = 0; i < records.size(); i++) {
                PendingRecord p = records.get(i);
                long offset = baseOffset < 0 ? -1 : baseOffset + i;
                long timestamp = logAppendTime >= 0 ? logAppendTime : p.timestamp;
                p.future.complete(new RecordMetadata(b.partition.topic(), b.partition.partition(), offset, timestamp));
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

    private void failBatch(Batch b, String reason, Throwable cause) {
        ProduceException.Outcome outcome = b.maybeSent
                ? ProduceException.Outcome.POSSIBLY_PERSISTED : ProduceException.Outcome.NOT_PERSISTED;
        ProduceException failure = new ProduceException(outcome, b.partition.topic(), b.partition.partition(),
                b.recordCount() + " record(s) to " + b.partition + " failed (" + outcome + "): " + reason, cause);
        for (PendingRecord p : b.records) {
            fail(p, failure);
        }
    }

    private void fail(PendingRecord p, Throwable failure) {
        callbacks.execute(() -> p.future.completeExceptionally(failure));
    }

    /** Registers a record at produce, so that flush waits for its outcome, whichever path it takes. */
    void track(PendingRecord p) {
        outstanding.add(p.id);
        p.future.whenComplete((m, e) -> {
            outstanding.remove(p.id);
            synchronized (completedLock) {
                completedLock.notifyAll();
            }
        });
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
