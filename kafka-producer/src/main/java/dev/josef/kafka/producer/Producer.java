package dev.josef.kafka.producer;

import dev.josef.kafka.net.Cluster;
import dev.josef.kafka.net.internal.ClusterAccess;
import dev.josef.kafka.net.internal.ClusterMetadata;
import dev.josef.kafka.net.internal.EngineConfigs;
import dev.josef.kafka.net.internal.NetworkClient;
import dev.josef.kafka.producer.spi.Partitioner;
import dev.josef.kafka.protocol.Header;
import dev.josef.kafka.protocol.RecordBatchBuilder;
import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.protocol.TopicNames;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * Produces records to Kafka: batched per partition, sent to each partition's
 * leader, idempotent by default.
 *
 * <p>{@code produce} never waits for the network: a record for a topic whose
 * metadata is not known yet waits in the buffer while the producer looks the
 * topic up, and fails with the delivery timeout if it never shows up. It waits
 * only for room in the buffer ({@link ProducerConfig#maxBlock()}); {@link
 * #tryProduce} does not wait at all.
 *
 * <p>Outcomes: each record's future completes with its {@link RecordMetadata}
 * (offset -1 with acks=0), or fails with a {@link ProduceException} that says
 * whether the record may be in the log ({@link ProduceException.Outcome}). Bad
 * input fails at the call: a null record, an illegal topic name, a record
 * larger than {@link ProducerConfig#maxRequestSize()}, use after close.
 *
 * <p>Threads: one sender thread per producer ({@code josef-<client-id>-producer})
 * drains batches and handles answers; futures complete on the producer's
 * callback thread ({@code josef-<client-id>-producer-callbacks}), in order for
 * each partition: keep callbacks short. The producer is safe to share.
 */
public final class Producer implements AutoCloseable {
    /** The lowest compression ratio batches are sized by: a batch holds at most 4 x batch.size before compression. */
    private static final double MIN_COMPRESSION_RATIO = 0.25;
    /** Bytes a record adds beyond its key, value and headers, at most (varints and attributes). */
    private static final int RECORD_OVERHEAD = 21;
    /** The batch header and the Produce request's framing around one record, at most. */
    private static final int REQUEST_OVERHEAD = 61 + 128;

    final ProducerConfig config;
    final NetworkClient client;
    private final boolean ownsClient;
    final Map<TopicPartition, PartitionState> partitions = new ConcurrentHashMap<>();
    final BufferLimit buffer;
    final Outstanding outstanding = new Outstanding();
    private final BatchBuffers batchBuffers;
    final ProducerHooks hooks;
    final Sender sender;
    private final Map<String, Sticky> sticky = new ConcurrentHashMap<>();
    private final Map<String, TopicEntry> topics = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();

    private Producer(ProducerConfig config, NetworkClient client, boolean ownsClient) {
        this.config = config;
        this.client = client;
        this.ownsClient = ownsClient;
        this.buffer = new BufferLimit(config.bufferMemory(), config.maxBufferedRecords());
        this.hooks = new ProducerHooks(config.hooks(), config.network().clientId());
        // batch.size, whatever the codec: a compressed batch that holds more grows its own buffer, so an
        // open batch per partition costs what it does without compression (a review found 4x per batch).
        int capacity = Math.min(config.batchSize(), 1 << 20) + 256;
        // As kafka-clients' BufferPool: up to buffer.memory of batch buffers are kept, so a full buffer of
        // batches does not turn into fresh (zeroed) allocations once the producer runs steadily.
        this.batchBuffers = new BatchBuffers(capacity, (int) Math.min(Integer.MAX_VALUE,
                Math.max(1, config.bufferMemory() / capacity)));
        this.sender = new Sender(this);
        sender.start();
    }

    public static Producer create(ProducerConfig config) {
        Objects.requireNonNull(config, "config");
        return new Producer(config, NetworkClient.open(EngineConfigs.from(config.network())), true);
    }

    /** A producer on a shared cluster connection; closing the producer leaves the cluster open. */
    public static Producer create(ProducerConfig config, Cluster cluster) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(cluster, "cluster");
        return new Producer(config, ClusterAccess.engine(cluster), false);
    }

    /** A producer from kafka-clients property names; see {@link ProducerConfig#fromProperties(Map)}. */
    public static Producer create(Map<String, ?> kafkaClientsProperties) {
        return create(ProducerConfig.fromProperties(kafkaClientsProperties));
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
        ProducerRecord record = hooks.isEmpty() ? given : hooks.produce(given);
        topicOf(record.topic()); // checks the name, once per topic
        int size = sizeOf(record);
        checkSize(size);
        long now = System.nanoTime();
        long timestamp = record.timestamp() != null ? record.timestamp() : System.currentTimeMillis();
        boolean reserved;
        try {
            reserved = buffer.reserve(size, waitNanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for room in the producer's buffer", e);
        }
        PendingRecord pending = new PendingRecord(this, record, timestamp, size, now, ids.getAndIncrement(), callback);
        if (!reserved) {
            pending.refuse(new ProduceException(ProduceException.Outcome.NOT_PERSISTED,
                    record.topic(), -1, "the producer's buffer is full (" + config.bufferMemory() + " bytes, "
                    + config.maxBufferedRecords() + " records)" + (waitNanos > 0 ? " for "
                    + Duration.ofNanos(waitNanos) : ""), null));
            return pending.future;
        }
        if (closed.get()) {
            pending.future.settleExceptionally(new IllegalStateException("the producer is closed"));
            return pending.future;
        }
        ClusterMetadata.Topic topic = client.metadata().topic(record.topic()).orElse(null);
        if (topic == null || topic.partitions().isEmpty() || sender.hasBacklog(record.topic())) {
            sender.awaitMetadata(pending);
        } else {
            place(pending, topic);
        }
        if (sender.exited()) {
            // close() or a failure raced with this call: the sender's last pass may have missed the record.
            pending.future.settleExceptionally(new ProduceException(ProduceException.Outcome.NOT_PERSISTED,
                    record.topic(), pending.partition, "the producer closed before the record was sent", null));
        }
        return pending.future;
    }

    /** The topic's entry, created (after checking its name) on its first record. */
    private TopicEntry topicOf(String topic) {
        TopicEntry entry = topics.get(topic);
        if (entry == null) {
            TopicNames.validate(topic);
            entry = topics.computeIfAbsent(topic, TopicEntry::new);
        }
        return entry;
    }

    /**
     * Closes a full batch on the producing thread, under its partition's lock:
     * compression and the CRC happen as records are produced, not one batch
     * after another on the sender thread. The sender stamps the producer state.
     */
    private boolean close(TopicEntry entry, PartitionState state, Batch batch) {
        int uncompressed = batch.builder.sizeInBytes();
        try {
            batch.built = batch.builder.build();
        } catch (RuntimeException e) {
            // A codec that fails: this batch's records fail, nothing else. Out of the queue, under the lock.
            state.queue.remove(batch);
            batch.encodingFailure = e;
            return false;
        }
        entry.observe(uncompressed, batch.built.remaining());
        return true;
    }

    /** Fails the records of batches that could not be encoded, after the partition's lock is released. */
    private static void failUnencodable(List<Batch> batches) {
        for (Batch batch : batches) {
            ProduceException failure = new ProduceException(ProduceException.Outcome.NOT_PERSISTED,
                    batch.partition.topic(), batch.partition.partition(), batch.recordCount() + " record(s) to "
                    + batch.partition + " failed: encoding their batch failed: " + batch.encodingFailure,
                    batch.encodingFailure);
            for (PendingRecord p : batch.records) {
                p.future.settleExceptionally(failure);
            }
        }
    }

    /**
     * A topic's partition states by index, so that placing a record needs no
     * TopicPartition and no hash lookup beyond the topic's; and how well its
     * records compress.
     */
    private final class TopicEntry {
        private final String topic;
        private volatile PartitionState[] states = new PartitionState[0];
        /**
         * Compressed over uncompressed size, as the topic's batches showed. A batch
         * is full when its records would take {@code batch.size} on the wire, as in
         * kafka-clients: with compression a batch holds more records than
         * batch.size bytes. Worse news is believed at once, better news slowly;
         * never below 1/4.
         */
        private volatile double ratio = 1.0;

        int wireSize(int uncompressed) {
            return (int) (uncompressed * ratio);
        }

        void observe(int uncompressed, int compressed) {
            if (config.compression().id() == 0 || uncompressed <= 0) {
                return;
            }
            double seen = (double) compressed / uncompressed;
            double current = ratio;
            ratio = Math.max(MIN_COMPRESSION_RATIO, seen >= current ? seen : current - (current - seen) * 0.1);
        }

        TopicEntry(String topic) {
            this.topic = topic;
        }

        PartitionState partition(int index) {
            PartitionState[] current = states;
            if (index < current.length && current[index] != null) {
                return current[index];
            }
            synchronized (this) {
                current = states;
                if (index >= current.length) {
                    current = java.util.Arrays.copyOf(current, index + 1);
                }
                if (current[index] == null) {
                    current[index] = partitions.computeIfAbsent(TopicPartition.of(topic, index), PartitionState::new);
                    states = current;
                }
                return current[index];
            }
        }
    }

    /** Chooses the record's partition and appends it to that partition's open batch. Any thread. */
    void place(PendingRecord pending, ClusterMetadata.Topic topic) {
        ProducerRecord record = pending.record;
        int count = topic.partitions().size();
        int partition;
        try {
            partition = record.partition() != null ? record.partition()
                    : config.partitioner().partition(record.topic(), record.key(), record.value(), count);
        } catch (RuntimeException e) {
            sender.failPlaced(pending, e);
            return;
        }
        if (partition == Partitioner.UNASSIGNED) {
            partition = sticky.computeIfAbsent(record.topic(), t -> new Sticky()).next(topic, pending.size,
                    config.batchSize());
        }
        if (partition < 0 || partition >= count) {
            sender.failPlaced(pending, new ProduceException(ProduceException.Outcome.NOT_PERSISTED,
                    record.topic(), partition, "topic " + record.topic() + " has partitions 0 to " + (count - 1)
                    + "; there is no partition " + partition, null));
            return;
        }
        pending.partition = partition;
        TopicEntry entry = topicOf(record.topic());
        PartitionState state = entry.partition(partition);
        TopicPartition tp = state.partition;
        boolean wake;
        List<Batch> unencodable = null;
        synchronized (state) {
            if (state.mode == PartitionState.Mode.FAILED) {
                sender.failPlaced(pending, new PartitionFailedException(tp.topic(), partition, state.failure));
                return;
            }
            Batch open = state.queue.peekLast();
            // A new batch starts a linger the sender does not know of yet: it is woken to time it.
            wake = open == null || open.built != null || open.inFlight
                    || (open.recordCount() > 0 && entry.wireSize(open.builder.sizeInBytes() + pending.size)
                    > config.batchSize());
            if (wake) {
                if (open != null && open.built == null && !open.inFlight && open.recordCount() > 0
                        && !close(entry, state, open)) {
                    unencodable = new ArrayList<>(List.of(open));
                }
                open = newBatch(tp, System.nanoTime());
                state.queue.addLast(open);
            }
            open.builder.append(pending.timestamp, record.key(), record.value(), record.headers());
            open.records.add(pending);
            if (entry.wireSize(open.builder.sizeInBytes()) >= config.batchSize()) {
                if (!close(entry, state, open)) {
                    unencodable = unencodable == null ? new ArrayList<>() : unencodable;
                    unencodable.add(open);
                }
                wake = true;
            }
        }
        if (unencodable != null) {
            failUnencodable(unencodable);
        }
        if (!hooks.isEmpty()) {
            hooks.buffered(record, tp, pending.size);
        }
        if (wake) {
            sender.wakeup();
        }
    }

    /** A batch on a buffer from the pool. */
    Batch newBatch(TopicPartition tp, long createdNanos) {
        ByteBuffer buffer = batchBuffers.take();
        Batch batch = new Batch(tp, new RecordBatchBuilder(buffer)
                .compression(config.compression(), config.compressionLevel()), createdNanos);
        batch.pooled = buffer;
        return batch;
    }

    /**
     * Gives a finished batch's buffer back to the pool. Only for a batch whose
     * every request has completed: kafka-net encodes a request's body when it
     * writes it, so a buffer given back earlier could still be read.
     */
    void recycle(Batch batch) {
        ByteBuffer buffer = batch.pooled;
        if (buffer != null && !batch.inFlight) {
            batch.pooled = null;
            batchBuffers.give(buffer);
        }
    }

    RecordBatchBuilder newBuilder() {
        return new RecordBatchBuilder(Math.min(config.batchSize(), 1 << 20) + 256)
                .compression(config.compression(), config.compressionLevel());
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
     * background: records produced later are neither lost nor reordered.
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
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ProduceFuture> futures = new ArrayList<>(records.size());
        for (ProducerRecord r : records) {
            futures.add(enqueue(r, Math.max(0, deadline - System.nanoTime()), null));
        }
        sender.flushUpTo(ids.get());
        List<ProduceResult> results = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            ProduceFuture future = futures.get(i);
            try {
                future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException
                     | java.util.concurrent.CancellationException e) {
                // the outcome is read below
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
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
    public Set<TopicPartition> recoverFailedPartitions(
            Collection<TopicPartition> failed) {
        return reopen(failed, PartitionState.Mode.FAILED);
    }

    /**
     * Lets partitions that the {@code pause-partition} ordering policy held send
     * again, starting with the records they kept, in order.
     *
     * @return the partitions that were paused and are open now
     */
    public Set<TopicPartition> resumePartitions(
            Collection<TopicPartition> paused) {
        return reopen(paused, PartitionState.Mode.PAUSED);
    }

    /** The partitions the {@code fail-partition} policy stopped, until {@link #recoverFailedPartitions}. */
    public Set<TopicPartition> failedPartitions() {
        return inMode(PartitionState.Mode.FAILED);
    }

    /** The partitions the {@code pause-partition} policy holds, until {@link #resumePartitions}. */
    public Set<TopicPartition> pausedPartitions() {
        return inMode(PartitionState.Mode.PAUSED);
    }

    private Set<TopicPartition> reopen(
            Collection<TopicPartition> which, PartitionState.Mode from) {
        Objects.requireNonNull(which, "partitions");
        Set<TopicPartition> reopened = new LinkedHashSet<>();
        for (TopicPartition tp : which) {
            PartitionState state = partitions.get(Objects.requireNonNull(tp, "partition"));
            if (state == null) {
                continue;
            }
            synchronized (state) {
                if (state.mode == from) {
                    state.mode = PartitionState.Mode.OPEN;
                    state.failure = null;
                    reopened.add(tp);
                }
            }
        }
        sender.wakeup();
        return reopened;
    }

    private Set<TopicPartition> inMode(PartitionState.Mode mode) {
        Set<TopicPartition> found = new TreeSet<>(
                Comparator.comparing(TopicPartition::topic)
                        .thenComparingInt(TopicPartition::partition));
        for (PartitionState state : partitions.values()) {
            synchronized (state) {
                if (state.mode == mode) {
                    found.add(state.partition);
                }
            }
        }
        return found;
    }

    /**
     * Sends every buffered record now, without waiting for linger, and waits
     * until each record produced before this call has its outcome.
     *
     * @return whether they all did within {@code timeout}
     */
    public boolean flush(Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        sender.flushUpTo(ids.get());
        return outstanding.awaitEarlier(timeout.toNanos());
    }

    /**
     * Sends what is buffered, waits up to {@code timeout} for it, then fails what
     * is left (NOT_PERSISTED if it was never sent, POSSIBLY_PERSISTED if it was)
     * and stops. Idempotent.
     */
    public void close(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            sender.shutdown(timeout.toNanos());
        } finally {
            if (ownsClient) {
                client.close();
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
        int batches = 0;
        int inFlight = 0;
        StringBuilder waiting = new StringBuilder();
        for (PartitionState state : partitions.values()) {
            synchronized (state) {
                batches += state.queue.size();
                inFlight += state.inFlight;
                if (!state.queue.isEmpty() || state.inFlight > 0 || state.mode != PartitionState.Mode.OPEN) {
                    waiting.append(", ").append(state.partition).append(": ").append(state.queue.size())
                            .append(" queued, ").append(state.inFlight).append(" in flight")
                            .append(state.mode == PartitionState.Mode.OPEN ? "" : ", " + state.mode)
                            .append(state.needsReset ? ", sequences to restart" : "");
                }
            }
        }
        return "Producer(" + config.network().clientId() + ", " + partitions.size() + " partitions, " + batches
                + " batches queued, " + inFlight + " in flight" + (closed.get() ? ", closed" : "") + waiting + ")";
    }

    /**
     * Uniform sticky spreading of records without a partition (KIP-794): a topic's
     * records go to one partition until a batch's worth of bytes went there, then
     * to another partition with a leader, chosen at random.
     */
    private static final class Sticky {
        private int partition = -1;
        private long bytes;

        synchronized int next(ClusterMetadata.Topic topic, int size, int batchSize) {
            List<ClusterMetadata.Partition> all = topic.partitions();
            if (partition < 0 || partition >= all.size() || bytes >= batchSize) {
                int previous = partition;
                List<Integer> candidates = all.stream().filter(p -> p.leaderId() >= 0 && p.index() != previous)
                        .map(ClusterMetadata.Partition::index).toList();
                if (candidates.isEmpty()) {
                    candidates = all.stream().map(ClusterMetadata.Partition::index).toList();
                }
                partition = candidates.get(ThreadLocalRandom.current().nextInt(candidates.size()));
                bytes = 0;
            }
            bytes += size;
            return partition;
        }
    }

    /**
     * Batch buffers of one size, kept for reuse up to a count: a batch costs no
     * allocation (and no zeroing) once the producer runs steadily. The lock is
     * taken once per batch, not per record.
     */
    static final class BatchBuffers {
        private final int capacity;
        private final int max;
        private final java.util.ArrayDeque<ByteBuffer> free = new java.util.ArrayDeque<>();

        BatchBuffers(int capacity, int max) {
            this.capacity = capacity;
            this.max = max;
        }

        ByteBuffer take() {
            ByteBuffer buffer;
            synchronized (free) {
                buffer = free.pollLast();
            }
            return buffer != null ? buffer.clear() : ByteBuffer.allocate(capacity);
        }

        void give(ByteBuffer buffer) {
            if (buffer.capacity() != capacity) {
                return;
            }
            synchronized (free) {
                if (free.size() < max) {
                    free.addLast(buffer);
                }
            }
        }
    }

    /**
     * The buffer's two limits, bytes and records. Reserving and releasing are
     * atomic adds; only a producer that has to wait for room takes the lock, and
     * a release notifies only when someone waits.
     */
    static final class BufferLimit {
        private final long maxBytes;
        private final int maxRecords;
        private final java.util.concurrent.atomic.AtomicLong bytes = new java.util.concurrent.atomic.AtomicLong();
        private final java.util.concurrent.atomic.AtomicInteger records = new java.util.concurrent.atomic.AtomicInteger();
        private final Object lock = new Object();
        private volatile int waiters;

        BufferLimit(long maxBytes, int maxRecords) {
            this.maxBytes = maxBytes;
            this.maxRecords = maxRecords;
        }

        boolean reserve(int size, long waitNanos) throws InterruptedException {
            if (tryReserve(size)) {
                return true;
            }
            long deadline = System.nanoTime() + waitNanos;
            synchronized (lock) {
                waiters++;
                try {
                    // A release that read waiters as 0 happened before the increment, so tryReserve sees it.
                    while (!tryReserve(size)) {
                        long left = deadline - System.nanoTime();
                        if (left <= 0) {
                            return false;
                        }
                        TimeUnit.NANOSECONDS.timedWait(lock, Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
                    }
                    return true;
                } finally {
                    waiters--;
                }
            }
        }

        /** Takes room if there is some; a record larger than the whole buffer may go when the buffer is empty. */
        private boolean tryReserve(int size) {
            int nowRecords = records.incrementAndGet();
            long nowBytes = bytes.addAndGet(size);
            if (nowRecords == 1 || (nowBytes <= maxBytes && nowRecords <= maxRecords)) {
                return true;
            }
            release(size);
            return false;
        }

        void release(int size) {
            long nowBytes = bytes.addAndGet(-size);
            int nowRecords = records.decrementAndGet();
            // A waiter is woken once a sixteenth of the buffer is free again, not for every record given
            // back: when the buffer is full, records come back one by one, and waking the producing thread
            // for each costs more than the wait. (Its timed wait bounds any wake-up this misses.)
            if (waiters > 0 && (nowRecords == 0 || (nowBytes <= maxBytes - (maxBytes >> 4)
                    && nowRecords <= maxRecords - (maxRecords >> 4)))) {
                synchronized (lock) {
                    lock.notifyAll();
                }
            }
        }
    }
}
