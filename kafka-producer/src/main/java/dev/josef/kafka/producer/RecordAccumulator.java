package dev.josef.kafka.producer;

import dev.josef.kafka.net.internal.Clock;
import dev.josef.kafka.net.internal.ClusterMetadata;
import dev.josef.kafka.protocol.RecordBatchBuilder;
import dev.josef.kafka.protocol.TopicPartition;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntPredicate;

/**
 * The producer's buffer: a queue of batches per partition, the buffer's byte
 * and record limits, and the pool of batch buffers. Records are appended here;
 * the sender drains ready batches from here, puts retried ones back, and
 * takes out what expired or what the ordering policy failed.
 *
 * <p>Threads: producing threads call {@link #append}; the sender thread calls
 * everything else. Each partition's lock ({@link PartitionQueue#lock}) is
 * taken here and nowhere else, and nothing here calls application code
 * (partitioners, callbacks, future stages, ordering policies, hooks): callers
 * settle records and ask policies after this class has let go of the lock.
 * Compression codecs do run under it: they are how a batch's bytes are made,
 * as in every Kafka client, and must not call back into the producer.
 */
final class RecordAccumulator {
    private final ProducerConfig config;
    private final Clock clock;
    private final Runnable wakeSender;
    final BufferLimit buffer;
    private final BatchBuffers batchBuffers;
    private final Map<TopicPartition, PartitionQueue> partitions = new ConcurrentHashMap<>();
    private final Map<String, TopicEntry> topics = new ConcurrentHashMap<>();
    private final Map<String, Sticky> sticky = new ConcurrentHashMap<>();

    RecordAccumulator(ProducerConfig config, Clock clock, Runnable wakeSender) {
        this.config = config;
        this.clock = clock;
        this.wakeSender = wakeSender;
        this.buffer = new BufferLimit(config.bufferMemory(), config.maxBufferedRecords(), clock);
        // batch.size, whatever the codec: a compressed batch that holds more grows its own buffer, so an
        // open batch per partition costs what it does without compression (a review found 4x per batch).
        int capacity = Math.min(config.batchSize(), 1 << 20) + 256;
        // As kafka-clients' BufferPool: up to buffer.memory of batch buffers are kept, so a full buffer of
        // batches does not turn into fresh (zeroed) allocations once the producer runs steadily.
        this.batchBuffers = new BatchBuffers(capacity, (int) Math.min(Integer.MAX_VALUE,
                Math.max(1, config.bufferMemory() / capacity)));
    }

    // ---------------------------------------------------------------- producing threads

    /**
     * Uniform sticky spreading of a record without a partition (KIP-794): a
     * topic's records go to one partition until a batch's worth of bytes went
     * there, then to another partition with a leader, chosen at random.
     */
    int stickyPartition(ClusterMetadata.Topic topic, int size) {
        return sticky.computeIfAbsent(topic.name(), t -> new Sticky()).next(topic, size, config.batchSize());
    }

    /** The partition's queue, made on its first record. */
    PartitionQueue partitionQueue(String topic, int partition) {
        TopicEntry entry = topics.get(topic);
        if (entry == null) {
            entry = topics.computeIfAbsent(topic, TopicEntry::new);
        }
        return entry.partition(partition);
    }

    /**
     * Appends the record to its partition's open batch, starting a new one when
     * that is full or sealed, and closes (encodes) a batch this record filled.
     *
     * @return null when appended; the refusal when the ordering policy failed the partition
     */
    PartitionFailedException append(PendingRecord pending, PartitionQueue pq) {
        ProducerRecord record = pending.record;
        CompressionRatio ratio = pq.ratio;
        boolean wake;
        synchronized (pq.lock) {
            if (pq.mode == PartitionQueue.Mode.FAILED) {
                return new PartitionFailedException(pq.partition.topic(), pq.partition.partition(), pq.failure);
            }
            Batch open = pq.queue.peekLast();
            // A new batch starts a linger the sender does not know of yet: it is woken to time it.
            wake = open == null || open.sealed || open.built != null
                    || (open.recordCount() > 0 && ratio.wireSize(open.builder.sizeInBytes() + pending.size)
                    > config.batchSize());
            if (wake) {
                if (open != null && !open.sealed && open.built == null && open.recordCount() > 0) {
                    close(open);
                }
                open = newBatch(pq, clock.nanoTime());
                pq.queue.addLast(open);
            }
            open.builder.append(pending.timestamp, record.key(), record.value(), record.headers());
            open.records.add(pending);
            if (ratio.wireSize(open.builder.sizeInBytes()) >= config.batchSize()) {
                close(open);
                wake = true;
            }
        }
        if (wake) {
            wakeSender.run();
        }
        return null;
    }

