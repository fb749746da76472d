package dev.josef.kafka.producer;

import dev.josef.kafka.net.internal.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The outbox: record outcomes (futures, callbacks, dependent stages) and the
 * hooks that go with them, handed to the producer's callback thread in the
 * order the sender settled them, so per partition in order. The sender never
 * runs application code for a record itself, and holds no lock when it hands
 * a pass's work over.
 *
 * <p>The sender thread queues ({@link #later} and the rest) and
 * {@link #flush}es once per pass; the callback thread runs what was flushed.
 */
final class Completions {
    private static final Logger LOG = LoggerFactory.getLogger(Completions.class);

    private final Executor callbacks;
    private final ProducerHooks hooks;
    private final Clock clock;
    private final RecordAccumulator accumulator;
    /** Sender thread only. */
    private List<Runnable> outbox = new ArrayList<>();
    /** Told of every record failed here, on the sender thread (a transaction becomes abortable). */
    private java.util.function.Consumer<Throwable> failureListener = e -> { };

    Completions(Executor callbacks, ProducerHooks hooks, Clock clock, RecordAccumulator accumulator) {
        this.callbacks = callbacks;
        this.hooks = hooks;
        this.clock = clock;
        this.accumulator = accumulator;
    }

    /** Queues work for the callback thread. */
    void later(Runnable task) {
        outbox.add(task);
    }

    /**
     * Hands what was queued to the callback thread as one task, in order: with
     * small batches a hand-over per batch was a good part of a record's cost.
     */
    void flush() {
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
        } catch (RejectedExecutionException e) {
            all.run(); // close gave up waiting for the sender and stopped the callback thread: complete here
        }
    }

    /** The broker wrote the batch at {@code baseOffset} (-1 when it did not say, or with acks=0). */
    void complete(Batch b, long baseOffset, long logAppendTime) {
        List<PendingRecord> records = b.records;
        long sent = b.firstSentNanos;
        accumulator.recycle(b);
        later(() -> {
            long now = clock.nanoTime();
            for (int i = 0; i < records.size(); i++) {
                PendingRecord p = records.get(i);
                long offset = baseOffset < 0 ? -1 : baseOffset + i;
                long timestamp = logAppendTime >= 0 ? logAppendTime : p.timestamp;
                RecordMetadata metadata = new RecordMetadata(b.partition.topic(), b.partition.partition(), offset, timestamp);
                if (!hooks.isEmpty()) {
                    hooks.acknowledged(p.record, metadata, sent - p.enqueuedNanos, now - sent);
                }
                p.future.settle(metadata);
            }
        });
    }

    /** Fails a batch's records, saying whether they may be in the log. */
    ProduceException failBatch(Batch b, String reason, Throwable cause) {
        ProduceException failure = failureOf(b, reason, cause);
        failBatch(b, failure);
        return failure;
    }

    void failBatch(Batch b, ProduceException failure) {
        for (PendingRecord p : b.records) {
            fail(p, failure, b.firstSentNanos);
        }
        accumulator.recycle(b);
    }

    /** The failure of a batch's records: POSSIBLY_PERSISTED when a request carrying it may have reached a broker. */
    static ProduceException failureOf(Batch b, String reason, Throwable cause) {
        Persistence persistence = b.maybeSent ? Persistence.POSSIBLY_PERSISTED : Persistence.NOT_PERSISTED;
        return new ProduceException(persistence, b.partition.topic(), b.partition.partition(),
                b.recordCount() + " record(s) to " + b.partition + " failed (" + persistence + "): " + reason, cause);
    }

    void failureListener(java.util.function.Consumer<Throwable> listener) {
        this.failureListener = listener;
    }

    /** Fails one record; {@code sentNanos} is when its batch was first sent, 0 if never. */
    void fail(PendingRecord p, Throwable failure, long sentNanos) {
        failureListener.accept(failure);
        later(() -> {
            if (!hooks.isEmpty()) {
                long now = clock.nanoTime();
                long buffered = (sentNanos == 0 ? now : sentNanos) - p.enqueuedNanos;
                hooks.failed(p.record, failure, buffered, sentNanos == 0 ? 0 : now - sentNanos);
            }
            p.future.settleExceptionally(failure);
        });
    }

    /** A batch went out: its hook, in order with the outcomes. */
    void batchSent(Batch b) {
        if (!hooks.isEmpty()) {
            int records = b.recordCount();
            int bytes = b.built.remaining();
            int attempt = b.attempts;
            later(() -> hooks.batchSent(b.partition, records, bytes, attempt));
        }
    }

    /** A Produce request with {@code batches} went to broker {@code nodeId}. */
    void requestSent(int nodeId, java.util.List<Batch> batches) {
        if (!hooks.isEmpty()) {
            int records = 0;
            int bytes = 0;
            for (Batch b : batches) {
                records += b.recordCount();
                bytes += b.built.remaining();
            }
            int count = batches.size();
            int total = records;
            int size = bytes;
            later(() -> hooks.requestSent(nodeId, count, total, size));
        }
    }
}
