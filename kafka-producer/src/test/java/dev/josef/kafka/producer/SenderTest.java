package dev.josef.kafka.producer;

import dev.josef.kafka.producer.spi.OrderingPolicy;
import dev.josef.kafka.producer.spi.PartitionFailure;
import dev.josef.kafka.producer.spi.ProducerHook;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.TopicPartition;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The producer's state machine, pass by pass, against a scripted broker on a
 * clock the test moves (see {@link ProducerHarness}): retries, leader moves,
 * epoch bumps, lost state, splits, cancellation, every ordering policy, and
 * each scenario of the behaviours audit (F1, F2, F7, F8, F9). Every piece of
 * application code these tests plug in (policies, hooks, callbacks) checks
 * that no producer lock is held while it runs.
 */
class SenderTest {
    private static final TopicPartition P0 = TopicPartition.of("t", 0);
    private static final TopicPartition P1 = TopicPartition.of("t", 1);

    /** A policy and a hook that write down what they are told, in order, and whether a lock was held. */
    static final class Recorder implements OrderingPolicy, ProducerHook {
        final List<String> events = new CopyOnWriteArrayList<>();
        final List<PartitionFailure> failures = new CopyOnWriteArrayList<>();
        final List<DataLossException> losses = new CopyOnWriteArrayList<>();
        volatile Action action = Action.CONTINUE;
        volatile Producer producer;
        volatile boolean lockHeld;

        private void check() {
            if (producer != null && producer.accumulator.holdsAnyLock()) {
                lockHeld = true;
            }
        }

        @Override
        public String name() {
            return "recorder";
        }

        @Override
        public Action onFailure(PartitionFailure failure) {
            check();
            failures.add(failure);
            events.add("policy " + failure.partition() + (failure.dataLoss() ? " data loss" : ""));
            return action;
        }

        @Override
        public void onDataLoss(String clientId, DataLossException loss) {
            check();
            losses.add(loss);
            events.add("onDataLoss " + loss.partition());
        }

        @Override
        public void onFailed(String clientId, ProducerRecord record, Throwable error, long bufferNanos,
                             long inFlightNanos) {
            check();
            events.add("onFailed " + text(record.value()));
        }

        @Override
        public void onAcknowledged(String clientId, ProducerRecord record, RecordMetadata metadata, long bufferNanos,
                                   long inFlightNanos) {
            check();
        }
    }

    private static ProducerHarness harness(ProducerConfig.Builder config, Recorder recorder) {
        ProducerHarness h = new ProducerHarness(config.orderingPolicy(recorder).hook(recorder));
        recorder.producer = h.producer;
        h.broker.topic("t", 2);
        return h;
    }