    /**
     * Closes a full batch on the producing thread, under its partition's lock:
     * compression and the CRC happen as records are produced, not one batch
     * after another on the sender thread. The sender stamps the producer state.
     * A batch that cannot be encoded stays where it is, sealed: the sender fails
     * it through the ordering policy when it reaches it, so nothing behind it is
     * sent first.
     */
    private void close(Batch batch) {
        int uncompressed = batch.builder.sizeInBytes();
        try {
            batch.built = batch.builder.build();
        } catch (RuntimeException e) {
            batch.encodingFailure = e;
            batch.sealed = true;
            return;
        }
        batch.owner.ratio.observe(uncompressed, batch.built.remaining());
    }

    /** A topic's partitions by index, so that finding one needs no TopicPartition and no hash lookup beyond the topic's. */
    private final class TopicEntry {
        private final String topic;
        private final CompressionRatio ratio = new CompressionRatio(config.compression().id() != 0);
        private volatile PartitionQueue[] queues = new PartitionQueue[0];
        private final Object growLock = new Object();

        TopicEntry(String topic) {
            this.topic = topic;
        }

        PartitionQueue partition(int index) {
            PartitionQueue[] current = queues;
            if (index < current.length && current[index] != null) {
                return current[index];
            }
            synchronized (growLock) {
                current = queues;
                if (index >= current.length) {
                    current = Arrays.copyOf(current, index + 1);
                }
                if (current[index] == null) {
                    current[index] = partitions.computeIfAbsent(TopicPartition.of(topic, index),
                            tp -> new PartitionQueue(tp, ratio));
                    queues = current;
                }
                return current[index];
            }
        }
    }

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

    // ---------------------------------------------------------------- batches and buffers

    /** A batch on a buffer from the pool. */
    Batch newBatch(PartitionQueue pq, long createdNanos) {
        ByteBuffer pooled = batchBuffers.take();
        Batch batch = new Batch(pq, transactional(new RecordBatchBuilder(pooled)
                .compression(config.compression(), config.compressionLevel())), createdNanos);
        batch.pooled = pooled;
        return batch;
    }

    /** A builder for records encoded again (some withdrawn, or a split). */
    RecordBatchBuilder newBuilder() {
        return transactional(new RecordBatchBuilder(batchBuffers.capacity())
                .compression(config.compression(), config.compressionLevel()));
    }

    /**
     * Marks a transactional producer's batches. A transactional batch is only
     * encoded with a producer id, and a full batch is encoded on the producing
     * thread before the sender gives it one: it gets a placeholder, which the
     * sender's stamp rewrites before the batch is sent (every batch of an
     * idempotent producer is stamped).
     */
    private RecordBatchBuilder transactional(RecordBatchBuilder builder) {
        if (config.transactionalId().isEmpty()) {
            return builder;
        }
        return builder.transactional(true).producerState(0, (short) 0, 0);
    }

    /**
     * Gives a finished batch's buffer back to the pool. Only for a batch whose
     * every request has completed: kafka-net encodes a request's body when it
     * writes it, so a buffer given back earlier could still be read.
     */
    void recycle(Batch batch) {
        ByteBuffer pooled = batch.pooled;
        if (pooled != null && !batch.inFlight) {
            batch.pooled = null;
            batchBuffers.give(pooled);
        }
    }

    int pooledBuffers() {
        return batchBuffers.pooled();
    }

    // ---------------------------------------------------------------- sender thread

    Collection<PartitionQueue> partitions() {
        return partitions.values();
    }

    PartitionQueue partition(TopicPartition tp) {
        return partitions.get(tp);
    }

    Set<String> topicNames() {
        return new HashSet<>(topics.keySet());
    }

    /** What one drain pass took for sending, and what it met on the way. */
    static final class Drain {
        final Map<Integer, List<Batch>> byLeader = new HashMap<>();
        private final Map<Integer, Integer> requestBytes = new HashMap<>();
        /** Batches that could not be encoded: the sender fails them through the ordering policy. */
        final List<Batch> unencodable = new ArrayList<>();
        /** Batches whose every record was withdrawn before it was sent. */
        final List<Batch> emptied = new ArrayList<>();
        /** When the sender should pass again, at the latest. */
        long next = Long.MAX_VALUE;
        /** A partition with records has no live leader: the metadata is out of date. */
        boolean metadataStale;
    }

