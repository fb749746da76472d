package dev.josef.kafka.consumer;

import dev.josef.kafka.consumer.spi.BatchCorruptionHandler;
import dev.josef.kafka.consumer.spi.CorruptBatch;
import dev.josef.kafka.protocol.ControlRecord;
import dev.josef.kafka.protocol.DecodeBuffer;
import dev.josef.kafka.protocol.Header;
import dev.josef.kafka.protocol.KafkaException;
import dev.josef.kafka.protocol.ProtocolException;
import dev.josef.kafka.protocol.Record;
import dev.josef.kafka.protocol.RecordBatch;
import dev.josef.kafka.protocol.RecordBatchReader;
import dev.josef.kafka.protocol.RecordCursor;
import dev.josef.kafka.protocol.TimestampType;
import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.protocol.message.FetchResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One partition's records from one Fetch answer, decoded as the application
 * polls: batch by batch, record by record, without decoding ahead of what a
 * poll returns. Owned by one polling thread at a time (the consumer takes it
 * out of the buffer while it decodes).
 *
 * <p>Records before the fetch offset are passed over (a compressed batch is
 * fetched whole even when the position is inside it). With read_committed,
 * batches of aborted transactions and control batches are passed over, using
 * the aborted-transactions list of the answer (KIP-98): a transactional batch
 * of producer P is aborted when an aborted transaction of P starts at or
 * before it and P's abort marker has not been passed yet.
 */
final class CompletedFetch {
    private static final Logger LOG = LoggerFactory.getLogger(CompletedFetch.class);

    final PartitionState state;
    final int generation;
    final ByteBuffer records;
    final int bytes;
    private final TopicPartition partition;
    private final RecordBatchReader.BatchIterator batches;
    private final boolean readCommitted;
    private final List<FetchResponse.AbortedTransaction> aborted;
    private int nextAborted;
    private Set<Long> abortingProducers;

    private RecordBatch batch;
    private RecordCursor cursor;
    /** The memory the current compressed batch was decompressed into, borrowed from the consumer's pool. */
    private DecodeBuffer decoded;
    private TimestampType timestampType;
    private int batchEpoch = -1;

    /** The next offset the application gets from this fetch. */
    long nextOffset;
    /** The leader epoch of the batch {@link #nextOffset} was reached in. */
    int nextOffsetEpoch;
    boolean done;

    CompletedFetch(PartitionState state, long fetchOffset, int fetchEpoch, ByteBuffer records,
                   List<FetchResponse.AbortedTransaction> aborted, boolean readCommitted, RecordBatchReader reader) {
        this.state = state;
        this.partition = state.partition;
        this.generation = state.generation;
        this.records = records;
        this.bytes = records.remaining();
        this.batches = reader.batches(records);
        this.readCommitted = readCommitted;
        this.nextOffset = fetchOffset;
        this.nextOffsetEpoch = fetchEpoch;
        if (readCommitted && aborted != null && !aborted.isEmpty()) {
            List<FetchResponse.AbortedTransaction> sorted = new ArrayList<>(aborted);
            sorted.sort(Comparator.comparingLong(FetchResponse.AbortedTransaction::firstOffset));
            this.aborted = sorted;
        } else {
            this.aborted = List.of();
        }
    }

    /**
     * What one drain met besides records: a corrupt batch (the partition stops or
     * skips as the handler said), or a batch that could not be framed.
     */
    record Problem(KafkaException error, boolean stop) {
    }

    /**
     * Appends up to {@code max} records to {@code out}.
     *
     * @return a problem that ends this drain, or null
     */
    Problem drain(int max, List<ConsumerRecord> out, BatchCorruptionHandler handler, ConsumerHooks hooks) {
        return drain(max, out, handler, hooks, null);
    }

    /**
     * As above; compressed batches are decompressed into a buffer borrowed from
     * {@code buffers} (when given), returned once the batch is read.
     */
    Problem drain(int max, List<ConsumerRecord> out, BatchCorruptionHandler handler, ConsumerHooks hooks,
                  DecodeBuffers buffers) {
        int added = 0;
        while (added < max && !done) {
            if (cursor != null) {
                boolean has;
                try {
                    has = cursor.next();
                } catch (ProtocolException e) {
                    return corrupt(e, handler, buffers);
                }
                if (has) {
                    long offset = cursor.offset();
                    if (offset >= nextOffset) {
                        out.add(new ConsumerRecord(partition.topic(), partition.partition(), offset,
                                cursor.timestamp(), timestampType, bytes(cursor.key()), bytes(cursor.value()),
                                cursor.headerCount() == 0 ? List.of() : List.copyOf(cursor.headers()), batchEpoch));
                        nextOffset = offset + 1;
                        if (batchEpoch >= 0) {
                            nextOffsetEpoch = batchEpoch;
                        }
                        added++;
                    }
                    continue;
                }
                finishBatch(buffers);
                continue;
            }
            RecordBatch next;
            try {
                if (!batches.hasNext()) {
                    done = true;
                    break;
                }
                next = batches.next();
            } catch (ProtocolException e) {
                done = true;
                return new Problem(new CorruptBatchException(partition, nextOffset, -1, nextOffset, e), true);
            }
            if (next.nextOffset() <= nextOffset) {
                continue; // wholly before the position
            }
            batch = next;
            if (skipsWithoutReading(next)) {
                finishBatch(buffers);
                continue;
            }
            try {
                if (buffers != null && next.compressionId() != 0) {
                    decoded = buffers.take();
                    cursor = next.cursor(decoded);
                } else {
                    cursor = next.cursor();
                }
            } catch (ProtocolException e) {
                return corrupt(e, handler, buffers);
            }
            timestampType = next.timestampType();
            batchEpoch = next.partitionLeaderEpoch();
            if (!hooks.isEmpty()) {
                hooks.batchFetched(partition, next.baseOffset(), next.recordCount(), next.sizeInBytes(),
                        next.compressionId());
            }
        }
        return null;
    }

