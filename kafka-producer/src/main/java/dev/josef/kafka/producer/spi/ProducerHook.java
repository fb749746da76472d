package dev.josef.kafka.producer.spi;

import dev.josef.kafka.net.spi.Hook;
import dev.josef.kafka.producer.DataLossException;
import dev.josef.kafka.producer.ProducerRecord;
import dev.josef.kafka.producer.RecordMetadata;
import dev.josef.kafka.protocol.TopicPartition;

/**
 * Observes a producer's records and batches, for metrics and tracing
 * (kafka-otel builds on it); the producer's member of the {@code ClientHook}
 * family. Every hook found with {@link java.util.ServiceLoader} or given to the
 * producer's builder is called, in ascending {@link #order()}.
 *
 * <p>Threads: {@link #onProduce} runs on the thread that calls {@code produce},
 * so it sees that thread's context (a current span, say). {@link #onBuffered}
 * runs where the record joins its partition's batch: the producing thread, or
 * the sender thread for a record that waited for its topic's metadata.
 * {@link #onDataLoss} runs on the sender thread, before the partition's
 * ordering policy decides. {@link #onOpen} runs on the thread that creates the
 * producer, {@link #onClose} and {@link #onTransactionEnd} on the thread that
 * closes it or ends the transaction. The others run on the producer's callback thread,
 * in order per partition, just before the record's future completes; a record
 * refused at the call itself (its partition failed, say) is reported by
 * {@link #onFailed} on the producing thread. No hook is ever called with a
 * producer lock held. Hooks must be fast and thread-safe; an exception from a
 * hook is logged and harms neither the record nor the other hooks.
 *
 * <p>Latency is split in two: {@code bufferNanos} from {@code produce} until
 * the record's batch was first sent, {@code inFlightNanos} from then until the
 * outcome (0 for a record that was never sent).
 */
public interface ProducerHook extends Hook {


    /**
     * Called first in {@code produce}, before the record is checked and encoded;
     * returns the record to produce, which may carry added headers (a trace
     * context, say). Returning null is taken as returning {@code record}.
     */
    default ProducerRecord onProduce(String clientId, ProducerRecord record) {
        return record;
    }

    /** The record joined a batch of {@code partition}; {@code bytes} is its encoded size, at most. */
    default void onBuffered(String clientId, ProducerRecord record, TopicPartition partition, int bytes) {
    }

    /**
     * A batch went out in a Produce request: its record count, its size on the
     * wire (compressed), and which attempt this is (1 for the first).
     */
    default void onBatchSent(String clientId, TopicPartition partition, int records, int bytes, int attempt) {
    }

    /** The broker acknowledged the record at {@code metadata}'s offset (-1 with acks=0). */
    default void onAcknowledged(String clientId, ProducerRecord record, RecordMetadata metadata,
                                long bufferNanos, long inFlightNanos) {
    }

    /** The record failed for good; {@code error} is usually a {@code ProduceException}. */
    default void onFailed(String clientId, ProducerRecord record, Throwable error, long bufferNanos,
                          long inFlightNanos) {
    }

    /**
     * The broker lost this producer's state for a partition while records the
     * producer had acknowledged there may still have been in the log: they may be
     * gone. Called once per detection on the sender thread, before the
     * partition's ordering policy decides (so an alert goes out before any
     * record behind the loss is failed or held).
     */
    default void onDataLoss(String clientId, DataLossException loss) {
    }

    /**
     * The producer was created; {@code view} tells its state on demand
     * until {@link #onClose} (for gauges a metrics reader polls).
     */
    default void onOpen(String clientId, ProducerView view) {
    }

    /** The producer closed; its view tells nothing useful from now on. */
    default void onClose(String clientId, ProducerView view) {
    }

    /**
     * A request carrying {@code batches} batches ({@code records} records,
     * {@code bytes} bytes of record batches) went to broker {@code nodeId}.
     */
    default void onRequestSent(String clientId, int nodeId, int batches, int records, int bytes) {
    }

    /**
     * A transaction ended: {@code commit} says whether it was a commit or an abort,
     * {@code durationNanos} how long the call took (waiting for the transaction's
     * records included), {@code error} why it failed, or null when it succeeded.
     * A commit that failed is usually followed by an abort.
     */
    default void onTransactionEnd(String clientId, String transactionalId, boolean commit, long durationNanos,
                                  Throwable error) {
    }
}