    /**
     * Takes every ready batch whose leader is known and can take more, one per
     * partition per pass, grouped by leader and packed to {@code max.request.size}.
     * With idempotence a batch gets its sequence here, and a partition waits
     * while {@link Idempotence} says its sequences cannot go yet.
     *
     * @param leaderFull whether a leader already has its fill of requests out
     * @param flushTarget records with a lower id are sent without waiting for linger
     */
    Drain drain(long now, ClusterMetadata metadata, IntPredicate leaderFull, Idempotence idempotence,
                long flushTarget, boolean stopping) {
        Drain drain = new Drain();
        long lingerNanos = config.linger().toNanos();
        int maxInFlight = idempotence.enabled() ? ProducerConfig.MAX_IN_FLIGHT_WITH_IDEMPOTENCE
                : config.network().maxInFlightPerConnection();
        for (PartitionQueue pq : partitions.values()) {
            TopicPartition tp = pq.partition;
            int leader = metadata.leader(tp.topic(), tp.partition()).orElse(-1);
            synchronized (pq.lock) {
                Batch b = pq.queue.peekFirst();
                if (b == null || pq.mode == PartitionQueue.Mode.PAUSED) {
                    continue;
                }
                if (b.encodingFailure != null) {
                    pq.queue.pollFirst();
                    drain.unencodable.add(b);
                    drain.next = now;
                    continue;
                }
                if (leader < 0 || !metadata.brokers().containsKey(leader)) {
                    drain.metadataStale = true; // no leader, or one that left the cluster (killed, restarting)
                    continue;
                }
                if (!drain.byLeader.containsKey(leader) && leaderFull.test(leader)) {
                    // The connection has all the requests it can pipeline: more would only queue in kafka-net
                    // as small requests. The batches grow meanwhile and leave together when an answer comes.
                    continue;
                }
                boolean alone = false;
                if (idempotence.enabled()) {
                    if (!idempotence.readyToSend(pq.sequence, pq.queue, pq.inFlight, b)) {
                        continue;
                    }
                    alone = idempotence.sendsAlone(pq.sequence, pq.inFlight, now);
                }
                if (pq.inFlight >= (alone ? 1 : maxInFlight)) {
                    continue;
                }
                if (b.retryAtNanos != 0 && now - b.retryAtNanos < 0) {
                    drain.next = Math.min(drain.next, b.retryAtNanos);
                    continue;
                }
                // A full batch is closed (built) by the producing thread, by its size on the wire.
                boolean ready = b.built != null || pq.queue.size() > 1
                        || now - (b.createdNanos + lingerNanos) >= 0
                        || b.records.get(b.records.size() - 1).id < flushTarget || stopping;
                if (!ready) {
                    drain.next = Math.min(drain.next, b.createdNanos + lingerNanos);
                    continue;
                }
                if (!b.claimed) {
                    if (!claim(b)) {
                        pq.queue.pollFirst(); // every record of it was withdrawn
                        drain.emptied.add(b);
                        drain.next = now;
                        continue;
                    }
                    if (idempotence.enabled()) {
                        idempotence.assign(pq.sequence, b);
                    }
                    if (b.built == null) {
                        try {
                            b.built = b.builder.build();
                        } catch (RuntimeException e) {
                            pq.queue.pollFirst();
                            if (idempotence.enabled()) {
                                idempotence.unassign(pq.sequence, b); // never sent: its sequences go to the next
                            }
                            b.encodingFailure = e;
                            drain.unencodable.add(b);
                            drain.next = now;
                            continue;
                        }
                    }
                    b.claimed = true;
                }
                int bytes = drain.requestBytes.getOrDefault(leader, 0);
                if (bytes > 0 && bytes + b.built.remaining() > config.maxRequestSize()) {
                    drain.next = now; // the rest goes in the next request
                    continue;
                }
                drain.requestBytes.put(leader, bytes + b.built.remaining());
                pq.queue.pollFirst();
                b.inFlight = true;
                b.attempts++;
                pq.inFlight++;
                drain.byLeader.computeIfAbsent(leader, l -> new ArrayList<>()).add(b);
                if (!pq.queue.isEmpty()) {
                    drain.next = now; // more of this partition may be ready for the next request
                }
            }
        }
        return drain;
    }