    /** Control batches, and with read_committed the batches of aborted transactions. */
    private boolean skipsWithoutReading(RecordBatch b) {
        if (readCommitted && b.isTransactional()) {
            while (nextAborted < aborted.size() && aborted.get(nextAborted).firstOffset() <= b.lastOffset()) {
                if (abortingProducers == null) {
                    abortingProducers = new HashSet<>();
                }
                abortingProducers.add(aborted.get(nextAborted++).producerId());
            }
            if (b.isControlBatch()) {
                if (abortingProducers != null && abortingProducers.contains(b.producerId()) && isAbortMarker(b)) {
                    abortingProducers.remove(b.producerId());
                }
                return true;
            }
            return abortingProducers != null && abortingProducers.contains(b.producerId());
        }
        return b.isControlBatch();
    }

    private boolean isAbortMarker(RecordBatch b) {
        try {
            List<Record> control = b.records();
            return !control.isEmpty() && ControlRecord.parse(control.get(0)).type() == ControlRecord.Type.ABORT;
        } catch (ProtocolException e) {
            // A broken marker of a producer with an aborted transaction open: in a well-formed log that is its
            // abort marker, so it ends the aborted transaction as one would.
            LOG.warn("{}: the control batch at offset {} is unreadable ({}); treating it as an abort marker",
                    partition, b.baseOffset(), e.getMessage());
            return true;
        }
    }

    private void releaseBuffer(DecodeBuffers buffers) {
        if (decoded != null) {
            if (buffers != null) {
                buffers.give(decoded);
            }
            decoded = null;
        }
    }

    private void finishBatch(DecodeBuffers buffers) {
        releaseBuffer(buffers);
        nextOffset = Math.max(nextOffset, batch.nextOffset());
        if (batch.partitionLeaderEpoch() >= 0) {
            nextOffsetEpoch = batch.partitionLeaderEpoch();
        }
        batch = null;
        cursor = null;
    }

    private Problem corrupt(ProtocolException cause, BatchCorruptionHandler handler, DecodeBuffers buffers) {
        RecordBatch bad = batch;
        long base = firstOffset(bad);
        long next = bad.nextOffset();
        BatchCorruptionHandler.Decision decision;
        try {
            decision = handler.onCorruptBatch(new CorruptBatch(partition, base, next, cause,
                    bad.buffer().asReadOnlyBuffer()));
            if (decision == null) {
                decision = BatchCorruptionHandler.Decision.STOP;
            }
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("{}: batch corruption handler {} failed; stopping the partition at offset {}", partition,
                    handler.getClass().getName(), base, e);
            decision = BatchCorruptionHandler.Decision.STOP;
        }
        boolean skip = decision == BatchCorruptionHandler.Decision.SKIP;
        if (skip) {
            finishBatch(buffers);
            return new Problem(new CorruptBatchException(partition, base, next, -1, cause), false);
        }
        // The partition stops where the application is: at the batch, or inside it if some of its records
        // were returned already (a record that would not parse after others did, or a fetch that began in it).
        done = true;
        releaseBuffer(buffers); // the position stays where the application is: nextOffset does not move
        return new Problem(new CorruptBatchException(partition, base, next, nextOffset, cause), true);
    }

    /**
     * The first offset a corrupt batch holds, as far as the application is concerned. A compressed v0/v1
     * wrapper names only its last offset (its first is inside the bytes that would not decode, and
     * {@link RecordBatch#baseOffset()} would decode them again and throw): its records are those after
     * what this fetch has passed.
     */
    private long firstOffset(RecordBatch bad) {
        return bad.magic() < 2 && bad.compressionId() != 0 ? nextOffset : bad.baseOffset();
    }

    private static byte[] bytes(ByteBuffer view) {
        if (view == null) {
            return null;
        }
        byte[] b = new byte[view.remaining()];
        view.get(b);
        return b;
    }

    /**
     * The offset after the last whole batch in {@code records}, and that batch's
     * leader epoch, found by reading only batch headers; {@code null} when a batch
     * cannot be framed (the poll will report it).
     */
    static long[] end(ByteBuffer records, RecordBatchReader reader) {
        long end = -1;
        long epoch = -1;
        try {
            RecordBatchReader.BatchIterator it = reader.batches(records);
            while (it.hasNext()) {
                RecordBatch b = it.next();
                end = b.nextOffset();
                epoch = b.partitionLeaderEpoch();
            }
        } catch (ProtocolException e) {
            return null;
        }
        return new long[] {end, epoch};
    }
}
