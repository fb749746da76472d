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
import java.nio.ByteOrder;
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
 *
 * <p>With {@code check.crcs} each batch's checksum is checked before anything
 * it covers is used: the control and transactional bits, the last offset delta
 * and the producer id decide what is passed over, and one flipped bit in them
 * would drop a batch silently. A batch that fails it goes to the
 * {@link BatchCorruptionHandler} like any corrupt batch. Its end, from a header
 * that cannot be trusted, is taken only when it is believable ({@link #endOf}).
 */
final class CompletedFetch {
    private static final Logger LOG = LoggerFactory.getLogger(CompletedFetch.class);

    final PartitionState state;
    final int generation;
    final ByteBuffer records;
    final int bytes;
    /**
     * Where the fetcher sent this partition's next Fetch from, judging by batch headers alone
     * ({@link #end}); -1 when it waits for this fetch to be read. A poll that ends this fetch
     * elsewhere voids what was fetched after it.
     */
    final long fetchEnd;
    private final TopicPartition partition;
    private final RecordBatchReader.BatchIterator batches;
    /** Where {@link #records} starts: the batch iterator's offsets count from here. */
    private final int start;
    private final boolean checkCrcs;
    /** The answer's high watermark (last stable offset, read_committed): no batch in it ends later; -1 if unknown. */
    private final long visibleEnd;
    private final boolean readCommitted;
    private final List<FetchResponse.AbortedTransaction> aborted;
    private int nextAborted;
    private Set<Long> abortingProducers;

    private RecordBatch batch;
    private RecordCursor cursor;
    /** The memory the current compressed batch was decompressed into, borrowed from the consumer's pool. */
    private DecodeBuffer decoded;
    private TimestampType timestampType;
    /** Whether a whole batch has been found in this answer. */
    private boolean framed;
    private int batchEpoch = -1;

    /** The next offset the application gets from this fetch. */
    long nextOffset;
    /** The leader epoch of the batch {@link #nextOffset} was reached in. */
    int nextOffsetEpoch;
    boolean done;

    /**
     * @param fetchEnd   where the next Fetch of the partition starts ({@link #end}), or -1
     * @param visibleEnd the answer's high watermark, or with read_committed its last stable offset; -1 if unknown
     */
    CompletedFetch(PartitionState state, long fetchOffset, int fetchEpoch, long fetchEnd, long visibleEnd,
                   ByteBuffer records, List<FetchResponse.AbortedTransaction> aborted, boolean readCommitted,
                   RecordBatchReader reader) {
        this.state = state;
        this.partition = state.partition;
        this.generation = state.generation;
        this.records = records;
        this.bytes = records.remaining();
        this.start = records.position();
        this.fetchEnd = fetchEnd;
        this.visibleEnd = visibleEnd;
        this.batches = reader.batches(records);
        this.checkCrcs = reader.verifiesChecksums();
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
                finishBatch(buffers, batch.nextOffset());
                continue;
            }
            RecordBatch next;
            try {
                if (!batches.hasNext()) {
                    done = true;
                    if (!framed && batches.trailingBytes() > 0) {
                        return noWholeBatch();
                    }
                    break;
                }
                next = batches.next();
            } catch (ProtocolException e) {
                done = true;
                return new Problem(new CorruptBatchException(partition, nextOffset, -1, nextOffset, e), true);
            }
            framed = true;
            if (checkCrcs) {
                try {
                    next.ensureValid(); // once per batch: the cursor below reuses the outcome
                } catch (ProtocolException e) {
                    batch = next;
                    return corrupt(e, handler, buffers);
                }
            }
            if (next.nextOffset() <= nextOffset) {
                continue; // wholly before the position
            }
            batch = next;
            if (skipsWithoutReading(next)) {
                finishBatch(buffers, next.nextOffset());
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

    /**
     * Bytes with no whole batch in them. Since Fetch v3 (KIP-74) a broker answers a first batch it cannot send
     * whole with no records at all, so this is a size field that says more than there is: no progress can be
     * made from this offset ("failed to make progress", kafka-clients says), and where the batch ends is
     * unknown, so the partition stops as for a batch that cannot be framed.
     */
    private Problem noWholeBatch() {
        String detail = "";
        if (bytes >= 12) { // the offset and size fields
            ByteBuffer view = records.duplicate().order(ByteOrder.BIG_ENDIAN);
            detail = ": the batch at offset " + view.getLong(start) + " declares a size of " + view.getInt(start + 8)
                    + " bytes, and " + (bytes - 12) + " follow";
        }
        ProtocolException cause = new ProtocolException("failed to make progress: the broker answered " + bytes
                + " bytes at offset " + nextOffset + " with no whole batch in them" + detail);
        return new Problem(new CorruptBatchException(partition, nextOffset, -1, nextOffset, cause), true);
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

    /** Done with the current batch: the fetch goes on at {@code end} (or where it is, if that is further). */
    private void finishBatch(DecodeBuffers buffers, long end) {
        releaseBuffer(buffers);
        nextOffset = Math.max(nextOffset, end);
        if (batch.partitionLeaderEpoch() >= 0) {
            nextOffsetEpoch = batch.partitionLeaderEpoch();
        }
        batch = null;
        cursor = null;
    }

    private Problem corrupt(ProtocolException cause, BatchCorruptionHandler handler, DecodeBuffers buffers) {
        RecordBatch bad = batch;
        long base = firstOffset(bad);
        long next = endOf(bad, nextOffset, following());
        if (next < 0) {
            // Neither its header nor what follows it says where it ends, so it cannot be skipped: the partition
            // stops whatever the handler would say, as for a batch that cannot be framed.
            done = true;
            releaseBuffer(buffers);
            return new Problem(new CorruptBatchException(partition, base, -1, nextOffset, cause), true);
        }
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
            finishBatch(buffers, next);
            if (readCommitted) {
                // The batch may have been a transaction's abort marker, whose producer id cannot be trusted now:
                // what follows is fetched again from here, with the aborted transactions the broker lists from
                // this offset on, rather than read with a guess of which transaction ended.
                done = true;
            }
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
     * Where what follows the current batch in this answer starts: the base offset in the first bytes
     * after it (a whole batch or the start of one cut off), and no later than the answer's
     * {@link #visibleEnd}; -1 if neither is known.
     */
    private long following() {
        return following(records, start, bytes, batches.trailingBytes(), visibleEnd);
    }

    private static long following(ByteBuffer records, int start, int bytes, int trailing, long visibleEnd) {
        if (trailing < Long.BYTES) {
            return visibleEnd;
        }
        long offset = records.getLong(start + bytes - trailing);
        if (records.order() != ByteOrder.BIG_ENDIAN) {
            offset = Long.reverseBytes(offset);
        }
        return visibleEnd >= 0 ? Math.min(offset, visibleEnd) : offset;
    }

    /**
     * The offset after batch {@code b}: base offset + last offset delta + 1 as its header says, when that is
     * believable (a batch that failed its checksum may carry any delta): past its base offset and past
     * {@code from}, the offset the reader has reached, and not past {@code following}, where what comes after
     * it starts. Otherwise {@code following}, if that is past {@code from}; otherwise -1, unknown.
     */
    static long endOf(RecordBatch b, long from, long following) {
        long next = b.nextOffset();
        // A v0/v1 header holds the last offset only (a compressed wrapper's first is inside it).
        boolean forward = b.magic() < 2 || next > b.baseOffset();
        if (forward && next > from && (following < 0 || next <= following)) {
            return next;
        }
        return following > from ? following : -1;
    }

    /**
     * Where the partition's next Fetch starts after this answer, and the leader epoch there, found on the
     * fetcher thread from batch headers alone, before any checksum is checked: the end of the last whole
     * batch when {@link #endOf} believes its header. {@code null} when that is not known: the answer holds
     * no whole batch, a batch cannot be framed, or the last one's header is not believable. Fetching then
     * waits until the application has read this answer (the poll reports what is wrong with it).
     *
     * @param fetchOffset the offset the answer was fetched from
     * @param visibleEnd  the answer's high watermark, or with read_committed its last stable offset; -1 if unknown
     */
    static long[] end(ByteBuffer records, RecordBatchReader reader, long fetchOffset, long visibleEnd) {
        RecordBatchReader.BatchIterator it = reader.batches(records);
        RecordBatch last = null;
        try {
            while (it.hasNext()) {
                last = it.next();
            }
        } catch (ProtocolException e) {
            return null;
        }
        if (last == null) {
            return null;
        }
        long following = following(records, records.position(), records.remaining(), it.trailingBytes(), visibleEnd);
        long end = endOf(last, fetchOffset, following);
        if (end < 0 || end != last.nextOffset()) {
            return null;
        }
        return new long[] {end, last.partitionLeaderEpoch()};
    }
}