    /**
     * Takes the batch's records for sending, leaving out those the application
     * withdrew first; a batch that lost some is encoded again from the rest.
     * Called once per batch, before it gets its sequence; it is sealed from then on.
     *
     * @return false when no record is left to send
     */
    private boolean claim(Batch b) {
        b.sealed = true;
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
        RecordBatchBuilder rebuilt = newBuilder();
        for (PendingRecord p : kept) {
            rebuilt.append(p.timestamp, p.record.key(), p.record.value(), p.record.headers());
        }
        b.builder = rebuilt;
        b.records.addAll(kept);
        return true;
    }

    /** The answer to a batch in flight came (or its request failed): it no longer counts as in flight. */
    void answered(Batch b) {
        synchronized (b.owner.lock) {
            b.owner.inFlight--;
            b.inFlight = false;
        }
    }

    /**
     * Takes out the partition's queued batches that outlived {@code timeoutNanos}:
     * the queue is in creation order (batches put back for a retry are older
     * than any behind them), so the scan stops at the first one within its time.
     *
     * @param next where the time the next one expires is written, at {@code next[0]}
     * @return the expired batches, oldest first; empty for none
     */
    List<Batch> expire(PartitionQueue pq, long now, long timeoutNanos, long[] next) {
        List<Batch> expired = List.of();
        synchronized (pq.lock) {
            for (Iterator<Batch> it = pq.queue.iterator(); it.hasNext(); ) {
                Batch b = it.next();
                // Also a batch whose outcome is unknown (POSSIBLY_PERSISTED): the ordering guard restarts the
                // partition's sequences after it, once the batches behind it are settled.
                if (now - (b.createdNanos + timeoutNanos) < 0) {
                    next[0] = Math.min(next[0], b.createdNanos + timeoutNanos);
                    break;
                }
                it.remove();
                expired = expired.isEmpty() ? new ArrayList<>() : expired;
                expired.add(b);
            }
        }
        return expired;
    }

    /** Puts a batch back at the front of its partition's queue, in sequence order among the sequenced ones. */
    void requeue(Batch b) {
        requeue(List.of(b));
    }

    /**
     * Puts batches back together, in the order given, where the first of them
     * belongs: among the sequenced ones by sequence; without sequences, after
     * the retried batches created before it (so the halves of a split stay in
     * order, whatever their creation times say).
     */
    void requeue(List<Batch> batches) {
        Batch b = batches.get(0);
        PartitionQueue pq = b.owner;
        synchronized (pq.lock) {
            List<Batch> front = new ArrayList<>();
            while (!pq.queue.isEmpty() && (pq.queue.peekFirst().baseSequence >= 0
                    ? precedes(pq.queue.peekFirst(), b)
                    : b.baseSequence < 0 && pq.queue.peekFirst().attempts > 0
                    && pq.queue.peekFirst().createdNanos - b.createdNanos <= 0)) {
                front.add(pq.queue.pollFirst());
            }
            for (int i = batches.size() - 1; i >= 0; i--) {
                pq.queue.addFirst(batches.get(i));
            }
            for (int i = front.size() - 1; i >= 0; i--) {
                pq.queue.addFirst(front.get(i));
            }
        }
    }

    private static boolean precedes(Batch a, Batch b) {
        return b.baseSequence < 0 || Idempotence.sequenceBefore(a.baseSequence, b.baseSequence);
    }

    /** The records queued (not in flight) for the partition. */
    int queuedRecords(PartitionQueue pq) {
        int records = 0;
        synchronized (pq.lock) {
            for (Batch q : pq.queue) {
                records += q.recordCount();
            }
        }
        return records;
    }

