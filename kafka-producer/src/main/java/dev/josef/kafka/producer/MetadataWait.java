package dev.josef.kafka.producer;

import dev.josef.kafka.net.internal.ClusterMetadata;
import dev.josef.kafka.protocol.ErrorCode;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * Records whose topic's metadata is not known yet: they wait here, in the
 * order they were produced, while the producer asks the cluster (letting the
 * broker create a missing topic, as kafka-clients' producer does), and are
 * placed in their partitions once the topic is known; or they fail when the
 * cluster refuses the topic, or at the delivery timeout. The refresh also
 * brings new leaders for partitions the sender found without one.
 *
 * <p>Threads: producing threads add records ({@link #await}) and ask whether
 * a topic has records waiting ({@link #hasBacklog}); the sender thread does
 * the rest. A topic leaves the backlog, under {@code backlogLock}, only once
 * every record of it that waited is placed, so a record produced meanwhile
 * never overtakes the ones before it. Records are placed (which runs the
 * partitioner and the hooks) with no lock held.
 */
final class MetadataWait {
    private static final Logger LOG = LoggerFactory.getLogger(MetadataWait.class);
    private static final long RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    static final int ROUNDS_PER_PASS = 8;

    /** Places a record whose topic became known. */
    interface Placer {
        /** @return null when placed; the failure when the record was refused (a failed partition, say) */
        ProduceException place(PendingRecord pending, ClusterMetadata.Topic topic);
    }

    private final ProducerConfig config;
    private final ProducerNetwork network;
    private final Completions completions;
    private final Runnable wakeup;
    private final Set<String> backlog = ConcurrentHashMap.newKeySet();
    private final ConcurrentLinkedQueue<PendingRecord> arriving = new ConcurrentLinkedQueue<>();
    private final Object backlogLock = new Object();

    // Sender thread only:
    private final Map<String, List<PendingRecord>> waiting = new LinkedHashMap<>();
    private final Map<String, Integer> unknownTopicAnswers = new HashMap<>();
    private CompletableFuture<ClusterMetadata> refresh;
    private long retryAtNanos;
    private boolean stale;

    MetadataWait(ProducerConfig config, ProducerNetwork network, Completions completions, Runnable wakeup) {
        this.config = config;
        this.network = network;
        this.completions = completions;
        this.wakeup = wakeup;
    }

    // ---------------------------------------------------------------- producing threads

    /**
     * Takes a record for a topic whose metadata is not known, or that still has
     * records waiting for it: it joins the end of that topic's line.
     */
    void await(PendingRecord pending) {
        synchronized (backlogLock) {
            backlog.add(pending.record.topic());
            arriving.add(pending);
        }
        wakeup.run();
    }

    /** Whether records of {@code topic} wait for metadata: a new one must queue behind them. */
    boolean hasBacklog(String topic) {
        return !backlog.isEmpty() && backlog.contains(topic);
    }

    // ---------------------------------------------------------------- sender thread

    /** Some partition has no live leader, or a broker said it is not the leader: ask again. */
    void markStale() {
        stale = true;
    }

    boolean isEmpty() {
        return waiting.isEmpty() && arriving.isEmpty();
    }

    /**
     * Places the records of topics that became known, judges the answer of the
     * last refresh, and starts another when records wait or leaders are stale.
     *
     * @param knownTopics the topics the producer has partitions of, described by every refresh
     *                    (asked for only when a refresh starts)
     * @return when to look again
     */
    long poll(long now, Placer placer, java.util.function.Supplier<Set<String>> knownTopics) {
        if (refresh != null && refresh.isDone()) {
            boolean failed = refresh.isCompletedExceptionally();
            ClusterMetadata answered = failed ? null : refresh.join();
            refresh = null;
            retryAtNanos = now + RETRY_NANOS;
            if (failed) {
                LOG.debug("a metadata refresh failed; trying again shortly");
            } else {
                judgeMissingTopics(answered);
            }
        }
        boolean more = placeKnown(network.metadata(), placer);
        if ((!waiting.isEmpty() || stale) && refresh == null && now - retryAtNanos >= 0) {
            Set<String> topics = new HashSet<>(waiting.keySet());
            topics.addAll(knownTopics.get());
            stale = false;
            refresh = network.refreshMetadata(topics, true);
            refresh.whenComplete((m, e) -> wakeup.run());
        }
        return more ? now : waiting.isEmpty() ? Long.MAX_VALUE : now + RETRY_NANOS;
    }

    /**
     * Places what waited for topics now known, in rounds: what arrives for a
     * topic while its records are placed joins the next round, and the topic
     * leaves the backlog after a round with none. At most
     * {@link #ROUNDS_PER_PASS} rounds a pass, so producers that keep a topic's
     * line growing never keep the sender from sending.
     *
     * @return whether records of a known topic are still to be placed
     */
    private boolean placeKnown(ClusterMetadata metadata, Placer placer) {
        if (waiting.isEmpty() && arriving.isEmpty()) {
            return false; // every pass of the sender comes here: nothing to lock or allocate when nothing waits
        }
        Set<String> placed = new HashSet<>();
        for (int round = 0; ; round++) {
            Map<String, List<PendingRecord>> ready = new LinkedHashMap<>();
            Map<String, ClusterMetadata.Topic> described = new HashMap<>();
            synchronized (backlogLock) {
                takeArrivals();
                for (Iterator<Map.Entry<String, List<PendingRecord>>> it = waiting.entrySet().iterator(); it.hasNext(); ) {
                    Map.Entry<String, List<PendingRecord>> e = it.next();
                    ClusterMetadata.Topic topic = metadata.topic(e.getKey()).orElse(null);
                    if (topic != null && !topic.partitions().isEmpty() && topic.error() == ErrorCode.NONE) {
                        ready.put(e.getKey(), e.getValue());
                        described.put(e.getKey(), topic);
                        it.remove();
                    }
                }
                if (ready.isEmpty()) {
                    // Every record that waited for these topics is placed, and none arrived since.
                    backlog.removeAll(placed);
                    return false;
                }
                if (round == ROUNDS_PER_PASS) {
                    for (Map.Entry<String, List<PendingRecord>> e : ready.entrySet()) {
                        waiting.put(e.getKey(), e.getValue()); // back, at the front of their lines: nothing is ahead
                    }
                    return true;
                }
            }
            for (Map.Entry<String, List<PendingRecord>> e : ready.entrySet()) {
                placed.add(e.getKey());
                for (PendingRecord p : e.getValue()) {
                    ProduceException refused = placer.place(p, described.get(e.getKey()));
                    if (refused != null) {
                        completions.fail(p, refused, 0);
                    }
                }
            }
        }
    }

    private void takeArrivals() {
        PendingRecord p;
        while ((p = arriving.poll()) != null) {
            waiting.computeIfAbsent(p.record.topic(), t -> new ArrayList<>()).add(p);
        }
    }

    /**
     * Fails the waiting records of topics the cluster refuses for good (not
     * authorized, an invalid name), and of topics it said do not exist more
     * often than {@link ProducerConfig#unknownTopicRetries()} allows.
     */
    private void judgeMissingTopics(ClusterMetadata answered) {
        for (String topic : new ArrayList<>(waiting.keySet())) {
            ErrorCode error = answered.topic(topic).map(ClusterMetadata.Topic::error)
                    .orElse(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
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
            records = waiting.remove(topic);
            backlog.remove(topic);
        }
        if (records != null) {
            ProduceException failure = new ProduceException(Persistence.NOT_PERSISTED, topic, -1, reason, null);
            for (PendingRecord p : records) {
                completions.fail(p, failure, 0);
            }
        }
    }

    /**
     * Fails waiting records that outlived the delivery timeout.
     *
     * @return when the next one does
     */
    long expire(long now) {
        long timeout = config.deliveryTimeout().toNanos();
        long next = Long.MAX_VALUE;
        for (Iterator<Map.Entry<String, List<PendingRecord>>> it = waiting.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, List<PendingRecord>> e = it.next();
            for (Iterator<PendingRecord> records = e.getValue().iterator(); records.hasNext(); ) {
                PendingRecord p = records.next();
                if (now - (p.enqueuedNanos + timeout) >= 0) {
                    records.remove();
                    completions.fail(p, new ProduceException(Persistence.NOT_PERSISTED, e.getKey(), -1,
                            "topic " + e.getKey() + " was not found in the cluster's metadata within the delivery "
                                    + "timeout " + config.deliveryTimeout(), null), 0);
                } else {
                    next = Math.min(next, p.enqueuedNanos + timeout);
                }
            }
            if (e.getValue().isEmpty()) {
                it.remove();
                synchronized (backlogLock) {
                    if (!waiting.containsKey(e.getKey()) && arriving.stream().noneMatch(
                            p -> p.record.topic().equals(e.getKey()))) {
                        backlog.remove(e.getKey());
                    }
                }
            }
        }
        return next;
    }

    /** Fails every waiting record (the producer is stopping). */
    void failAll(String reason) {
        List<PendingRecord> all = new ArrayList<>();
        synchronized (backlogLock) {
            takeArrivals();
            waiting.values().forEach(all::addAll);
            waiting.clear();
            backlog.clear();
        }
        for (PendingRecord p : all) {
            completions.fail(p, new ProduceException(Persistence.NOT_PERSISTED, p.record.topic(), -1, reason, null), 0);
        }
    }
}
