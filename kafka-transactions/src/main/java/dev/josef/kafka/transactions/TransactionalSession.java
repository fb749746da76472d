package dev.josef.kafka.transactions;

import dev.josef.kafka.consumer.Consumer;
import dev.josef.kafka.consumer.ConsumerConfig;
import dev.josef.kafka.consumer.ConsumerRecord;
import dev.josef.kafka.consumer.ConsumerRecords;
import dev.josef.kafka.producer.ProduceFuture;
import dev.josef.kafka.producer.Producer;
import dev.josef.kafka.producer.ProducerConfig;
import dev.josef.kafka.producer.ProducerRecord;
import dev.josef.kafka.producer.TransactionAbortableException;
import dev.josef.kafka.producer.TransactionOffset;
import dev.josef.kafka.producer.TransactionTimeoutException;
import dev.josef.kafka.protocol.GroupMetadata;
import dev.josef.kafka.protocol.IsolationLevel;
import dev.josef.kafka.protocol.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * Exactly-once consume-process-produce: a group consumer and a transactional
 * producer that commit together. Records a {@link #poll} hands out and the
 * records {@link #produce} writes belong to one transaction, which
 * {@link #commit} ends with the consumed offsets in it (KIP-447): the output
 * and the input's progress become visible together, or neither does.
 *
 * <p>Rebalances wait for the transaction (behaviour 5). The consumer is built
 * with {@code blockRebalanceOnPoll}: a rebalance that would take partitions
 * away while a transaction is open is held (heartbeats go on) until the
 * transaction ends, so the partitions' last offsets are committed in it
 * instead of being thrown away with an abort. When the transaction cannot
 * commit (the member was fenced because it held the rebalance past the
 * rebalance timeout, a record failed, the coordinator aborted the transaction
 * at its timeout), it is aborted and the consumer is rewound to where the
 * transaction began on every partition it still owns, before any held
 * rebalance step gives partitions up: their next owner, or this member, reads
 * those records again, and their earlier output was never visible.
 *
 * <p>The guarantee, for read_committed readers of the output: each input record
 * whose processing is committed appears in the output exactly once, in input
 * order per input partition; no record is skipped. It holds across rebalances
 * on both group protocols, crashes of this process, and fencing by a newer
 * instance with the same transactional id. It does not cover side effects
 * outside Kafka.
 *
 * <p>Threads: one application thread calls poll, produce and commit, as with
 * a consumer; the producer's futures complete on its callback thread.
 */
public final class TransactionalSession implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TransactionalSession.class);
    /** How many times a commit that outlived maxBlock is waited for again before the session gives up on it. */
    private static final int COMMIT_WAITS = 10;

    /** How a transaction ended. */
    public enum Outcome {
        /** The output and the offsets are committed. */
        COMMITTED,
        /** Nothing was consumed or produced since the last commit: there was nothing to commit. */
        EMPTY,
        /** The transaction was aborted and the consumer rewound: the records are read again. */
        ABORTED
    }

    private final Consumer consumer;
    private final Producer producer;
    /** Per partition in the open transaction: the first offset handed out, and the offset after the last. */
    private final Map<TopicPartition, long[]> consumed = new HashMap<>();
    private final Map<TopicPartition, Integer> epochs = new HashMap<>();
    private boolean open;
    /** The consumer's count of lost partitions when the transaction began. */
    private long lossesAtBegin;

    private TransactionalSession(Consumer consumer, Producer producer) {
        this.consumer = consumer;
        this.producer = producer;
    }

    /**
     * A session from a consumer's and a producer's settings. The consumer's
     * need a group id; the session sets what exactly-once needs on top:
     * read_committed, no auto-commit, and rebalances held by poll. The
     * producer's need a transactional id. The producer is initialized
     * (fencing any older instance with the same transactional id) and the
     * consumer subscribed before this returns.
     *
     * @throws IllegalArgumentException without a group id or a transactional id
     */
    public static TransactionalSession create(ConsumerConfig.Builder consumer, ProducerConfig.Builder producer,
                                              Collection<String> topics) {
        Objects.requireNonNull(consumer, "consumer");
        Objects.requireNonNull(producer, "producer");
        Objects.requireNonNull(topics, "topics");
        consumer.autoCommit(false).isolationLevel(IsolationLevel.READ_COMMITTED);
        if (consumer.build().groupId().isEmpty()) {
            throw new IllegalArgumentException("a TransactionalSession commits offsets to a consumer group: give the "
                    + "consumer a groupId");
        }
        ConsumerConfig consumerConfig = consumer.blockRebalanceOnPoll().build();
        ProducerConfig producerConfig = producer.build();
        if (producerConfig.transactionalId().isEmpty()) {
            throw new IllegalArgumentException("a TransactionalSession writes transactions: give the producer a "
                    + "transactionalId");
        }
        Producer p = Producer.create(producerConfig);
        Consumer c = null;
        try {
            p.initTransactions();
            c = Consumer.create(consumerConfig);
            TransactionalSession session = new TransactionalSession(c, p);
            c.subscribe(topics);
            return session;
        } catch (RuntimeException e) {
            if (c != null) {
                c.close(Duration.ZERO);
            }
            p.close(Duration.ZERO);
            throw e;
        }
    }

    /** The group consumer, for what the session does not wrap (assignment, lag, metrics). Do not commit with it. */
    public Consumer consumer() {
        return consumer;
    }

    /** The transactional producer. Do not begin, commit or abort with it. */
    public Producer producer() {
        return producer;
    }

    /**
     * Polls the consumer; records it returns belong to the open transaction,
     * which begins here when none is open.
     */
    public ConsumerRecords poll(Duration timeout) {
        long losses = consumer.partitionsLostCount(); // before any record of this poll was handed out
        ConsumerRecords records = consumer.poll(timeout);
        if (!records.isEmpty()) {
            if (!open) {
                try {
                    begin();
                } catch (RuntimeException e) {
                    // No transaction to hold these records: give them back, so no later commit skips them.
                    Map<TopicPartition, Long> first = new HashMap<>();
                    for (ConsumerRecord r : records) {
                        first.merge(r.topicPartition(), r.offset(), Math::min);
                    }
                    first.forEach(this::seekIfOwned);
                    throw e;
                }
                lossesAtBegin = losses;
            }
            for (ConsumerRecord r : records) {
                long[] range = consumed.computeIfAbsent(r.topicPartition(), tp -> new long[] {r.offset(), r.offset()});
                range[1] = Math.max(range[1], r.offset() + 1);
                epochs.put(r.topicPartition(), r.leaderEpoch());
            }
        } else if (!open) {
            consumer.allowRebalance(); // nothing in hand: a held step may go on
        }
        return records;
    }

    /** Produces {@code record} in the open transaction, which begins here when none is open. */
    public ProduceFuture produce(ProducerRecord record) {
        begin();
        return producer.produce(record);
    }

    /**
     * Ends the transaction: sends what is buffered, commits the offsets after
     * every record poll handed out in it, and commits. Call it once every record
     * those polls returned is processed. A transaction that cannot commit is
     * aborted and the consumer rewound, and this returns {@link Outcome#ABORTED}.
     * A rebalance held meanwhile goes on after it.
     *
     * @throws dev.josef.kafka.producer.ProducerFencedException  another instance took over the transactional id:
     *                                                            close this session
     * @throws dev.josef.kafka.producer.TransactionFatalException the producer cannot go on
     */
    public Outcome commit() {
        if (!open) {
            consumer.allowRebalance();
            return Outcome.EMPTY;
        }
        try {
            // Who the member is, read before the check: a loss after this read still shows in the count.
            GroupMetadata member = consumer.groupMetadata();
            if (!consumed.isEmpty() && (consumer.partitionsLostCount() != lossesAtBegin
                    || member.generationId() < 0)) {
                // Fenced or dropped meanwhile: another member may have read these records since, even if this one
                // has its partitions back now under a new generation that the coordinator would accept.
                LOG.warn("the consumer lost partitions during the transaction; aborting it and reading its records "
                        + "again");
                abortAndRewind();
                return Outcome.ABORTED;
            }
            if (!consumed.isEmpty()) {
                Map<TopicPartition, TransactionOffset> offsets = new HashMap<>();
                consumed.forEach((tp, range) -> {
                    int epoch = epochs.getOrDefault(tp, -1);
                    offsets.put(tp, new TransactionOffset(range[1], epoch >= 0 ? OptionalInt.of(epoch)
                            : OptionalInt.empty(), ""));
                });
                producer.sendOffsetsToTransaction(offsets, member);
            }
            waiting(producer::commitTransaction, "commit");
            LOG.debug("transaction committed: offsets {}", consumed.keySet());
            ended();
            return Outcome.COMMITTED;
        } catch (TransactionAbortableException e) {
            LOG.warn("the transaction cannot commit ({}); aborting it and reading its records again", e.getMessage());
            abortAndRewind();
            return Outcome.ABORTED;
        } finally {
            if (!open) {
                consumer.allowRebalance();
            }
        }
    }

    /** Aborts the open transaction, if any, and rewinds the consumer to where it began. */
    public void abort() {
        if (open) {
            abortAndRewind();
        }
        consumer.allowRebalance();
    }

    private void begin() {
        if (!open) {
            lossesAtBegin = consumer.partitionsLostCount();
            producer.beginTransaction();
            open = true;
        }
    }

    /**
     * Runs a commit or an abort, and waits for it again when it outlives
     * maxBlock: it goes on meanwhile, and calling again waits on the same one.
     */
    private static void waiting(Runnable call, String what) {
        for (int i = 0; ; i++) {
            try {
                call.run();
                return;
            } catch (TransactionTimeoutException e) {
                if (i + 1 >= COMMIT_WAITS) {
                    throw e;
                }
                LOG.info("the {} is taking long; waiting for it again ({})", what, e.getMessage());
            }
        }
    }

    /**
     * Aborts, then seeks every partition of the transaction that the consumer
     * still owns back to the first offset it handed out in it. Runs before the
     * session allows a held rebalance, so partitions are given up rewound.
     */
    private void abortAndRewind() {
        try {
            waiting(producer::abortTransaction, "abort");
        } finally {
            // Rewound whatever became of the abort: the records are read again rather than skipped.
            consumed.forEach((tp, range) -> seekIfOwned(tp, range[0]));
            LOG.info("transaction aborted; rewound {}", consumed.keySet());
            ended();
        }
    }

    /** Seeks a partition the consumer still owns; one lost meanwhile is its next owner's, from the commit. */
    private void seekIfOwned(TopicPartition tp, long offset) {
        if (!consumer.assignment().contains(tp)) {
            return;
        }
        try {
            consumer.seek(tp, offset);
        } catch (IllegalStateException lostMeanwhile) {
            LOG.debug("{} was lost before it could be rewound", tp);
        }
    }

    private void ended() {
        consumed.clear();
        epochs.clear();
        open = false;
    }

    /** Aborts an open transaction, then closes the consumer (leaving the group) and the producer. */
    @Override
    public void close() {
        try {
            if (open) {
                abortAndRewind();
            }
        } catch (RuntimeException e) {
            LOG.warn("aborting the open transaction on close failed: {}", e.getMessage());
        } finally {
            try {
                consumer.close();
            } finally {
                producer.close();
            }
        }
    }
}