    private static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    private static List<String> values(String prefix, int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> prefix + i).toList();
    }

    /** Produces {@code w0..w(n-1)} to the partition one at a time, each acknowledged before the next. */
    private static void warmUp(ProducerHarness h, TopicPartition tp, int n) {
        for (int i = 0; i < n; i++) {
            ProduceFuture f = h.produce(tp, "w" + i);
            h.pump();
            assertThat(f).isCompletedWithValueMatching(md -> md.offset() >= 0);
        }
    }

    private static Throwable failureOf(ProduceFuture f) {
        assertThat(f).isCompletedExceptionally();
        try {
            f.join();
            throw new AssertionError("not failed");
        } catch (CompletionException e) {
            return e.getCause();
        }
    }

    private static Persistence persistenceOf(ProduceFuture f) {
        return ((ProduceException) failureOf(f)).persistence();
    }

    // ---------------------------------------------------------------- F2: no application code under a lock

    @Test
    void aRecordRefusedByAFailedPartitionCallsBackWithNoLockHeldAndMayProduceFromTheCallback() {
        Recorder recorder = new Recorder();
        recorder.action = OrderingPolicy.Action.FAIL_PARTITION;
        try (ProducerHarness h = harness(ProducerHarness.config(), recorder)) {
            h.broker.refuseNext(P0, ErrorCode.INVALID_RECORD);
            ProduceFuture bad = h.produce(P0, "bad");
            h.pump();
            assertThat(failureOf(bad)).hasMessageContaining("INVALID_RECORD");
            assertThat(h.producer.failedPartitions()).containsExactly(P0);

            AtomicReference<Boolean> lockHeld = new AtomicReference<>();
            AtomicReference<ProduceFuture> fromCallback = new AtomicReference<>();
            AtomicReference<Throwable> refusal = new AtomicReference<>();
            h.producer.produce(ProducerRecord.of("t", "refused".getBytes(StandardCharsets.UTF_8)).withPartition(0),
                    (md, error) -> {
                        lockHeld.set(h.producer.accumulator.holdsAnyLock());
                        refusal.set(error);
                        fromCallback.set(h.produce(P1, "from-callback"));
                    });
            // Refused at the call: the callback already ran, on this thread, with no lock held.
            assertThat(lockHeld.get()).isFalse();
            assertThat(refusal.get()).isInstanceOf(PartitionFailedException.class);
            h.pump();
            assertThat(fromCallback.get()).isCompletedWithValueMatching(md -> md.offset() == 0);
            assertThat(h.broker.values(P1)).containsExactly("from-callback");
        }
        assertThat(recorder.lockHeld).isFalse();
    }

    @Test
    void thePolicyForAsplitWhoseHalvesCannotBeEncodedRunsWithNoLockHeld() {
        Recorder recorder = new Recorder();
        try (ProducerHarness h = harness(ProducerHarness.config().compression(new PoisonCodec(1)), recorder)) {
            h.broker.maxBatchBytes(P0, 70);
            ProduceFuture a = h.produce(P0, "a".repeat(40));
            ProduceFuture b = h.produce(P0, "b".repeat(40));
            h.pump();

            assertThat(failureOf(a)).hasMessageContaining("encoding the halves");
            assertThat(failureOf(b)).hasMessageContaining("encoding the halves");
            assertThat(recorder.failures).singleElement()
                    .satisfies(f -> assertThat(f.failedRecords()).isEqualTo(2));
        }
        assertThat(recorder.lockHeld).isFalse();
    }

    // ---------------------------------------------------------------- F1: the data-loss signal after a retry

    /**
     * w0..w9 acknowledged; then v10's leader dies under it (NOT_LEADER_OR_FOLLOWER),
     * and the retry is answered OUT_OF_ORDER_SEQUENCE_NUMBER with the log starting
     * at {@code logStartOffset}.
     */
    private static ProduceFuture retriedThenOutOfOrder(ProducerHarness h, long logStartOffset) {
        warmUp(h, P0, 10);
        h.broker.refuseNext(P0, ErrorCode.NOT_LEADER_OR_FOLLOWER)
                .refuseNext(P0, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, logStartOffset);
        ProduceFuture found = h.produce(P0, "v10");
        h.pump().advance(Duration.ofMillis(500));
        return found;
    }

    @Test
    void outOfOrderSequenceForABatchThatWasRetriedIsDataLossAtOnceWhenTheLogStartDidNotMove() {
        Recorder recorder = new Recorder();
        try (ProducerHarness h = harness(ProducerHarness.config(), recorder)) {
            // The new leader lost the producer's last records.
            ProduceFuture found = retriedThenOutOfOrder(h, 0);

            assertThat(failureOf(found)).isInstanceOfSatisfying(DataLossException.class, loss -> {
                assertThat(loss.lastAcknowledgedOffset()).isEqualTo(9);
                assertThat(loss.logStartOffset()).isZero();
                assertThat(loss.persistence()).isEqualTo(Persistence.NOT_PERSISTED);
            });
            // onDataLoss is called before the policy decides, as its contract says.
            assertThat(recorder.events).containsExactly("onDataLoss 0", "policy 0 data loss", "onFailed v10");
            ProduceFuture next = h.produce(P0, "v11");
            h.pump();
            assertThat(next).isCompletedWithValueMatching(md -> md.offset() == 10);
        }
        assertThat(recorder.lockHeld).isFalse();
    }

    @Test
    void outOfOrderSequenceForARetriedBatchWithTheLogStartMovedPastItRecoversSilently() {
        Recorder recorder = new Recorder();
        try (ProducerHarness h = harness(ProducerHarness.config(), recorder)) {
            ProduceFuture found = retriedThenOutOfOrder(h, 10);

            assertThat(found).isCompletedWithValueMatching(md -> md.offset() == 10);
            assertThat(recorder.events).isEmpty();
            FakeBroker.Seen written = h.broker.seen(P0).get(h.broker.seen(P0).size() - 1);
            assertThat(written.answer()).isEqualTo(ErrorCode.NONE);
            assertThat(written.epoch()).as("a new epoch").isEqualTo((short) 1);
            assertThat(written.baseSequence()).as("sequences restart").isZero();
        }
    }

    @Test
    void aSequenceErrorThatDoesNotSayWhereTheLogStartsIsRetriedNotTakenAsDataLoss() {
        Recorder recorder = new Recorder();
        try (ProducerHarness h = harness(ProducerHarness.config(), recorder)) {
            warmUp(h, P0, 3);
            int refreshes = h.broker.metadataRequests();
            h.broker.refuseNext(P0, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, -1);
            ProduceFuture f = h.produce(P0, "v3");
            h.pump().advance(Duration.ofMillis(500));

            assertThat(f).isCompletedWithValueMatching(md -> md.offset() == 3);
            assertThat(recorder.events).isEmpty();
            assertThat(h.broker.metadataRequests()).as("the partition may have moved: metadata is asked again")
                    .isGreaterThan(refreshes);
        }
    }

    // ---------------------------------------------------------------- F7: encoding failures

    @Test
    void aBatchTheCodecCannotEncodeOnTheSenderGoesThroughTheOrderingPolicy() {
        Recorder recorder = new Recorder();
        recorder.action = OrderingPolicy.Action.FAIL_PARTITION;
        try (ProducerHarness h = harness(ProducerHarness.config().compression(new PoisonCodec()), recorder)) {
            warmUp(h, P0, 1);
            int pooled = h.producer.accumulator.pooledBuffers();
            ProduceFuture poisoned = h.produce(P0, "poison");
            h.pump();

            assertThat(failureOf(poisoned)).isInstanceOf(ProduceException.class)
                    .hasMessageContaining("encoding the batch failed");
            assertThat(persistenceOf(poisoned)).isEqualTo(Persistence.NOT_PERSISTED);
            assertThat(h.producer.failedPartitions()).containsExactly(P0);
            assertThat(recorder.events).containsExactly("policy 0", "onFailed poison");
            assertThat(h.producer.accumulator.pooledBuffers()).as("its buffer went back to the pool")
                    .isEqualTo(pooled);
            assertThat(failureOf(h.produce(P0, "after"))).isInstanceOf(PartitionFailedException.class);
            assertThat(h.broker.values(P0)).containsExactly("w0");
        }
        assertThat(recorder.lockHeld).isFalse();
    }

    @Test
    void aFullBatchTheCodecCannotEncodeOnTheProducingThreadIsNotOvertakenByTheRecordsBehindIt() {
        Recorder recorder = new Recorder();
        recorder.action = OrderingPolicy.Action.FAIL_PARTITION;
        // A batch is full at 100 bytes: the producing thread closes (encodes) it as the record arrives.
        try (ProducerHarness h = harness(ProducerHarness.config().compression(new PoisonCodec()).batchSize(100),
                recorder)) {
            ProduceFuture poisoned = h.produce(P0, "poison " + "x".repeat(100));
            ProduceFuture behind = h.produce(P0, "behind");
            h.pump();

            assertThat(persistenceOf(poisoned)).isEqualTo(Persistence.NOT_PERSISTED);
            assertThat(failureOf(behind)).hasMessageContaining("failed for good");
            assertThat(h.producer.failedPartitions()).containsExactly(P0);
            assertThat(h.broker.values(P0)).isEmpty();
        }
        assertThat(recorder.lockHeld).isFalse();
    }

    // ---------------------------------------------------------------- F8: the one-batch-at-a-time gate

    @Test
    void afterAnIdleSpellTheFirstBatchGoesAloneSoOneTheBrokerRefusesIsNotOvertaken() {
        Recorder recorder = new Recorder();
        try (ProducerHarness h = harness(ProducerHarness.config(), recorder)) {
            warmUp(h, P0, 3);
            h.advance(Duration.ofSeconds(2));
            h.broker.forgetProducers(P0); // producer.id.expiration.ms passed
            h.broker.holdNext(P0).refuseNext(P0, ErrorCode.MESSAGE_TOO_LARGE);
            ProduceFuture r1 = h.produce(P0, "r1");
            ProduceFuture r2 = h.produce(P0, "r2");
            h.pump();
            ProduceFuture r3 = h.produce(P0, "r3");
            h.pump();
            assertThat(h.broker.heldRequests()).as("r3 waits for the first answer after the idle spell").isOne();

            h.broker.releaseHeld();
            h.pump();

            assertThat(List.of(r1, r2, r3)).allSatisfy(f -> assertThat(f).isCompleted().isNotCompletedExceptionally());
            assertThat(h.broker.values(P0)).containsExactly("w0", "w1", "w2", "r1", "r2", "r3");
        }
        assertThat(recorder.events).isEmpty();
    }

    @Test
    void batchesOvertakenByOneABrokerWithoutStateTookAsFirstFailInsteadOfLandingOutOfOrder() {
        Recorder recorder = new Recorder();
        try (ProducerHarness h = harness(ProducerHarness.config(), recorder)) {
            warmUp(h, P0, 3);
            // The broker forgets the producer while the partition is busy (records with old timestamps
            // expire at once): nothing tells the producer until it is too late to keep the next batch back.
            h.broker.forgetProducers(P0);
            h.broker.holdNext(P0).refuseNext(P0, ErrorCode.MESSAGE_TOO_LARGE);
            ProduceFuture r1 = h.produce(P0, "r1");
            ProduceFuture r2 = h.produce(P0, "r2");
            h.pump();
            ProduceFuture r3 = h.produce(P0, "r3");
            h.pump();
            assertThat(h.broker.heldRequests()).as("r3 pipelined behind r1 and r2").isEqualTo(2);

            h.broker.releaseHeld();
            h.pump();

            assertThat(r3).isCompletedWithValueMatching(md -> md.offset() == 3);
            assertThat(failureOf(r1)).hasMessageContaining("ahead of this one");
            assertThat(persistenceOf(r1)).isEqualTo(Persistence.NOT_PERSISTED);
            assertThat(persistenceOf(r2)).isEqualTo(Persistence.NOT_PERSISTED);
            assertThat(h.broker.values(P0)).containsExactly("w0", "w1", "w2", "r3");
            assertThat(recorder.failures).singleElement()
                    .satisfies(f -> assertThat(f.failedRecords()).isEqualTo(2));
        }
        assertThat(recorder.lockHeld).isFalse();
    }

    // ---------------------------------------------------------------- F9: honest outcomes

    @Test
    void halvesOfASplitBatchWhoseEarlierAttemptWentUnansweredArePossiblyPersisted() {
        Recorder recorder = new Recorder();
        try (ProducerHarness h = harness(ProducerHarness.config(), recorder)) {
            h.broker.dropNextUnread(P0)
                    .refuseNext(P0, ErrorCode.MESSAGE_TOO_LARGE)
                    .refuseNext(P0, ErrorCode.INVALID_RECORD);
            ProduceFuture r1 = h.produce(P0, "r1");
            ProduceFuture r2 = h.produce(P0, "r2");
            h.pump().advance(Duration.ofMillis(500));

            assertThat(persistenceOf(r1)).isEqualTo(Persistence.POSSIBLY_PERSISTED);
            assertThat(persistenceOf(r2)).isEqualTo(Persistence.POSSIBLY_PERSISTED);
        }
    }

    @Test
    void aDuplicateAnswerWithoutAnOffsetIsPersistedAndSaysItsOffsetIsUnknown() {
        Recorder recorder = new Recorder();
        try (ProducerHarness h = harness(ProducerHarness.config(), recorder)) {
            h.broker.refuseNext(P0, ErrorCode.DUPLICATE_SEQUENCE_NUMBER);
            ProduceFuture f = h.produce(P0, "dup");
            h.pump();

            assertThat(f).isCompletedWithValueMatching(md -> !md.hasOffset() && md.offset() == -1);
            assertThat(ProduceResult.of(ProducerRecord.of("t", new byte[0]), f).persistence())
                    .isEqualTo(Persistence.PERSISTED);
        }
    }

    @Test
    void withoutIdempotenceARecordProducedAfterARetriedBatchLostSomeRecordsGoesInABatchOfItsOwn() {
        Recorder recorder = new Recorder();
        try (ProducerHarness h = harness(ProducerHarness.config().idempotence(false), recorder)) {
            h.broker.holdNext(P0).dropNextUnread(P0).refuseNext(P0, ErrorCode.INVALID_RECORD);
            ProduceFuture r1 = h.produce(P0, "r1");
            ProduceFuture r2 = h.produce(P0, "r2");
            h.pump();
            assertThat(r1.cancel(false)).as("sent, and without idempotence given up on").isTrue();
            h.broker.releaseHeld();
            h.pump(); // the answer is lost: r2 goes again, r1 is left out
            ProduceFuture r3 = h.produce(P0, "r3");
            h.advance(Duration.ofMillis(500));

            // r2's batch was sent once without an answer: it may be in the log. r3 joined no sent batch: when
            // r2's batch fails for good, the policy (continue) fails r3 as buffered behind it, never sent.
            assertThat(persistenceOf(r2)).isEqualTo(Persistence.POSSIBLY_PERSISTED);
            assertThat(persistenceOf(r3)).isEqualTo(Persistence.NOT_PERSISTED);
            assertThat(failureOf(r3)).hasMessageContaining("buffered behind it");
            assertThat(h.broker.seen(P0)).noneMatch(s -> s.values().contains("r3"));
            assertThat(h.broker.values(P0)).isEmpty();
        }
    }

    // ---------------------------------------------------------------- retries, leaders, epochs, splits

    @Test
    void pipelinedBatchesBehindARetriedOneAreResentInOrderUnderTheSameEpoch() {
        Recorder recorder = new Recorder();
        try (ProducerHarness h = harness(ProducerHarness.config(), recorder)) {
            warmUp(h, P0, 1);
            h.broker.holdNext(P0).refuseNext(P0, ErrorCode.NOT_LEADER_OR_FOLLOWER);
            List<ProduceFuture> futures = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                futures.add(h.produce(P0, "r" + i));
                h.pump();
            }
            assertThat(h.broker.heldRequests()).as("five batches in flight").isEqualTo(5);
            h.broker.releaseHeld();
            h.pump().advance(Duration.ofSeconds(3));

            for (int i = 0; i < 5; i++) {
                assertThat(futures.get(i)).isCompletedWithValueMatching(md -> md.offset() > 0);
            }
            List<String> expected = new ArrayList<>(List.of("w0"));
            expected.addAll(values("r", 0, 5));
            assertThat(h.broker.values(P0)).containsExactlyElementsOf(expected);
            assertThat(h.broker.records(P0)).extracting(FakeBroker.Stored::epoch).containsOnly((short) 0);
        }
        assertThat(recorder.events).isEmpty();
    }

    @Test
    void aBatchRefusedByALeaderThatMovedGoesToTheNewLeaderWithItsSequence() {
        Recorder recorder = new Recorder();
        try (ProducerHarness h = harness(ProducerHarness.config(), recorder)) {
            warmUp(h, P0, 2);
            h.broker.leader(P0, 2);
            ProduceFuture f = h.produce(P0, "moved");
            h.pump().advance(Duration.ofMillis(500));

            assertThat(f).isCompletedWithValueMatching(md -> md.offset() == 2);
            List<FakeBroker.Seen> seen = h.broker.seen(P0);
            FakeBroker.Seen refused = seen.get(seen.size() - 2);
            FakeBroker.Seen written = seen.get(seen.size() - 1);
            assertThat(refused.broker()).isEqualTo(1);
            assertThat(refused.answer()).isEqualTo(ErrorCode.NOT_LEADER_OR_FOLLOWER);
            assertThat(written.broker()).isEqualTo(2);
            assertThat(written.baseSequence()).isEqualTo(refused.baseSequence()).isEqualTo(2);
        }
    }

    @Test
    void aBatchFailedForGoodBumpsTheEpochAndTheNextOneStartsItsSequencesAtZero() {
        Recorder recorder = new Recorder();
        try (ProducerHarness h = harness(ProducerHarness.config(), recorder)) {
            warmUp(h, P0, 3);
            h.broker.refuseNext(P0, ErrorCode.INVALID_RECORD);
            ProduceFuture bad = h.produce(P0, "bad");
            h.pump();
            ProduceFuture good = h.produce(P0, "good");
            h.pump();

            assertThat(persistenceOf(bad)).isEqualTo(Persistence.NOT_PERSISTED);
            assertThat(good).isCompletedWithValueMatching(md -> md.offset() == 3);
            FakeBroker.Stored last = h.broker.records(P0).get(3);
            assertThat(last.epoch()).isEqualTo((short) 1);
            assertThat(last.sequence()).isZero();
        }
    }

    @Test
    void aBatchTooLargeForTheBrokerIsSplitUntilItFitsAndEveryRecordLandsInOrder() {
        Recorder recorder = new Recorder();
        try (ProducerHarness h = harness(ProducerHarness.config(), recorder)) {
            h.broker.maxBatchBytes(P0, 200);
            List<ProduceFuture> futures = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                futures.add(h.produce(P0, "record-" + i + "-" + "x".repeat(20)));
            }
            h.pump();

            for (int i = 0; i < 16; i++) {
                int offset = i;
                assertThat(futures.get(i)).isCompletedWithValueMatching(md -> md.offset() == offset);
            }
            assertThat(h.broker.seen(P0)).filteredOn(s -> s.answer() == ErrorCode.MESSAGE_TOO_LARGE).isNotEmpty();
        }
        assertThat(recorder.events).isEmpty();
    }

    @Test
    void withoutIdempotenceTheHalvesOfASplitBatchAreWrittenInOrder() {
        Recorder recorder = new Recorder();
        try (ProducerHarness h = harness(ProducerHarness.config().idempotence(false), recorder)) {
            h.broker.refuseNext(P0, ErrorCode.MESSAGE_TOO_LARGE);
            List<ProduceFuture> futures = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                futures.add(h.produce(P0, "r" + i));
            }
            h.pump();

            assertThat(futures).allSatisfy(f -> assertThat(f).isCompleted().isNotCompletedExceptionally());
            assertThat(h.broker.values(P0)).containsExactlyElementsOf(values("r", 0, 10));
        }
    }

    /**
     * A leader appends an acks=all batch and loses the partition before its
     * followers confirm it: it answers NOT_LEADER_OR_FOLLOWER for a batch that
     * is in the log. The new leader, which holds it, takes the next batch; that
     * answer is handled after the NOT_LEADER one. The batch is not "overtaken":
     * resent, the new leader answers it as the duplicate it is.
     */
    @Test
    void aBatchALeaderAppendedBeforeLosingThePartitionIsNotTakenAsOvertaken() {
        Recorder recorder = new Recorder();
        try (ProducerHarness h = harness(ProducerHarness.config(), recorder)) {
            h.broker.leader(P1, 3).refreshMetadata(Set.of("t"), false); // on another connection than P0's
            warmUp(h, P0, 3);
            warmUp(h, P1, 1);
            h.broker.appendThenHoldAnswer(P0, ErrorCode.NOT_LEADER_OR_FOLLOWER);
            ProduceFuture b4 = h.produce(P0, "b4");
            h.pump();
            // The producer learns of the new leader through another partition's refusal.
            h.broker.leader(P0, 2).refuseNext(P1, ErrorCode.NOT_LEADER_OR_FOLLOWER);
            h.produce(P1, "p1");
            h.pump();
            h.broker.appendThenHoldAnswer(P0, ErrorCode.NONE);
            ProduceFuture b5 = h.produce(P0, "b5");
            h.pump();
            assertThat(h.broker.heldRequests()).as("b4 and b5 both written, both answers pending").isEqualTo(2);

            h.broker.releaseHeld(); // b4's NOT_LEADER first, then b5's acknowledgment
            h.pump().advance(Duration.ofSeconds(2));

            assertThat(b4).isCompletedWithValueMatching(md -> md.offset() == 3);
            assertThat(b5).isCompletedWithValueMatching(md -> md.offset() == 4);
            assertThat(h.broker.values(P0)).containsExactly("w0", "w1", "w2", "b4", "b5");
        }
        assertThat(recorder.events).isEmpty();
    }

    /**
     * Records that wait for their topic are placed by the sender in rounds, and
     * what arrives meanwhile joins the next round; a pass does a bounded number
     * of rounds and then sends, so producers that keep the line growing never
     * stall the sender. Here the partitioner produces the next record of the
     * topic each time it places one, 40 times over.
     */
    @Test
    void recordsThatKeepArrivingForATopicBeingPlacedDoNotKeepTheSenderFromSending() {
        AtomicReference<Producer> producer = new AtomicReference<>();
        java.util.concurrent.atomic.AtomicInteger placed = new java.util.concurrent.atomic.AtomicInteger();
        dev.josef.kafka.producer.spi.Partitioner chaining = new dev.josef.kafka.producer.spi.Partitioner() {
            @Override
            public String name() {
                return "chaining";
            }

            @Override
            public int partition(String topic, byte[] key, byte[] value, int partitionCount) {
                if (placed.incrementAndGet() < 40) {
                    producer.get().produce(ProducerRecord.of("late", ("v" + placed.get()).getBytes(StandardCharsets.UTF_8)));
                }
                return 0;
            }
        };
        try (ProducerHarness h = new ProducerHarness(ProducerHarness.config().partitioner(chaining))) {
            producer.set(h.producer);
            h.broker.topic("t", 1).autoCreate(false);
            h.producer.produce(ProducerRecord.of("late", "v0".getBytes(StandardCharsets.UTF_8)));
            h.pump(); // InitProducerId; the topic is unknown, the record waits for it
            h.broker.topic("late", 1);
            h.producer.sender.runOnce();

            assertThat(placed.get()).as("records placed in one pass: a bounded number of rounds, then the sending")
                    .isBetween(1, 10);
            assertThat(h.broker.produceRequests()).as("the same pass sent what it had placed").isPositive();
            h.pump();
            assertThat(placed.get()).isEqualTo(40);
            assertThat(h.broker.values(TopicPartition.of("late", 0)))
                    .containsExactlyElementsOf(values("v", 0, 40));
        }
    }

    @Test
    void aCancelledRecordThatWasNotSentIsNeverWrittenAndOneInFlightCannotBeCancelled() {
        Recorder recorder = new Recorder();
        try (ProducerHarness h = harness(ProducerHarness.config().linger(Duration.ofSeconds(1)), recorder)) {
            ProduceFuture kept = h.produce(P0, "kept");
            ProduceFuture withdrawn = h.produce(P0, "withdrawn");
            assertThat(withdrawn.cancel(false)).isTrue();
            h.advance(Duration.ofMillis(1100));
            assertThat(kept).isCompletedWithValueMatching(md -> md.offset() == 0);
            assertThat(withdrawn.wasSent()).isFalse();

            h.broker.holdNext(P0);
            ProduceFuture inFlight = h.produce(P0, "in-flight");
            h.advance(Duration.ofMillis(1100));
            assertThat(inFlight.cancel(false)).as("idempotent: its sequence must be settled").isFalse();
            h.broker.releaseHeld();
            h.pump();
            assertThat(inFlight).isCompletedWithValueMatching(md -> md.offset() == 1);
            assertThat(h.broker.values(P0)).containsExactly("kept", "in-flight");
        }
    }

    @Test
    void aRecordExpiresAtTheDeliveryTimeoutThroughThePolicyWhileItsLeaderIsGone() {
        Recorder recorder = new Recorder();
        try (ProducerHarness h = harness(ProducerHarness.config().deliveryTimeout(Duration.ofSeconds(31)), recorder)) {
            warmUp(h, P0, 1);
            h.broker.leader(P0, 7); // a broker the cluster does not have: no live leader
            h.broker.refreshMetadata(Set.of("t"), false);
            ProduceFuture f = h.produce(P0, "stranded");
            h.advance(Duration.ofSeconds(32));

            assertThat(failureOf(f)).hasMessageContaining("delivery timeout");
            assertThat(persistenceOf(f)).isEqualTo(Persistence.NOT_PERSISTED);
            assertThat(recorder.events).containsExactly("policy 0", "onFailed stranded");
        }
        assertThat(recorder.lockHeld).isFalse();
    }

    // ---------------------------------------------------------------- every ordering policy

    /** r1 refused for good while r2 and r3 are in flight behind it; then r4. */
    private static List<ProduceFuture> failWithTwoBehind(ProducerHarness h) {
        warmUp(h, P0, 1);
        h.broker.holdNext(P0).refuseNext(P0, ErrorCode.INVALID_RECORD);
        List<ProduceFuture> futures = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            futures.add(h.produce(P0, "r" + i));
            h.pump();
        }
        h.broker.releaseHeld();
        h.pump();
        futures.add(h.produce(P0, "r4"));
        h.pump();
        return futures;
    }

    @Test
    void continueFailsWhatWasBehindTheFailureAndTakesNewRecords() {
        Recorder recorder = new Recorder();
        try (ProducerHarness h = harness(ProducerHarness.config(), recorder)) {
            List<ProduceFuture> f = failWithTwoBehind(h);

            assertThat(failureOf(f.get(0))).hasMessageContaining("INVALID_RECORD");
            assertThat(failureOf(f.get(1))).hasMessageContaining("an earlier batch of t-0 failed");
            assertThat(failureOf(f.get(2))).hasMessageContaining("an earlier batch of t-0 failed");
            assertThat(f.get(3)).isCompletedWithValueMatching(md -> md.offset() == 1);
            assertThat(recorder.failures).singleElement().satisfies(p -> {
                assertThat(p.failedRecords()).isOne();
                assertThat(p.bufferedRecords()).isEqualTo(2);
            });
            assertThat(h.broker.values(P0)).containsExactly("w0", "r4");
        }
    }

    @Test
    void failPartitionRefusesNewRecordsUntilRecovered() {
        Recorder recorder = new Recorder();
        recorder.action = OrderingPolicy.Action.FAIL_PARTITION;
        try (ProducerHarness h = harness(ProducerHarness.config(), recorder)) {
            List<ProduceFuture> f = failWithTwoBehind(h);

            assertThat(failureOf(f.get(3))).isInstanceOf(PartitionFailedException.class);
            assertThat(h.producer.failedPartitions()).containsExactly(P0);
            assertThat(h.producer.recoverFailedPartitions(List.of(P0))).containsExactly(P0);
            ProduceFuture after = h.produce(P0, "after");
            h.pump();
            assertThat(after).isCompletedWithValueMatching(md -> md.offset() == 1);
            assertThat(h.broker.values(P0)).containsExactly("w0", "after");
        }
    }

    @Test
    void pausePartitionKeepsWhatWasBehindTheFailureAndSendsItInOrderOnceResumed() {
        Recorder recorder = new Recorder();
        recorder.action = OrderingPolicy.Action.PAUSE_PARTITION;
        try (ProducerHarness h = harness(ProducerHarness.config(), recorder)) {
            List<ProduceFuture> f = failWithTwoBehind(h);

            assertThat(failureOf(f.get(0))).hasMessageContaining("INVALID_RECORD");
            assertThat(f.subList(1, 4)).noneMatch(ProduceFuture::isDone);
            assertThat(h.producer.pausedPartitions()).containsExactly(P0);
            assertThat(h.broker.values(P0)).containsExactly("w0");

            h.producer.resumePartitions(List.of(P0));
            h.pump().advance(Duration.ofMillis(500));
            assertThat(h.broker.values(P0)).containsExactly("w0", "r2", "r3", "r4");
            assertThat(f.get(3)).isCompletedWithValueMatching(md -> md.offset() == 3);
        }
    }

    @Test
    void aPolicyThatThrowsFailsThePartitionWhichLosesAndReordersNothing() {
        OrderingPolicy broken = new OrderingPolicy() {
            @Override
            public String name() {
                return "broken";
            }

            @Override
            public Action onFailure(PartitionFailure failure) {
                throw new IllegalStateException("the policy is broken");
            }
        };
        try (ProducerHarness h = new ProducerHarness(ProducerHarness.config().orderingPolicy(broken))) {
            h.broker.topic("t", 1);
            h.broker.holdNext(P0).refuseNext(P0, ErrorCode.INVALID_RECORD);
            ProduceFuture bad = h.produce(P0, "bad");
            h.pump();
            ProduceFuture behind = h.produce(P0, "behind");
            h.pump();
            h.broker.releaseHeld();
            h.pump();

            assertThat(h.producer.failedPartitions()).containsExactly(P0);
            assertThat(persistenceOf(bad)).isEqualTo(Persistence.NOT_PERSISTED);
            assertThat(persistenceOf(behind)).as("in flight behind the failure: refused by sequence, not written")
                    .isEqualTo(Persistence.NOT_PERSISTED);
            assertThat(failureOf(h.produce(P0, "later"))).isInstanceOf(PartitionFailedException.class);
            assertThat(h.broker.values(P0)).as("nothing lost that was written, nothing reordered").isEmpty();
        }
    }
}