    /**
     * Whether a queued batch of the partition holds sequences before
     * {@code sequence}; with {@code maybeWrittenOnly}, one that was sent
     * without an answer, so may be in the log.
     */
    boolean queuedBefore(PartitionQueue pq, int sequence, boolean maybeWrittenOnly) {
        synchronized (pq.lock) {
            for (Batch q : pq.queue) {
                if (q.baseSequence >= 0 && Idempotence.sequenceBefore(q.baseSequence, sequence)
                        && (!maybeWrittenOnly || q.unknownAttempt)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Whether nothing with a sequence is in flight or at the head of the partition's queue. */
    boolean noSequencedBatchOut(PartitionQueue pq) {
        synchronized (pq.lock) {
            Batch first = pq.queue.peekFirst();
            return pq.inFlight == 0 && (first == null || first.baseSequence < 0);
        }
    }

    /**
     * Takes out the queued batches of {@code producerId}/{@code epoch} whose
     * sequences come before {@code sequence}: a later batch was written ahead
     * of them, so they can no longer be written in order.
     */
    List<Batch> takeQueuedBefore(PartitionQueue pq, long producerId, short epoch, int sequence) {
        List<Batch> taken = new ArrayList<>();
        synchronized (pq.lock) {
            for (Iterator<Batch> it = pq.queue.iterator(); it.hasNext(); ) {
                Batch q = it.next();
                if (q.baseSequence >= 0 && q.producerId == producerId && q.producerEpoch == epoch
                        && Idempotence.sequenceBefore(q.baseSequence, sequence)) {
                    it.remove();
                    taken.add(q);
                }
            }
        }
        return taken;
    }

    /**
     * Holds the partition: nothing more of it is sent until {@link #reopen}.
     * Its queued batches stay.
     */
    void pause(PartitionQueue pq, ProduceException failure) {
        synchronized (pq.lock) {
            pq.mode = PartitionQueue.Mode.PAUSED;
            pq.failure = failure;
        }
    }

    /**
     * Takes out every batch queued for the partition (for the caller to fail);
     * with {@code refuseNew}, later records of the partition are refused until
     * {@link #reopen}.
     */
    List<Batch> takeQueued(PartitionQueue pq, ProduceException failure, boolean refuseNew) {
        synchronized (pq.lock) {
            List<Batch> queued = new ArrayList<>(pq.queue);
            pq.queue.clear();
            if (refuseNew) {
                pq.mode = PartitionQueue.Mode.FAILED;
                pq.failure = failure;
            }
            return queued;
        }
    }

    /** Every batch queued anywhere, taken out (the producer is stopping). */
    List<Batch> takeEverything() {
        List<Batch> all = new ArrayList<>();
        for (PartitionQueue pq : partitions.values()) {
            synchronized (pq.lock) {
                all.addAll(pq.queue);
                pq.queue.clear();
            }
        }
        return all;
    }

    /** Whether no batch is queued or in flight anywhere. */
    boolean isEmpty() {
        for (PartitionQueue pq : partitions.values()) {
            synchronized (pq.lock) {
                if (!pq.queue.isEmpty() || pq.inFlight > 0) {
                    return false;
                }
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- any thread

    /** Opens the partitions of {@code which} that are in mode {@code from}; returns those it opened. */
    Set<TopicPartition> reopen(Collection<TopicPartition> which, PartitionQueue.Mode from) {
        Set<TopicPartition> reopened = new LinkedHashSet<>();
        for (TopicPartition tp : which) {
            PartitionQueue pq = partitions.get(tp);
            if (pq == null) {
                continue;
            }
            synchronized (pq.lock) {
                if (pq.mode == from) {
                    pq.mode = PartitionQueue.Mode.OPEN;
                    pq.failure = null;
                    reopened.add(tp);
                }
            }
        }
        return reopened;
    }

    Set<TopicPartition> inMode(PartitionQueue.Mode mode) {
        Set<TopicPartition> found = new TreeSet<>(
                Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
        for (PartitionQueue pq : partitions.values()) {
            synchronized (pq.lock) {
                if (pq.mode == mode) {
                    found.add(pq.partition);
                }
            }
        }
        return found;
    }

    /** Whether the calling thread holds any partition's lock: never, where application code runs. */
    boolean holdsAnyLock() {
        for (PartitionQueue pq : partitions.values()) {
            if (Thread.holdsLock(pq.lock)) {
                return true;
            }
        }
        return false;
    }

    /** The partitions with something queued or in flight, or stopped, for {@code toString}. */
    String describe() {
        int batches = 0;
        int inFlight = 0;
        StringBuilder waiting = new StringBuilder();
        for (PartitionQueue pq : partitions.values()) {
            synchronized (pq.lock) {
                batches += pq.queue.size();
                inFlight += pq.inFlight;
                if (!pq.queue.isEmpty() || pq.inFlight > 0 || pq.mode != PartitionQueue.Mode.OPEN) {
                    waiting.append(", ").append(pq.partition).append(": ").append(pq.queue.size())
                            .append(" queued, ").append(pq.inFlight).append(" in flight")
                            .append(pq.mode == PartitionQueue.Mode.OPEN ? "" : ", " + pq.mode);
                }
            }
        }
        return partitions.size() + " partitions, " + batches + " batches queued, " + inFlight + " in flight" + waiting;
    }
}
