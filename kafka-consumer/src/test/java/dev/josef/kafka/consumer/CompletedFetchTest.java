package dev.josef.kafka.consumer;

import dev.josef.kafka.consumer.spi.BatchCorruptionHandler;
import dev.josef.kafka.consumer.spi.CorruptBatch;
import dev.josef.kafka.protocol.ControlRecord;
import dev.josef.kafka.protocol.RecordBatchBuilder;
import dev.josef.kafka.protocol.RecordBatchReader;
import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.protocol.message.FetchResponse;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Decoding one partition's fetched records: positions, read_committed and corrupt batches. */
class CompletedFetchTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);
    private static final ConsumerHooks NO_HOOKS = new ConsumerHooks(List.of(), "test");

    private static ByteBuffer batch(long base, long producerId, boolean transactional, String... values) {
        RecordBatchBuilder b = new RecordBatchBuilder(256).baseOffset(base).partitionLeaderEpoch(3)
                .transactional(transactional);
        if (producerId >= 0) {
            b.producerState(producerId, (short) 0, (int) base);
        }
        for (String v : values) {
            b.append(1000 + base, null, v.getBytes(StandardCharsets.UTF_8));
        }
        return b.build();
    }

    private static ByteBuffer marker(long offset, long producerId, ControlRecord record) {
        return new RecordBatchBuilder(128).baseOffset(offset).producerState(producerId, (short) 0, -1)
                .transactional(true).appendControlRecord(1000, record).build();
    }

    /** A magic v1 gzip wrapper, written by kafka-clients, holding {@code values} from {@code base} on. */
    private static ByteBuffer v1Gzip(long base, String... values) {
        MemoryRecordsBuilder kafka = MemoryRecords.builder(ByteBuffer.allocate(256), (byte) 1,
                Compression.gzip().build(), org.apache.kafka.common.record.TimestampType.CREATE_TIME, base);
        for (String v : values) {
            kafka.append(1000 + base, null, v.getBytes(StandardCharsets.UTF_8));
        }
        return kafka.build().buffer();
    }

    private static ByteBuffer concat(ByteBuffer... batches) {
        int size = 0;
        for (ByteBuffer b : batches) {
            size += b.remaining();
        }
        ByteBuffer all = ByteBuffer.allocate(size);
        for (ByteBuffer b : batches) {
            all.put(b.duplicate());
        }
        return all.flip();
    }

    /**
     * Producer 1 aborts its transaction at offsets 0-1 and commits the one at 6;
     * producer 2 commits 2-3; 4 is not transactional; 5, 7 and 8 are markers.
     */
    private static ByteBuffer transactions() {
        return concat(batch(0, 1, true, "a0", "a1"), batch(2, 2, true, "b0", "b1"), batch(4, -1, false, "c0"),
                marker(5, 1, ControlRecord.abort(0)), batch(6, 1, true, "a2"),
                marker(7, 2, ControlRecord.commit(0)), marker(8, 1, ControlRecord.commit(0)));
    }

    // Magic v2 header fields the CRC-32C covers (KIP-98): attributes on.
    private static final int ATTRIBUTES = 21;
    private static final int LAST_OFFSET_DELTA = 23;
    private static final int PRODUCER_ID = 43;

    /** Flips {@code mask} in the byte at {@code index} of {@code records}. */
    private static void flip(ByteBuffer records, int index, int mask) {
        records.put(index, (byte) (records.get(index) ^ mask));
    }

    private static CompletedFetch fetch(ByteBuffer records, long fetchOffset, boolean readCommitted) {
        return fetch(records, fetchOffset, readCommitted, -1, List.of(
                new FetchResponse.AbortedTransaction().setProducerId(1).setFirstOffset(0)));
    }

    /** As the fetcher files an answer whose high watermark (last stable offset) is {@code visibleEnd}. */
    private static CompletedFetch fetch(ByteBuffer records, long fetchOffset, boolean readCommitted, long visibleEnd,
                                        List<FetchResponse.AbortedTransaction> aborted) {
        PartitionState state = new PartitionState(TP, StartPosition.earliest());
        long[] end = CompletedFetch.end(records, RecordBatchReader.defaults(), fetchOffset, visibleEnd);
        return new CompletedFetch(state, fetchOffset, -1, end == null ? -1 : end[0], visibleEnd, records, aborted,
                readCommitted, RecordBatchReader.defaults());
    }

    /** A handler that records what it is given and answers {@code decision}. */
    private static final class Recording implements BatchCorruptionHandler {
        final List<CorruptBatch> seen = new ArrayList<>();
        private final Decision decision;

        Recording(Decision decision) {
            this.decision = decision;
        }

        @Override
        public String name() {
            return "recording";
        }

        @Override
        public Decision onCorruptBatch(CorruptBatch batch) {
            seen.add(batch);
            return decision;
        }
    }

    /** Drains {@code f} once, expecting the corrupt batch at {@code base} up to {@code next} reported and skipped. */
    private static List<ConsumerRecord> drainExpectingSkip(CompletedFetch f, long base, long next) {
        Recording handler = new Recording(BatchCorruptionHandler.Decision.SKIP);
        List<ConsumerRecord> out = new ArrayList<>();
        CompletedFetch.Problem problem = f.drain(100, out, handler, NO_HOOKS);
        assertThat(problem).as("the corruption is reported").isNotNull();
        assertThat(problem.stop()).isFalse();
        assertThat(problem.error()).isInstanceOfSatisfying(CorruptBatchException.class, e -> {
            assertThat(e.baseOffset()).isEqualTo(base);
            assertThat(e.nextOffset()).isEqualTo(next);
            assertThat(e.skipped()).isTrue();
            assertThat(e).hasMessageContaining("checksum");
        });
        assertThat(handler.seen).singleElement().satisfies(b -> {
            assertThat(b.baseOffset()).isEqualTo(base);
            assertThat(b.nextOffset()).isEqualTo(next);
        });
        assertThat(f.nextOffset).isEqualTo(next);
        return out;
    }

    private static List<ConsumerRecord> drainAll(CompletedFetch f) {
        List<ConsumerRecord> out = new ArrayList<>();
        assertThat(f.drain(100, out, BatchCorruptionHandler.skip(), NO_HOOKS)).isNull();
        assertThat(f.done).isTrue();
        return out;
    }

    private static List<String> values(List<ConsumerRecord> records) {
        return records.stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
    }

    @Test
    void readCommittedLeavesOutAbortedTransactionsAndEveryControlRecord() {
        CompletedFetch f = fetch(transactions(), 0, true);
        List<ConsumerRecord> out = new ArrayList<>();
        assertThat(f.drain(100, out, BatchCorruptionHandler.skip(), NO_HOOKS)).isNull();
        assertThat(values(out)).containsExactly("b0", "b1", "c0", "a2");
        assertThat(out).extracting(ConsumerRecord::offset).containsExactly(2L, 3L, 4L, 6L);
        assertThat(f.done).isTrue();
        assertThat(f.nextOffset).as("past the last marker").isEqualTo(9);
        assertThat(f.nextOffsetEpoch).isEqualTo(3);
    }

    @Test
    void readUncommittedReturnsAbortedRecordsButNoControlRecords() {
        CompletedFetch f = fetch(transactions(), 0, false);
        List<ConsumerRecord> out = new ArrayList<>();
        f.drain(100, out, BatchCorruptionHandler.skip(), NO_HOOKS);
        assertThat(values(out)).containsExactly("a0", "a1", "b0", "b1", "c0", "a2");
        assertThat(f.nextOffset).isEqualTo(9);
    }

    @Test
    void recordsBeforeTheFetchOffsetAreLeftOutAndDrainsResumeWhereTheyStopped() {
        CompletedFetch f = fetch(transactions(), 3, false);
        List<ConsumerRecord> first = new ArrayList<>();
        f.drain(2, first, BatchCorruptionHandler.skip(), NO_HOOKS);
        assertThat(values(first)).containsExactly("b1", "c0");
        assertThat(f.done).isFalse();
        List<ConsumerRecord> second = new ArrayList<>();
        f.drain(10, second, BatchCorruptionHandler.skip(), NO_HOOKS);
        assertThat(values(second)).containsExactly("a2");
        assertThat(second.get(0).leaderEpoch()).isEqualTo(3);
    }

    @Test
    void aCorruptBatchIsSkippedWithItsOffsetsAndTheRestFollows() {
        ByteBuffer records = concat(batch(0, -1, false, "x0"), batch(1, -1, false, "y0", "y1", "y2"),
                batch(4, -1, false, "z0"));
        int second = batch(0, -1, false, "x0").remaining();
        records.put(second + 64, (byte) (records.get(second + 64) ^ 0x55)); // inside the second batch's records
        CompletedFetch f = fetch(records, 0, false);
        List<ConsumerRecord> out = new ArrayList<>();
        CompletedFetch.Problem problem = f.drain(100, out, BatchCorruptionHandler.skip(), NO_HOOKS);
        assertThat(values(out)).containsExactly("x0");
        assertThat(problem).isNotNull();
        assertThat(problem.stop()).isFalse();
        CorruptBatchException error = (CorruptBatchException) problem.error();
        assertThat(error.baseOffset()).isEqualTo(1);
        assertThat(error.nextOffset()).isEqualTo(4);
        assertThat(f.nextOffset).isEqualTo(4);
        List<ConsumerRecord> rest = new ArrayList<>();
        assertThat(f.drain(100, rest, BatchCorruptionHandler.skip(), NO_HOOKS)).isNull();
        assertThat(values(rest)).containsExactly("z0");
    }

    @Test
    void aCorruptBatchWithStopEndsTheFetchBeforeIt() {
        ByteBuffer records = concat(batch(0, -1, false, "x0"), batch(1, -1, false, "y0"));
        int second = batch(0, -1, false, "x0").remaining();
        records.put(second + 64, (byte) (records.get(second + 64) ^ 0x55));
        CompletedFetch f = fetch(records, 0, false);
        List<ConsumerRecord> out = new ArrayList<>();
        CompletedFetch.Problem problem = f.drain(100, out, BatchCorruptionHandler.stop(), NO_HOOKS);
        assertThat(values(out)).containsExactly("x0");
        assertThat(problem.stop()).isTrue();
        assertThat(f.done).isTrue();
        assertThat(f.nextOffset).as("the position stays at the corrupt batch").isEqualTo(1);
    }

    @Test
    void theEndOfAFetchIsFoundFromBatchHeadersAlone() {
        ByteBuffer records = transactions();
        long[] end = CompletedFetch.end(records, RecordBatchReader.defaults(), 0, 9);
        assertThat(end).containsExactly(9L, -1L);
    }

    @ParameterizedTest(name = "stop={0}")
    @ValueSource(booleans = {false, true})
    void aCorruptCompressedV1WrapperGoesToTheHandlerWithItsOffsets(boolean stop) {
        ByteBuffer records = concat(v1Gzip(0, "x0", "x1", "x2"), v1Gzip(3, "y0", "y1"));
        int lastByteOfFirstWrapper = 12 + records.getInt(8) - 1; // inside its gzip stream
        records.put(lastByteOfFirstWrapper, (byte) (records.get(lastByteOfFirstWrapper) ^ 0x01));
        CompletedFetch f = fetch(records, 0, false);
        List<ConsumerRecord> out = new ArrayList<>();
        BatchCorruptionHandler handler = stop ? BatchCorruptionHandler.stop() : BatchCorruptionHandler.skip();

        CompletedFetch.Problem problem = f.drain(100, out, handler, NO_HOOKS);

        assertThat(out).isEmpty();
        assertThat(problem.stop()).isEqualTo(stop);
        assertThat(problem.error()).isInstanceOfSatisfying(CorruptBatchException.class, e -> {
            assertThat(e.baseOffset()).isEqualTo(0);
            assertThat(e.nextOffset()).isEqualTo(3);
            assertThat(e.skipped()).isEqualTo(!stop);
            assertThat(e).hasMessageContaining("0..2").hasMessageContaining("checksum");
        });
        if (stop) {
            assertThat(f.done).isTrue();
            assertThat(f.nextOffset).as("the position stays at the wrapper").isEqualTo(0);
        } else {
            List<ConsumerRecord> rest = new ArrayList<>();
            assertThat(f.drain(100, rest, handler, NO_HOOKS)).isNull();
            assertThat(values(rest)).containsExactly("y0", "y1");
            assertThat(rest).extracting(ConsumerRecord::offset).containsExactly(3L, 4L);
        }
    }

    @Test
    void aDataBatchWithItsControlBitFlippedIsReportedNotDropped() {
        ByteBuffer records = concat(batch(0, -1, false, "x0"), batch(1, -1, false, "y0", "y1", "y2"),
                batch(4, -1, false, "z0"));
        int second = batch(0, -1, false, "x0").remaining();
        flip(records, second + ATTRIBUTES + 1, 0x20); // the control bit, in the low byte of the attributes
        CompletedFetch f = fetch(records, 0, false);

        List<ConsumerRecord> out = drainExpectingSkip(f, 1, 4);

        assertThat(values(out)).containsExactly("x0");
        assertThat(values(drainAll(f))).containsExactly("z0");
    }

    @Test
    void aLastOffsetDeltaWithItsSignBitFlippedAtTheFetchPositionIsReportedNotPassedOver() {
        ByteBuffer records = concat(batch(0, -1, false, "y0", "y1", "y2"), batch(3, -1, false, "z0", "z1"));
        flip(records, LAST_OFFSET_DELTA, 0x80);
        CompletedFetch f = fetch(records, 1, false);

        List<ConsumerRecord> out = drainExpectingSkip(f, 0, 3); // its end is where the next batch starts

        assertThat(out).isEmpty();
        assertThat(values(drainAll(f))).containsExactly("z0", "z1");
    }

    @ParameterizedTest(name = "bounded by {0}")
    @ValueSource(strings = {"the high watermark", "a batch cut off after it"})
    void aLastOffsetDeltaWithItsSignBitFlippedOnTheLastBatchIsReportedAndTheRecordsAfterItFollow(String bound) {
        ByteBuffer after = batch(3, -1, false, "z0", "z1");
        ByteBuffer corrupt = batch(0, -1, false, "y0", "y1", "y2");
        flip(corrupt, LAST_OFFSET_DELTA, 0x80);
        boolean cut = bound.startsWith("a batch");
        ByteBuffer records = cut ? concat(corrupt, after.duplicate().limit(20)) : corrupt;
        long highWatermark = cut ? -1 : 3;

        assertThat(CompletedFetch.end(records, RecordBatchReader.defaults(), 1, highWatermark))
                .as("no prefetch from a header that is not believable").isNull();
        CompletedFetch f = fetch(records, 1, false, highWatermark, List.of());
        assertThat(drainExpectingSkip(f, 0, 3)).isEmpty();
        assertThat(drainAll(f)).isEmpty();

        CompletedFetch next = fetch(after, f.nextOffset, false, 5, List.of());
        assertThat(values(drainAll(next))).containsExactly("z0", "z1");
    }

    @Test
    void aCorruptBatchWhoseEndNothingTellsStopsThePartitionWhateverTheHandlerSays() {
        ByteBuffer records = batch(0, -1, false, "y0", "y1", "y2");
        flip(records, LAST_OFFSET_DELTA, 0x80);
        CompletedFetch f = fetch(records, 0, false, -1, List.of()); // no high watermark, nothing after it
        Recording handler = new Recording(BatchCorruptionHandler.Decision.SKIP);

        CompletedFetch.Problem problem = f.drain(100, new ArrayList<>(), handler, NO_HOOKS);

        assertThat(problem.stop()).isTrue();
        assertThat(problem.error()).isInstanceOfSatisfying(CorruptBatchException.class, e -> {
            assertThat(e.baseOffset()).isEqualTo(0);
            assertThat(e.nextOffset()).isEqualTo(-1);
            assertThat(e.stoppedAt()).isEqualTo(0);
            assertThat(e).hasMessageContaining("where it ends is unknown");
        });
        assertThat(handler.seen).as("a skip it could not carry out is not asked for").isEmpty();
        assertThat(f.done).isTrue();
    }

    @Test
    void aLastOffsetDeltaTooLargeIsBoundedByTheNextBatch() {
        ByteBuffer records = concat(batch(0, -1, false, "x0"), batch(1, -1, false, "y0", "y1", "y2"),
                batch(4, -1, false, "z0"));
        int second = batch(0, -1, false, "x0").remaining();
        flip(records, second + LAST_OFFSET_DELTA + 1, 0x10); // + 2^20
        CompletedFetch f = fetch(records, 0, false);

        assertThat(values(drainExpectingSkip(f, 1, 4))).containsExactly("x0");
        assertThat(values(drainAll(f))).containsExactly("z0");
    }

    @Test
    void aCorruptAbortMarkerUnderReadCommittedIsReportedAndTheFetchEndsThere() {
        ByteBuffer records = transactions();
        int marker = 0;
        for (ByteBuffer b : List.of(batch(0, 1, true, "a0", "a1"), batch(2, 2, true, "b0", "b1"),
                batch(4, -1, false, "c0"))) {
            marker += b.remaining();
        }
        flip(records, marker + PRODUCER_ID + 7, 0x02); // producer 1 reads as producer 3
        CompletedFetch f = fetch(records, 0, true, 9, List.of(
                new FetchResponse.AbortedTransaction().setProducerId(1).setFirstOffset(0)));
        assertThat(f.fetchEnd).isEqualTo(9);

        assertThat(values(drainExpectingSkip(f, 5, 6))).containsExactly("b0", "b1", "c0");
        // Whether producer 1's transaction ended there is unknown: the fetch ends, and the consumer voids what
        // it fetched from 9 on and fetches again from 6.
        assertThat(f.done).isTrue();
        assertThat(f.nextOffset).isNotEqualTo(f.fetchEnd);

        // Fetched again from 6, the broker lists no aborted transaction: producer 1's ended at 5.
        ByteBuffer again = concat(batch(6, 1, true, "a2"), marker(7, 2, ControlRecord.commit(0)),
                marker(8, 1, ControlRecord.commit(0)));
        assertThat(values(drainAll(fetch(again, 6, true, 9, List.of())))).containsExactly("a2");
    }

    @Test
    void anAnswerWithNoWholeBatchIsReportedAndStopsThePartition() {
        ByteBuffer records = batch(3, -1, false, "y0", "y1");
        records.putInt(8, records.getInt(8) + 1000); // a size field that says more than the answer holds

        assertThat(CompletedFetch.end(records, RecordBatchReader.defaults(), 3, 5))
                .as("where it ends is unknown").isNull();
        CompletedFetch f = fetch(records, 3, false, 5, List.of());
        Recording handler = new Recording(BatchCorruptionHandler.Decision.SKIP);
        CompletedFetch.Problem problem = f.drain(100, new ArrayList<>(), handler, NO_HOOKS);

        assertThat(problem).as("reported, not dropped and fetched again").isNotNull();
        assertThat(problem.stop()).isTrue();
        assertThat(problem.error()).isInstanceOfSatisfying(CorruptBatchException.class, e -> {
            assertThat(e.partition()).isEqualTo(TP);
            assertThat(e.baseOffset()).isEqualTo(3);
            assertThat(e.nextOffset()).isEqualTo(-1);
            assertThat(e.stoppedAt()).isEqualTo(3);
            assertThat(e).hasMessageContaining("failed to make progress").hasMessageContaining("no whole batch");
        });
        assertThat(f.done).isTrue();
    }

    @Test
    void aBatchCutOffAfterWholeOnesIsFetchedNextTime() {
        ByteBuffer records = concat(batch(0, -1, false, "x0"), batch(1, -1, false, "y0"));
        ByteBuffer cut = records.duplicate().limit(records.limit() - 5);

        CompletedFetch f = fetch(cut, 0, false, 2, List.of());

        assertThat(values(drainAll(f))).containsExactly("x0");
        assertThat(f.nextOffset).isEqualTo(1);
        assertThat(f.fetchEnd).isEqualTo(1);
    }
}
