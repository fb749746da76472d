package dev.josef.kafka.producer;

import dev.josef.kafka.net.Cluster;
import dev.josef.kafka.net.internal.ClusterAccess;
import dev.josef.kafka.net.internal.ClusterMetadata;
import dev.josef.kafka.net.internal.Clock;
import dev.josef.kafka.net.internal.EngineConfigs;
import dev.josef.kafka.net.internal.JosefThreads;
import dev.josef.kafka.net.internal.NetworkClient;
import dev.josef.kafka.net.spi.Hook;
import dev.josef.kafka.producer.spi.Partitioner;
import dev.josef.kafka.producer.spi.ProducerHook;
import dev.josef.kafka.producer.spi.ProducerView;
import dev.josef.kafka.protocol.GroupMetadata;
import dev.josef.kafka.protocol.Header;
import dev.josef.kafka.protocol.TopicNames;
import dev.josef.kafka.protocol.TopicPartition;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * Produces records to Kafka: batched per partition, sent to each partition's
 * leader, idempotent by default.
 *
 * <p>{@code produce} never waits for the network: a record for a topic whose
 * metadata is not known yet waits in the buffer while the producer looks the
 * topic up (letting the broker create it, as kafka-clients does), and fails
 * with the delivery timeout if it never shows up. It waits only for room in
 * the buffer ({@link ProducerConfig#maxBlock()}); {@link #tryProduce} does not
 * wait at all.
 *
 * <p>Outcomes: each record's future completes with its {@link RecordMetadata}
 * (offset -1 with acks=0), or fails with a {@link ProduceException} that says
 * whether the record may be in the log ({@link Persistence}). Bad input fails
 * at the call: a null record, an illegal topic name, a record larger than
 * {@link ProducerConfig#maxRequestSize()}, use after close.
 *
 * <p>Interrupts: an interrupt ends any wait of this class early, as if its time
 * had run out, and the thread stays interrupted. {@code produce} waiting for
 * room fails the record NOT_PERSISTED; {@code produceSync} returns each
 * record's outcome as of that moment; {@code flush} returns false.
 *
 * <p>Threads: one sender thread per producer ({@code josef-<client-id>-sender})
 * drains batches and handles answers; futures complete on the producer's
 * callback thread ({@code josef-<client-id>-callbacks}), in order for each
 * partition: keep callbacks short. No application code (callbacks, future
 * stages, policies, hooks, partitioners) ever runs under a lock of the
 * producer. The producer is safe to share.
 */
public final class Producer implements AutoCloseable {
    /** Bytes a record adds beyond its key, value and headers, at most (varints and attributes). */
    private static final int RECORD_OVERHEAD = 21;
    /** The batch header and the Produce request's framing around one record, at most. */
    private static final int REQUEST_OVERHEAD = 61 + 128;

    final ProducerConfig config;
    private final String clientId;
    private final Clock clock;
    private final ProducerNetwork network;
    private final Runnable closeNetwork;
    final RecordAccumulator accumulator;
    final Outstanding outstanding;
    final ProducerHooks hooks;
    final Completions completions;
    private final MetadataWait metadataWait;
    final Sender sender;
    /** Null when a test drives the sender itself. */
    private final Thread senderThread;
    /** The callback thread; null when the executor was handed in. */
    private final ExecutorService callbackThread;
    private final Set<String> checkedTopics = ConcurrentHashMap.newKeySet();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** The application's transactional calls: their waits, and reporting their ends. */
    private final TransactionCalls calls;
    /** The transaction manager of a transactional producer; null otherwise. */
    final Transactions transactions;

    /**
     * @param callbacks where outcomes are completed; null for the producer's own callback thread
     * @param startSender false for a test that drives {@link Sender#runOnce} itself
     */
    Producer(ProducerConfig config, ProducerNetwork network, Runnable closeNetwork, Clock clock, String clientId,
             Executor callbacks, boolean startSender) {
        this(config, network, closeNetwork, clock, clientId, callbacks, startSender, List.of());
    }

    /** @param clusterHooks hooks of every kind from the network configurations (the shared cluster's, its own) */
    private Producer(ProducerConfig config, ProducerNetwork network, Runnable closeNetwork, Clock clock,
                     String clientId, Executor callbacks, boolean startSender, List<Hook> clusterHooks) {
        this.config = config;
        this.clientId = clientId;
        this.clock = clock;
        this.network = network;
        this.closeNetwork = closeNetwork;
        java.util.concurrent.ThreadFactory threads = config.network().threadFactory().orElse(null);
        this.callbackThread = callbacks == null
                ? Executors.newSingleThreadExecutor(JosefThreads.factory(threads, clientId, "callbacks")) : null;
        if (callbackThread != null) {
            callbackThread.execute(() -> { }); // started now, as the sender is: a thread dump shows the producer whole
        }
        this.outstanding = new Outstanding(clock);
        List<ProducerHook> given = new ArrayList<>(config.hooks());
        for (Hook h : clusterHooks) {
            // Once each: a hook given to the builder with a ClientHook role is in both lists.
            if (h instanceof ProducerHook p && given.stream().noneMatch(g -> g == p)) {
                given.add(p);
            }
        }
        this.hooks = new ProducerHooks(given, clientId);
        this.calls = new TransactionCalls(config.maxBlock(), clock, hooks);
        Sender[] senderRef = new Sender[1];
        Runnable wakeup = () -> senderRef[0].wakeup();
        this.accumulator = new RecordAccumulator(config, clock, wakeup);
        this.completions = new Completions(callbacks != null ? callbacks : callbackThread, hooks, clock, accumulator);
        this.metadataWait = new MetadataWait(config, network, completions, wakeup);
        Idempotence idempotence = config.transactionalId().isPresent()
                ? new Transactions(config.transactionalId().get(), config.transactionTimeout(), network,
                        config.network().retryBackoff(), config.network().requestTimeout())
                : new Idempotence(config.idempotence(), network, config.network().retryBackoff());
        this.transactions = idempotence instanceof Transactions t ? t : null;
        InFlight inFlight = new InFlight();
        OrderingGuard guard = new OrderingGuard(config.orderingPolicy(), accumulator, idempotence, inFlight,
                completions, hooks);
        this.sender = new Sender(config, network, clock, accumulator, metadataWait, idempotence, guard, completions,
                inFlight, this::place);
        senderRef[0] = sender;
        if (transactions != null) {
            transactions.attach(sender.transactionBatches(), wakeup);
            completions.failureListener(transactions::recordFailedNow);
        }
        this.senderThread = startSender ? JosefThreads.newThread(threads, clientId, "sender", sender::run) : null;
        if (senderThread != null) {
            senderThread.start();
        }
        if (!hooks.isEmpty()) {
            hooks.open(new View());
        }
    }

    /** What {@link ProducerHook#onOpen} hands over: reads of atomics and of the metadata snapshot. */
    private final class View implements ProducerView {
        @Override
        public long bufferedBytes() {
            return accumulator.buffer.bytes();
        }

        @Override
        public int bufferedRecords() {
            return accumulator.buffer.records();
        }

        @Override
        public long bufferLimitBytes() {
            return config.bufferMemory();
        }

        @Override
        public int requestsInFlight() {
            return sender.requestsInFlight();
        }

        @Override
        public Optional<InetSocketAddress> leader(TopicPartition partition) {
            return network.metadata().leaderAddress(partition.topic(), partition.partition());
        }
    }

    public static Producer create(ProducerConfig config) {
        Objects.requireNonNull(config, "config");
        String clientId = JosefThreads.clientId(config.network().clientId(), "producer");
        NetworkClient client = NetworkClient.open(EngineConfigs.from(config.network(), clientId));
        return new Producer(config, ProducerNetwork.of(client), client::close, client.clock(), clientId, null, true,
                config.network().clientHooks());
    }

    /**
     * A producer on a shared cluster connection; closing the producer leaves the
     * cluster open. Connection hooks are the cluster's.
     *
     * @throws IllegalArgumentException when {@code config} carries connection hooks
     *                                  ({@code ClientHook}s): give them to the cluster's configuration
     */
    public static Producer create(ProducerConfig config, Cluster cluster) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(cluster, "cluster");
        if (!config.network().hooks().isEmpty()) {
            throw new IllegalArgumentException("a producer on a shared Cluster uses the cluster's connections, and "
                    + "their hooks are the cluster's: give the ClientHooks " + config.network().hooks()
                    + " to the Cluster's NetworkConfig");
        }
        NetworkClient client = ClusterAccess.engine(cluster);
        String clientId = JosefThreads.clientId(config.network().clientId(), "producer");
        List<Hook> hooks = new ArrayList<>(cluster.config().clientHooks());
        hooks.addAll(config.network().clientHooks());
        return new Producer(config, ProducerNetwork.of(client), () -> { }, client.clock(), clientId, null, true,
                hooks);
    }

    /** A producer from kafka-clients property names; see {@link ProducerConfig#fromProperties(Map)}. */
    public static Producer create(Map<String, ?> kafkaClientsProperties) {
        return create(ProducerConfig.fromProperties(kafkaClientsProperties));
    }

    /** The configuration it was created with. */
    public ProducerConfig config() {
        return config;
    }

    /** The configured client id, or the one it took ({@code producer-1}, ...); its threads are named by it. */
    public String clientId() {
        return clientId;
    }

    /**
     * Buffers {@code record} for sending, waiting up to {@code maxBlock} for room.
     *
     * @throws IllegalArgumentException for an illegal topic name or a record too large
     * @throws IllegalStateException    after {@link #close}
     */
    public ProduceFuture produce(ProducerRecord record) {
        return enqueue(record, config.maxBlock().toNanos(), null);
    }

    /** As {@link #produce(ProducerRecord)}, calling {@code callback} with the metadata or the failure. */
    public void produce(ProducerRecord record, BiConsumer<RecordMetadata, Throwable> callback) {
        Objects.requireNonNull(callback, "callback");
        enqueue(record, config.maxBlock().toNanos(), callback);
    }

    /**
     * As {@link #produce(ProducerRecord)}, but never waits: when the buffer is
     * full the future fails at once with a NOT_PERSISTED {@link ProduceException}.
     */
    public ProduceFuture tryProduce(ProducerRecord record) {
        return enqueue(record, 0, null);
    }

    private ProduceFuture enqueue(ProducerRecord given, long waitNanos, BiConsumer<RecordMetadata, Throwable> callback) {
        Objects.requireNonNull(given, "record");
        ensureOpen();
        TransactionException abortable = transactions == null ? null : transactions.checkProduce();
        long transaction = transactions == null ? 0 : transactions.transactionNumber();
        ProducerRecord record = hooks.isEmpty() ? given : hooks.produce(given);
        int size;
        try {
            checkTopic(record.topic());
            size = sizeOf(record);
            checkSize(size);
        } catch (RuntimeException refused) {
            if (!hooks.isEmpty()) {
                hooks.failed(record, refused, 0, 0); // every onProduce gets its outcome (a span is ended)
            }
            throw refused;
        }
        long now = clock.nanoTime();
        long timestamp = record.timestamp() != null ? record.timestamp() : clock.currentTimeMillis();
        if (abortable != null) {
            PendingRecord refused = new PendingRecord(this, record, timestamp, size, now, ids.getAndIncrement(),
                    callback);
            ProduceException failure = new ProduceException(Persistence.NOT_PERSISTED, record.topic(), -1,
                    "the record was not produced: " + abortable.getMessage(), abortable);
            if (!hooks.isEmpty()) {
                hooks.failed(record, failure, 0, 0); // every onProduce gets its outcome (a span is ended)
            }
            refused.refuse(failure);
            return refused.future;
        }
        boolean reserved;
        boolean interrupted = false;
        try {
            reserved = accumulator.buffer.reserve(size, waitNanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reserved = false;
            interrupted = true;
        }
        PendingRecord pending = new PendingRecord(this, record, timestamp, size, now, ids.getAndIncrement(), callback);
        if (!reserved) {
            refusedInTransaction();
            ProduceException full = new ProduceException(Persistence.NOT_PERSISTED, record.topic(), -1, interrupted
                    ? "interrupted while waiting for room in the producer's buffer"
                    : "the producer's buffer is full (" + config.bufferMemory() + " bytes, "
                    + config.maxBufferedRecords() + " records)" + (waitNanos > 0 ? " for "
                    + Duration.ofNanos(waitNanos) : ""), null);
            if (!hooks.isEmpty()) {
                hooks.failed(record, full, clock.nanoTime() - now, 0);
            }
            pending.refuse(full);
            return pending.future;
        }
        if (closed.get()) {
            pending.future.settleExceptionally(new IllegalStateException("the producer is closed"));
            return pending.future;
        }
        ClusterMetadata.Topic topic = network.metadata().topic(record.topic()).orElse(null);
        if (topic == null || topic.partitions().isEmpty() || metadataWait.hasBacklog(record.topic())) {
            metadataWait.await(pending);
        } else {
            ProduceException refused = place(pending, topic);
            if (refused != null) {
                refusedInTransaction();
                // The failure of this call: settled here, on the producing thread, with no lock held.
                if (!hooks.isEmpty()) {
                    hooks.failed(record, refused, clock.nanoTime() - now, 0);
                }
                pending.future.settleExceptionally(refused);
            }
        }
        if (transactions != null && !transactions.takesRecords(transaction) && pending.withdraw()) {
            // Placed while its transaction was being ended (by another thread): taken back, never sent.
            ProduceException late = new ProduceException(Persistence.NOT_PERSISTED, record.topic(),
                    pending.partition, "the record was produced while its transaction was ending; it is not part of "
                    + "any transaction", null);
            if (!hooks.isEmpty()) {
                hooks.failed(record, late, clock.nanoTime() - now, 0);
            }
            pending.future.settleExceptionally(late);
            return pending.future;
        }
        if (sender.exited() && !pending.future.isDone()) {
            // close() or a failure raced with this call: the sender's last pass may have missed the record.
            ProduceException closed = new ProduceException(Persistence.NOT_PERSISTED, record.topic(),
                    pending.partition, "the producer closed before the record was sent", null);
            if (!hooks.isEmpty()) {
                hooks.failed(record, closed, clock.nanoTime() - now, 0);
            }
            pending.future.settleExceptionally(closed);
        }
        return pending.future;
    }

    /** A record of the open transaction was refused at the call: the transaction would commit without it. */
    private void refusedInTransaction() {
        if (transactions != null) {
            transactions.recordFailed(new IllegalStateException("a record of the transaction was refused"));
        }
    }

    /** A record of the open transaction was withdrawn (cancelled, or past a produceSync deadline). */
    void withdrawnInTransaction() {
        if (transactions != null) {
            transactions.recordFailed(new java.util.concurrent.CancellationException(
                    "a record of the transaction was withdrawn before it was sent"));
        }
    }

    /** A record the application cancelled: its hooks hear the outcome, on the cancelling thread. */
    void cancelledByApplication(PendingRecord p, Throwable cancelled) {
        if (!hooks.isEmpty()) {
            hooks.failed(p.record, cancelled, clock.nanoTime() - p.enqueuedNanos, 0);
        }
    }

    /** Checks a topic's name, once per topic. */
    private void checkTopic(String topic) {
        if (!checkedTopics.contains(topic)) {
            TopicNames.validate(topic);
            checkedTopics.add(topic);
        }
    }

    /**
     * Chooses the record's partition (the partitioner runs here, with no lock
     * held) and appends it to that partition's open batch. On a producing
     * thread, or on the sender thread for a record that waited for its topic.
     *
     * @return null when placed; the refusal otherwise, for the caller to settle
     */
    private ProduceException place(PendingRecord pending, ClusterMetadata.Topic topic) {
        ProducerRecord record = pending.record;
        int count = topic.partitions().size();
        int partition;
        try {
            partition = record.partition() != null ? record.partition()
                    : config.partitioner().partition(record.topic(), record.key(), record.value(), count);
        } catch (RuntimeException e) {
            return new ProduceException(Persistence.NOT_PERSISTED, record.topic(), -1, "partitioner "
                    + config.partitioner().name() + " failed for a record of " + record.topic() + ": " + e, e);
        }
        if (partition == Partitioner.UNASSIGNED) {
            partition = accumulator.stickyPartition(topic, pending.size);
        }
        if (partition < 0 || partition >= count) {
            return new ProduceException(Persistence.NOT_PERSISTED, record.topic(), partition, "topic "
                    + record.topic() + " has partitions 0 to " + (count - 1) + "; there is no partition " + partition,
                    null);
        }
        pending.partition = partition;
        PartitionQueue pq = accumulator.partitionQueue(record.topic(), partition);
        PartitionFailedException refused = accumulator.append(pending, pq);
        if (refused != null) {
            return refused;
        }
        if (!hooks.isEmpty()) {
            hooks.buffered(record, pq.partition, pending.size);
        }
        return null;
    }

    private void checkSize(int size) {
        if (size + REQUEST_OVERHEAD > config.maxRequestSize()) {
            throw new IllegalArgumentException("a record of " + size + " bytes (key, value and headers) does not fit "
                    + "a request of maxRequestSize " + config.maxRequestSize() + " bytes");
        }
    }

    static int sizeOf(ProducerRecord record) {
        int size = RECORD_OVERHEAD;
        size += record.key() == null ? 0 : record.key().length;
        size += record.value() == null ? 0 : record.value().length;
        for (Header h : record.headers()) {
            size += 10 + h.key().length() * 3 + (h.value() == null ? 0 : h.value().length);
        }
        return size;
    }

    /**
     * Produces {@code records} and waits for them, returning by {@code timeout}
     * (plus the time to withdraw what is left) with an honest outcome for each:
     * PERSISTED with its offset; NOT_PERSISTED when it failed or was still
     * unsent at the deadline, in which case it is withdrawn and never sent; or
     * POSSIBLY_PERSISTED when it was sent and no answer came in time. A sent
     * record keeps its place and sequence, and the producer settles it in the
     * background: records produced later are neither lost nor reordered. An
     * interrupt is taken as the deadline.
     *
     * @throws IllegalArgumentException for bad input, before anything is produced
     */
    public List<ProduceResult> produceSync(List<ProducerRecord> records, Duration timeout) {
        Objects.requireNonNull(records, "records");
        Objects.requireNonNull(timeout, "timeout");
        for (ProducerRecord r : records) {
            Objects.requireNonNull(r, "record");
            TopicNames.validate(r.topic());
            checkSize(sizeOf(r));
        }
        long deadline = clock.nanoTime() + timeout.toNanos();
        List<ProduceFuture> futures = new ArrayList<>(records.size());
        for (ProducerRecord r : records) {
            futures.add(enqueue(r, Math.max(0, deadline - clock.nanoTime()), null));
        }
        sender.flushUpTo(ids.get());
        List<ProduceResult> results = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            ProduceFuture future = futures.get(i);
            if (!Thread.currentThread().isInterrupted()) {
                try {
                    future.get(Math.max(0, deadline - clock.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (TimeoutException | ExecutionException | java.util.concurrent.CancellationException e) {
                    // the outcome is read below
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // the deadline, now: the rest are read as they stand
                }
            }
            results.add(ProduceResult.of(records.get(i), future));
        }
        return results;
    }

    /**
     * Lets partitions that the {@code fail-partition} ordering policy stopped
     * take records again. Their sequences restart under a new epoch before the
     * first new record is sent, so nothing produced earlier can slip in behind.
     *
     * @return the partitions that were failed and are open now
     */
    public Set<TopicPartition> recoverFailedPartitions(Collection<TopicPartition> failed) {
        return reopen(failed, PartitionQueue.Mode.FAILED);
    }

    /**
     * Lets partitions that the {@code pause-partition} ordering policy held send
     * again, starting with the records they kept, in order.
     *
     * @return the partitions that were paused and are open now
     */
    public Set<TopicPartition> resumePartitions(Collection<TopicPartition> paused) {
        return reopen(paused, PartitionQueue.Mode.PAUSED);
    }

    /** The partitions the {@code fail-partition} policy stopped, until {@link #recoverFailedPartitions}. */
    public Set<TopicPartition> failedPartitions() {
        return accumulator.inMode(PartitionQueue.Mode.FAILED);
    }

    /** The partitions the {@code pause-partition} policy holds, until {@link #resumePartitions}. */
    public Set<TopicPartition> pausedPartitions() {
        return accumulator.inMode(PartitionQueue.Mode.PAUSED);
    }

    private Set<TopicPartition> reopen(Collection<TopicPartition> which, PartitionQueue.Mode from) {
        Objects.requireNonNull(which, "partitions");
        for (TopicPartition tp : which) {
            Objects.requireNonNull(tp, "partition");
        }
        Set<TopicPartition> reopened = accumulator.reopen(which, from);
        sender.wakeup();
        return reopened;
    }

    // ---------------------------------------------------------------- transactions

    /**
     * Registers the producer's {@code transactionalId} with its transaction
     * coordinator: fences any older producer with the same id, and finishes
     * (commits or aborts) a transaction that one left open. Once per producer,
     * before the first {@link #beginTransaction}.
     *
     * @throws IllegalStateException        on a producer without a transactional id, or when called twice
     * @throws TransactionTimeoutException  when it took longer than {@code maxBlock}: call it again to wait on
     * @throws ProducerFencedException      when a newer producer with the id fenced this one meanwhile
     * @throws TransactionFatalException    when the coordinator refused (authorization, a bad timeout, ...)
     */
    public void initTransactions() {
        calls.call("initTransactions", () -> transactions().initTransactions());
    }

    /**
     * Starts a transaction: records produced from now on are written only if
     * {@link #commitTransaction} succeeds. Local: nothing goes to the broker.
     *
     * @throws IllegalStateException before {@link #initTransactions}, or while a transaction is open
     */
    public void beginTransaction() {
        calls.call("beginTransaction", () -> transactions().beginTransaction());
    }

    /**
     * Commits {@code offsets} for {@code group} as part of the transaction: they
     * count only if the transaction commits (KIP-447). {@code group} is the
     * consumer's {@code groupMetadata()} of the moment, so the group coordinator
     * refuses the offsets of a member that was rebalanced away: that refusal is a
     * {@link TransactionAbortableException}. Waits until the offsets are recorded.
     *
     * @throws IllegalStateException         outside a transaction
     * @throws TransactionAbortableException when the group or the transaction refused them
     */
    public void sendOffsetsToTransaction(Map<TopicPartition, TransactionOffset> offsets, GroupMetadata group) {
        Objects.requireNonNull(offsets, "offsets");
        Objects.requireNonNull(group, "group");
        offsets.forEach((tp, o) -> {
            Objects.requireNonNull(tp, "partition");
            Objects.requireNonNull(o, "offset of " + tp);
        });
        if (offsets.isEmpty()) {
            transactions().checkProduce(); // the same state checks, for a call that sends nothing
            return;
        }
        calls.call("sendOffsetsToTransaction", () -> transactions().sendOffsets(offsets, group));
    }

    /**
     * Sends what is buffered, waits for every record of the transaction, then
     * commits it. A record that failed makes the transaction abortable: then
     * this throws {@link TransactionAbortableException} and nothing of the
     * transaction is visible to read_committed consumers.
     *
     * @throws IllegalStateException         without a transaction
     * @throws TransactionAbortableException the transaction cannot commit: call {@link #abortTransaction}
     * @throws TransactionTimeoutException   not done within {@code maxBlock}: call it again to wait on
     * @throws ProducerFencedException       another producer took over the transactional id
     */
    public void commitTransaction() {
        Transactions t = transactions();
        sender.flushUpTo(ids.get());
        calls.end("commitTransaction", t.transactionalId(), true, t::commit);
    }

    /**
     * Aborts the transaction: records not sent yet fail NOT_PERSISTED, those in
     * flight are waited for, and the coordinator writes abort markers, so no
     * record of it reaches a read_committed consumer. The producer goes on.
     *
     * @throws IllegalStateException   without a transaction
     * @throws ProducerFencedException another producer took over the transactional id
     */
    public void abortTransaction() {
        Transactions t = transactions();
        calls.end("abortTransaction", t.transactionalId(), false, t::abort);
    }

    private Transactions transactions() {
        ensureOpen();
        if (transactions == null) {
            throw new IllegalStateException("this producer has no transactional id: set transactionalId in its "
                    + "ProducerConfig (transactional.id) to use transactions");
        }
        return transactions;
    }

    /**
     * Sends every buffered record now, without waiting for linger, and waits
     * until each record produced before this call has its outcome.
     *
     * @return whether they all did within {@code timeout}; false also when the
     *         thread was interrupted while it waited (it stays interrupted)
     */
    public boolean flush(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        sender.flushUpTo(ids.get());
        try {
            return outstanding.awaitEarlier(timeout.toNanos());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Sends what is buffered, waits up to {@code timeout} for it, then fails what
     * is left (NOT_PERSISTED if it was never sent, POSSIBLY_PERSISTED if it was)
     * and stops. Idempotent. An interrupt ends the wait for the sender early; the
     * producer still stops.
     */
    public void close(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            sender.stop(timeout.toNanos());
            if (senderThread != null) {
                senderThread.join(TimeUnit.NANOSECONDS.toMillis(timeout.toNanos()) + 5_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (callbackThread != null) {
                callbackThread.shutdown();
                try {
                    callbackThread.awaitTermination(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            closeNetwork.run();
            if (!hooks.isEmpty()) {
                hooks.close(); // after the last outcome's hooks ran on the callback thread
            }
        }
    }

    /** {@link #close(Duration)} with the delivery timeout. */
    @Override
    public void close() {
        close(config.deliveryTimeout());
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("the producer is closed");
        }
        String failure = sender.failure();
        if (failure != null) {
            throw new IllegalStateException("the producer cannot send any more: " + failure);
        }
    }

    @Override
    public String toString() {
        return "Producer(" + clientId + ", " + accumulator.describe() + (closed.get() ? ", closed" : "") + ")";
    }
}
