package dev.josef.kafka.producer;

import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.GroupMetadata;
import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.protocol.message.EndTxnRequest;
import dev.josef.kafka.protocol.message.TxnOffsetCommitRequest;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The transaction state machine, pass by pass, against the fake broker's
 * transaction coordinator on a manual clock: which requests go out at which
 * versions under each transaction protocol, and what each answer makes of the
 * transaction.
 */
class TransactionsTest {
    private static final String ID = "txn-1";
    private static final TopicPartition A = TopicPartition.of("t", 0);
    private static final TopicPartition B = TopicPartition.of("t", 1);
    private static final GroupMetadata GROUP = new GroupMetadata("g", 1, "member-1", Optional.empty());

    private static ProducerHarness harness(int level) {
        ProducerHarness h = new ProducerHarness(ProducerHarness.config().transactionalId(ID));
        h.broker.topic("t", 2).transactions(level);
        return h;
    }

    private static Transactions txn(ProducerHarness h) {
        return h.producer.transactions;
    }

    /** Runs the sender until the future is done, and returns it. */
    private static <T> CompletableFuture<T> run(ProducerHarness h, CompletableFuture<T> f) {
        h.pump();
        assertThat(f).as("the operation finished within the passes").isDone();
        return f;
    }

    private static Throwable failure(CompletableFuture<?> f) {
        try {
            f.get();
            throw new AssertionError("the operation succeeded");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static List<ApiKey> apis(ProducerHarness h) {
        return h.broker.requests().stream().map(FakeBroker.Request::api).toList();
    }

    @Test
    void versionTwoSendsNoAddRequestsAndTakesANewEpochForEachTransaction() throws Exception {
        try (ProducerHarness h = harness(2)) {
            run(h, txn(h).initTransactions()).get();
            short first = h.broker.txn().epoch(ID);
            for (int round = 0; round < 2; round++) {
                run(h, txn(h).beginTransaction()).get();
                ProduceFuture a = h.produce(A, "a" + round);
                ProduceFuture b = h.produce(B, "b" + round);
                h.pump();
                run(h, txn(h).sendOffsets(Map.of(A, TransactionOffset.of(10 + round)), GROUP)).get();
                run(h, txn(h).commit()).get();
                assertThat(a.get().offset()).isEqualTo(round);
                assertThat(b.get().offset()).isEqualTo(round);
            }
            assertThat(apis(h)).doesNotContain(ApiKey.ADD_PARTITIONS_TO_TXN, ApiKey.ADD_OFFSETS_TO_TXN);
            assertThat(h.broker.requests()).filteredOn(r -> r.api() == ApiKey.PRODUCE)
                    .allSatisfy(r -> assertThat(r.version()).isGreaterThanOrEqualTo((short) 12));
            assertThat(h.broker.requests()).filteredOn(r -> r.api() == ApiKey.END_TXN)
                    .allSatisfy(r -> assertThat(r.version()).isEqualTo((short) 5));
            // The epoch goes +1 per transaction, and the second transaction's batches start at sequence 0 under it.
            assertThat(h.broker.txn().ended).containsExactly("commit@" + first, "commit@" + (first + 1));
            assertThat(h.broker.seen(A)).extracting(FakeBroker.Seen::epoch, FakeBroker.Seen::baseSequence)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(first, 0),
                            org.assertj.core.groups.Tuple.tuple((short) (first + 1), 0));
            assertThat(h.broker.txn().committed(A)).containsExactly("a0", "a1");
            assertThat(h.broker.txn().committedOffsets).containsEntry(A, 11L);
            assertThat(txn(h).state()).isEqualTo(Transactions.State.READY);
        }
    }

    @Test
    void fullBatchesClosedOnTheProducingThreadAreStampedAndCommitted() throws Exception {
        // A batch that fills up is encoded when it closes, before the sender gives it its producer id.
        try (ProducerHarness h = new ProducerHarness(ProducerHarness.config().transactionalId(ID).batchSize(1024))) {
            h.broker.topic("t", 2).transactions(2);
            run(h, txn(h).initTransactions()).get();
            run(h, txn(h).beginTransaction()).get();
            List<ProduceFuture> sent = new java.util.ArrayList<>();
            List<String> values = new java.util.ArrayList<>();
            for (int i = 0; i < 200; i++) {
                values.add(String.format("record-%040d", i));
                sent.add(h.produce(A, values.get(i)));
            }
            run(h, txn(h).commit()).get();
            for (ProduceFuture f : sent) {
                assertThat(f.get().offset()).isNotNegative();
            }
            assertThat(h.broker.txn().committed(A)).isEqualTo(values);
            assertThat(h.broker.seen(A).size()).as("several batches").isGreaterThan(2);
        }
    }

    @Test
    void closingWithATransactionOpenAbortsItAndDoesNotSendWhatWasLeft() throws Exception {
        ProducerHarness h = harness(2);
        run(h, txn(h).initTransactions()).get();
        run(h, txn(h).beginTransaction()).get();
        h.broker.holdNext(A);
        ProduceFuture inFlight = h.produce(A, "in-flight");
        h.pump();
        h.broker.holdNext(B); // B's next batch would wait too: the point is that it is never sent
        ProduceFuture queued = h.produce(B, "queued");
        h.producer.sender.stop(java.time.Duration.ofMinutes(1).toNanos());
        h.pump();
        assertThat(failure(queued.toCompletableFuture())).isInstanceOf(ProduceException.class)
                .hasMessageContaining("NOT_PERSISTED").hasMessageContaining("aborted");
        assertThat(h.broker.seen(B)).as("the queued record never went out").isEmpty();
        assertThat(h.producer.sender.exited()).as("the abort waits for the batch in flight").isFalse();
        h.broker.releaseHeld();
        h.pump();
        assertThat(inFlight.get().offset()).isZero();
        assertThat(h.broker.txn().ended).containsExactly("abort@0");
        assertThat(h.broker.txn().committed(A)).isEmpty();
        assertThat(h.producer.sender.exited()).as("stopped well before the close's deadline").isTrue();
    }

    @Test
    void aRecordThatFailsWaitingForItsTopicMakesTheTransactionAbortable() throws Exception {
        try (ProducerHarness h = new ProducerHarness(ProducerHarness.config().transactionalId(ID)
                .unknownTopicRetries(0))) {
            h.broker.topic("t", 2).transactions(2).autoCreate(false);
            run(h, txn(h).initTransactions()).get();
            run(h, txn(h).beginTransaction()).get();
            ProduceFuture good = h.produce(A, "good");
            ProduceFuture lost = h.producer.produce(ProducerRecord.of("missing-topic", "x".getBytes()));
            h.pump();
            assertThat(failure(lost.toCompletableFuture())).isInstanceOf(ProduceException.class);
            assertThat(failure(run(h, txn(h).commit()))).as("the transaction would commit without the record")
                    .isInstanceOf(TransactionAbortableException.class);
            run(h, txn(h).abort()).get();
            assertThat(good).isDone();
            assertThat(h.broker.txn().committed(A)).isEmpty();
        }
    }

    @Test
    void aCallWhoseWaitTimedOutWaitsOnTheSameOperationWhenCalledAgain() {
        try (ProducerHarness h = new ProducerHarness(ProducerHarness.config().transactionalId(ID)
                .maxBlock(java.time.Duration.ofMillis(20)))) {
            h.broker.topic("t", 2).transactions(2);
            assertThatThrownBy(h.producer::initTransactions).isInstanceOf(TransactionTimeoutException.class)
                    .satisfies(e -> assertThat(((TransactionException) e).errorClass())
                            .isEqualTo(TransactionException.ErrorClass.RETRIABLE));
            h.pump(); // the init goes on, and finishes, before the application calls again
            h.producer.initTransactions();
            CompletableFuture<Void> begin = txn(h).beginTransaction();
            h.pump();
            assertThat(begin).isCompleted();
            h.produce(A, "a");
            assertThatThrownBy(h.producer::commitTransaction).isInstanceOf(TransactionTimeoutException.class);
            h.pump();
            assertThat(txn(h).state()).isEqualTo(Transactions.State.READY);
            h.producer.commitTransaction(); // the same commit, done: no "commitTransaction without a transaction"
            assertThat(h.broker.txn().committed(A)).containsExactly("a");
            assertThat(h.broker.txn().ended).hasSize(1);
        }
    }

    @Test
    void aBatchPipelinedBehindOneThatIsRetriedWaitsItsTurnInsteadOfFailingTheTransaction() throws Exception {
        try (ProducerHarness h = harness(2)) {
            run(h, txn(h).initTransactions()).get();
            run(h, txn(h).beginTransaction()).get();
            ProduceFuture first = h.produce(A, "first");
            h.pump();
            assertThat(first.get().offset()).isZero();
            h.broker.holdNext(A).refuseNext(A, ErrorCode.NOT_ENOUGH_REPLICAS);
            ProduceFuture second = h.produce(A, "second");
            h.pump();
            ProduceFuture third = h.produce(A, "third");
            h.pump();
            h.broker.releaseHeld(); // second: NOT_ENOUGH_REPLICAS; third, behind it: OUT_OF_ORDER_SEQUENCE_NUMBER
            h.pump();
            h.advance(java.time.Duration.ofSeconds(1));
            run(h, txn(h).commit()).get();
            assertThat(second.get().offset()).isEqualTo(1);
            assertThat(third.get().offset()).isEqualTo(2);
            assertThat(h.broker.seen(A)).extracting(FakeBroker.Seen::answer).contains(
                    ErrorCode.NOT_ENOUGH_REPLICAS, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
            assertThat(h.broker.txn().committed(A)).containsExactly("first", "second", "third");
        }
    }

    @Test
    void aBatchTooLargeIsSplitAndNumberedOnFromTheLastSequenceUnderTheSameEpoch() throws Exception {
        try (ProducerHarness h = harness(1)) {
            run(h, txn(h).initTransactions()).get();
            run(h, txn(h).beginTransaction()).get();
            ProduceFuture first = h.produce(A, "x".repeat(100));
            h.pump();
            assertThat(first.get().offset()).isZero();
            h.broker.maxBatchBytes(A, 250);
            ProduceFuture a = h.produce(A, "a".repeat(100));
            ProduceFuture b = h.produce(A, "b".repeat(100));
            h.pump();
            h.advance(java.time.Duration.ofSeconds(1));
            run(h, txn(h).commit()).get();
            assertThat(a.get().offset()).isEqualTo(1);
            assertThat(b.get().offset()).isEqualTo(2);
            assertThat(h.broker.seen(A)).extracting(FakeBroker.Seen::answer).contains(ErrorCode.MESSAGE_TOO_LARGE);
            assertThat(h.broker.txn().committed(A)).hasSize(3);
        }
    }

    @Test
    void aPartitionWaitingToBeAddedUnderVersionOneDoesNotSpinTheSender() throws Exception {
        try (ProducerHarness h = harness(1)) {
            run(h, txn(h).initTransactions()).get();
            run(h, txn(h).beginTransaction()).get();
            h.broker.txn().script(ApiKey.ADD_PARTITIONS_TO_TXN, ErrorCode.CONCURRENT_TRANSACTIONS);
            ProduceFuture a = h.produce(A, "a");
            h.pump(); // throws "the sender never settled" if each pass asks for another at once
            assertThat(a).isNotDone();
            h.advance(java.time.Duration.ofSeconds(1));
            run(h, txn(h).commit()).get();
            assertThat(a.get().offset()).isZero();
        }
    }

    @Test
    void versionOneAddsPartitionsAndOffsetsFirstAndCapsVersionsBelowTwo() throws Exception {
        try (ProducerHarness h = harness(1)) {
            run(h, txn(h).initTransactions()).get();
            short epoch = h.broker.txn().epoch(ID);
            run(h, txn(h).beginTransaction()).get();
            ProduceFuture a = h.produce(A, "a");
            h.pump();
            run(h, txn(h).sendOffsets(Map.of(B, TransactionOffset.of(7)), GROUP)).get();
            run(h, txn(h).commit()).get();
            assertThat(a.get().offset()).isZero();
            assertThat(apis(h)).containsExactly(ApiKey.INIT_PRODUCER_ID, ApiKey.ADD_PARTITIONS_TO_TXN,
                    ApiKey.PRODUCE, ApiKey.ADD_OFFSETS_TO_TXN, ApiKey.TXN_OFFSET_COMMIT, ApiKey.END_TXN);
            for (FakeBroker.Request r : h.broker.requests()) {
                switch (r.api()) {
                    case PRODUCE -> assertThat(r.version()).isEqualTo(Transactions.TV1_PRODUCE);
                    case TXN_OFFSET_COMMIT -> assertThat(r.version()).isEqualTo(Transactions.TV1_TXN_OFFSET_COMMIT);
                    case END_TXN -> assertThat(r.version()).isEqualTo(Transactions.TV1_END_TXN);
                    case ADD_PARTITIONS_TO_TXN -> assertThat(r.version()).isEqualTo(Transactions.ADD_PARTITIONS_CLIENT);
                    default -> { }
                }
            }
            // Version 1 keeps the epoch across transactions.
            assertThat(h.broker.txn().epoch(ID)).isEqualTo(epoch);
            assertThat(h.broker.txn().committed(A)).containsExactly("a");
            TxnOffsetCommitRequest commit = (TxnOffsetCommitRequest) h.broker.requests().get(4).body();
            assertThat(commit.generationId()).isEqualTo(1);
            assertThat(commit.memberId()).isEqualTo("member-1");
        }
    }

    @Test
    void anAbortFailsWhatWasNotSentHidesWhatWasAndTheProducerGoesOn() throws Exception {
        try (ProducerHarness h = harness(2)) {
            run(h, txn(h).initTransactions()).get();
            run(h, txn(h).beginTransaction()).get();
            ProduceFuture sent = h.produce(A, "sent");
            h.pump();
            h.broker.holdNext(B);
            ProduceFuture held = h.produce(B, "held");
            h.pump();
            CompletableFuture<Void> abort = txn(h).abort();
            h.pump();
            assertThat(abort).as("the abort waits for the batch in flight").isNotDone();
            h.broker.releaseHeld();
            run(h, abort).get();
            assertThat(sent.get().offset()).isZero();
            assertThat(held).isDone();
            assertThat(h.broker.txn().committed(A)).isEmpty();
            assertThat(h.broker.txn().committed(B)).isEmpty();
            assertThat(h.broker.txn().ended).containsExactly("abort@0");

            run(h, txn(h).beginTransaction()).get();
            ProduceFuture next = h.produce(A, "next");
            run(h, txn(h).commit()).get();
            assertThat(next.get().offset()).isEqualTo(1);
            assertThat(h.broker.txn().committed(A)).containsExactly("next");
        }
    }

    @Test
    void aRecordThatFailsMakesTheTransactionAbortableAndItsRecordsNeverCommit() throws Exception {
        try (ProducerHarness h = harness(2)) {
            run(h, txn(h).initTransactions()).get();
            run(h, txn(h).beginTransaction()).get();
            ProduceFuture good = h.produce(A, "good");
            h.broker.refuseNext(B, ErrorCode.INVALID_RECORD);
            ProduceFuture bad = h.produce(B, "bad");
            h.pump();
            assertThat(failure(bad.toCompletableFuture())).isInstanceOf(ProduceException.class);
            assertThat(txn(h).state()).isEqualTo(Transactions.State.ABORTABLE_ERROR);
            // A record produced now fails at once, naming the abortable transaction.
            ProduceFuture after = h.produce(A, "after");
            assertThat(failure(after.toCompletableFuture())).isInstanceOf(ProduceException.class)
                    .cause().isInstanceOf(TransactionAbortableException.class);
            Throwable commit = failure(run(h, txn(h).commit()));
            assertThat(commit).isInstanceOf(TransactionAbortableException.class);
            assertThat(((TransactionException) commit).errorClass())
                    .isEqualTo(TransactionException.ErrorClass.ABORTABLE);
            run(h, txn(h).abort()).get();
            assertThat(good.get().offset()).isZero();
            assertThat(h.broker.txn().committed(A)).isEmpty();
            assertThat(apis(h)).filteredOn(a -> a == ApiKey.END_TXN).hasSize(1);
            assertThat(((EndTxnRequest) h.broker.requests().stream().filter(r -> r.api() == ApiKey.END_TXN)
                    .findFirst().orElseThrow().body()).committed()).isFalse();

            run(h, txn(h).beginTransaction()).get();
            ProduceFuture again = h.produce(B, "again");
            run(h, txn(h).commit()).get();
            assertThat(again.get().offset()).isNotNegative();
            assertThat(h.broker.txn().committed(B)).containsExactly("again");
        }
    }

    @Test
    void aNewerProducerFencesThisOneWhoseCallsThenFailAsApplicationRecoverable() throws Exception {
        try (ProducerHarness h = harness(2)) {
            run(h, txn(h).initTransactions()).get();
            run(h, txn(h).beginTransaction()).get();
            h.produce(A, "zombie");
            h.pump();
            h.broker.txn().fence(ID);
            Throwable commit = failure(run(h, txn(h).commit()));
            assertThat(commit).isInstanceOf(ProducerFencedException.class);
            assertThat(((TransactionException) commit).errorClass())
                    .isEqualTo(TransactionException.ErrorClass.APPLICATION_RECOVERABLE);
            assertThat(((TransactionException) commit).errorCode()).contains(ErrorCode.PRODUCER_FENCED);
            assertThatThrownBy(() -> h.produce(A, "later")).isInstanceOf(ProducerFencedException.class);
            assertThat(failure(run(h, txn(h).beginTransaction()))).isInstanceOf(ProducerFencedException.class);
            assertThat(h.broker.txn().committed(A)).isEmpty();
        }
    }

    @Test
    void retriableErrorsAreRetriedInsideAndTransactionAbortableIsTheApplications() throws Exception {
        try (ProducerHarness h = harness(2)) {
            h.broker.txn().script(ApiKey.INIT_PRODUCER_ID, ErrorCode.CONCURRENT_TRANSACTIONS,
                    ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
            CompletableFuture<Void> init = txn(h).initTransactions();
            h.pump();
            assertThat(init).as("backing off after each retriable answer").isNotDone();
            h.advance(java.time.Duration.ofSeconds(1));
            init.get();
            run(h, txn(h).beginTransaction()).get();
            h.produce(A, "a");
            h.broker.txn().script(ApiKey.END_TXN, ErrorCode.NOT_COORDINATOR);
            CompletableFuture<Void> commit = txn(h).commit();
            h.pump();
            h.advance(java.time.Duration.ofSeconds(1));
            commit.get();
            assertThat(h.broker.coordinatorInvalidations()).isEqualTo(1);
            assertThat(h.broker.txn().committed(A)).containsExactly("a");

            // The coordinator's broker goes down with an EndTxn out: the coordinator is looked up again, not waited on.
            run(h, txn(h).beginTransaction()).get();
            h.produce(A, "c");
            h.broker.txn().loseNext(ApiKey.END_TXN);
            CompletableFuture<Void> lostCommit = txn(h).commit();
            h.pump();
            h.advance(java.time.Duration.ofSeconds(1));
            lostCommit.get();
            assertThat(h.broker.coordinatorInvalidations()).isEqualTo(2);
            assertThat(h.broker.txn().committed(A)).containsExactly("a", "c");

            run(h, txn(h).beginTransaction()).get();
            h.produce(A, "b");
            h.broker.txn().script(ApiKey.END_TXN, ErrorCode.TRANSACTION_ABORTABLE);
            assertThat(failure(run(h, txn(h).commit()))).isInstanceOf(TransactionAbortableException.class);
            run(h, txn(h).abort()).get();
            assertThat(h.broker.txn().committed(A)).containsExactly("a", "c");
        }
    }

    @Test
    void aTransactionTheCoordinatorTimedOutIsAbortableThenGoesOnUnderVersionTwoAndIsFencedUnderOne() throws Exception {
        for (int level : new int[] {1, 2}) {
            try (ProducerHarness h = harness(level)) {
                run(h, txn(h).initTransactions()).get();
                run(h, txn(h).beginTransaction()).get();
                ProduceFuture before = h.produce(A, "before");
                h.pump();
                assertThat(before.get().offset()).isZero();
                h.broker.txn().timeOut(ID);
                ProduceFuture after = h.produce(A, "after");
                h.pump();
                assertThat(failure(after.toCompletableFuture())).isInstanceOf(ProduceException.class)
                        .hasMessageContaining("INVALID_PRODUCER_EPOCH");
                assertThat(failure(run(h, txn(h).commit()))).as("level %d", level)
                        .isInstanceOf(TransactionAbortableException.class);
                if (level == 1) {
                    // A Kafka 4.3 coordinator refuses the old epoch's abort as fenced under version 1 (kafka-clients
                    // ends fenced too); taking the id back with a fresh InitProducerId would fence a real successor.
                    assertThat(failure(run(h, txn(h).abort()))).isInstanceOf(ProducerFencedException.class);
                    continue;
                }
                run(h, txn(h).abort()).get();
                assertThat(txn(h).state()).as("level %d", level).isEqualTo(Transactions.State.READY);
                run(h, txn(h).beginTransaction()).get();
                ProduceFuture next = h.produce(A, "next");
                run(h, txn(h).commit()).get();
                assertThat(next.get().offset()).isPositive();
                assertThat(h.broker.txn().committed(A)).as("level %d", level).containsExactly("next");
            }
        }
    }

    @Test
    void callsInTheWrongStateAndStaleGroupOffsetsFailClearly() throws Exception {
        try (ProducerHarness h = harness(2)) {
            assertThatThrownBy(() -> h.produce(A, "early")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("initTransactions");
            run(h, txn(h).initTransactions()).get();
            assertThat(failure(run(h, txn(h).commit()))).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("commitTransaction without a transaction")
                    .hasMessageContaining("beginTransaction");
            assertThatThrownBy(() -> h.produce(A, "outside")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("call beginTransaction first");
            run(h, txn(h).beginTransaction()).get();
            assertThat(failure(run(h, txn(h).beginTransaction()))).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("commit or abort it first");
            h.broker.txn().generation = 2;
            Throwable stale = failure(run(h, txn(h).sendOffsets(Map.of(A, TransactionOffset.of(3)), GROUP)));
            assertThat(stale).isInstanceOf(TransactionAbortableException.class)
                    .hasMessageContaining("ILLEGAL_GENERATION").hasMessageContaining("member-1");
            run(h, txn(h).abort()).get();
            assertThat(h.broker.txn().committedOffsets).isEmpty();
        }
        try (ProducerHarness plain = new ProducerHarness(ProducerHarness.config())) {
            assertThatThrownBy(plain.producer::beginTransaction).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("no transactional id");
        }
    }

    @Test
    void aCommitWhoseWaitTimedOutDoesNotStandInForTheNextTransactionsCommit() {
        try (ProducerHarness h = new ProducerHarness(ProducerHarness.config().transactionalId(ID)
                .maxBlock(java.time.Duration.ofMillis(20)))) {
            h.broker.topic("t", 2).transactions(2);
            run(h, txn(h).initTransactions());
            run(h, txn(h).beginTransaction());
            h.produce(A, "first");
            assertThatThrownBy(h.producer::commitTransaction).isInstanceOf(TransactionTimeoutException.class);
            h.pump(); // the commit finishes; the application does not call it again, and moves on
            assertThat(h.broker.txn().committed(A)).containsExactly("first");
            assertThatThrownBy(h.producer::beginTransaction).isInstanceOf(TransactionTimeoutException.class);
            h.pump();
            h.producer.beginTransaction();
            h.produce(A, "second");
            assertThatThrownBy(h.producer::commitTransaction).as("a new commit, sent to the sender")
                    .isInstanceOf(TransactionTimeoutException.class);
            h.pump();
            h.producer.commitTransaction();
            assertThat(h.broker.txn().committed(A)).containsExactly("first", "second");
            assertThat(h.broker.txn().ended).hasSize(2);
        }
    }
}
