package dev.josef.kafka.producer;

import dev.josef.kafka.producer.spi.ProducerHook;
import dev.josef.kafka.producer.spi.ProducerView;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.TopicPartition;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What a {@link ProducerHook} sees of the producer as a whole, on the scripted
 * broker and the test's clock: its view (buffer, requests in flight, leaders)
 * from open to close, each request, and each transaction's end with how long
 * it took from the first call and why it failed.
 */
class ProducerHookEventsTest {
    private static final TopicPartition A = TopicPartition.of("t", 0);
    private static final TopicPartition B = TopicPartition.of("t", 1);

    private static final class Recording implements ProducerHook {
        final List<String> events = new CopyOnWriteArrayList<>();
        volatile ProducerView view;
        volatile ProducerView closed;

        @Override
        public void onOpen(String clientId, ProducerView view) {
            this.view = view;
            events.add("open " + clientId);
        }

        @Override
        public void onClose(String clientId, ProducerView view) {
            closed = view;
            events.add("close " + clientId);
        }

        @Override
        public ProducerRecord onProduce(String clientId, ProducerRecord record) {
            events.add("produce " + record.topic());
            return record;
        }

        @Override
        public void onFailed(String clientId, ProducerRecord record, Throwable error, long bufferNanos,
                             long inFlightNanos) {
            events.add("failed " + record.topic() + ": " + error.getClass().getSimpleName());
        }

        @Override
        public void onRequestSent(String clientId, int nodeId, int batches, int records, int bytes) {
            events.add("request to " + nodeId + ": " + batches + " batches, " + records + " records, "
                    + (bytes > 0 ? "some" : "no") + " bytes");
        }

        @Override
        public void onTransactionEnd(String clientId, String transactionalId, boolean commit, long durationNanos,
                                     Throwable error) {
            events.add((commit ? "commit " : "abort ") + transactionalId + " in "
                    + Duration.ofNanos(durationNanos).toMillis() + " ms: "
                    + (error == null ? "ok" : error.getClass().getSimpleName()));
        }
    }

    @Test
    void theViewTellsTheBufferRequestsInFlightAndLeadersFromOpenToClose() throws Exception {
        Recording hook = new Recording();
        try (ProducerHarness h = new ProducerHarness(ProducerHarness.config().bufferMemory(1 << 20).hook(hook))) {
            h.broker.topic("t", 2).holdNext(A);
            assertThat(hook.events).containsExactly("open harness");
            ProducerView view = hook.view;
            assertThat(view.bufferLimitBytes()).isEqualTo(1 << 20);
            assertThat(view.bufferedRecords()).isZero();
            ProduceFuture held = h.produce(A, "held");
            assertThat(view.bufferedRecords()).isEqualTo(1);
            assertThat(view.bufferedBytes()).isPositive();
            h.pump();
            assertThat(held).isNotDone();
            assertThat(view.requestsInFlight()).as("the request of A is held").isEqualTo(1);
            assertThat(view.bufferedRecords()).isEqualTo(1);
            assertThat(view.leader(A)).hasValueSatisfying(a -> {
                assertThat(a.getHostString()).startsWith("broker");
                assertThat(a.getPort()).isEqualTo(9092);
            });
            assertThat(view.leader(TopicPartition.of("unknown", 0))).isEmpty();
            h.broker.releaseHeld();
            h.pump();
            assertThat(held.get(5, TimeUnit.SECONDS).offset()).isZero();
            assertThat(view.requestsInFlight()).isZero();
            assertThat(view.bufferedRecords()).isZero();
            assertThat(view.bufferedBytes()).isZero();
            ProduceFuture other = h.produce(B, "other");
            h.pump();
            assertThat(other.get(5, TimeUnit.SECONDS).offset()).isZero();
            assertThat(hook.events).filteredOn(e -> e.startsWith("request")).containsExactly(
                    "request to " + h.broker.metadata().leader("t", 0).orElseThrow()
                            + ": 1 batches, 1 records, some bytes",
                    "request to " + h.broker.metadata().leader("t", 1).orElseThrow()
                            + ": 1 batches, 1 records, some bytes");
        }
        assertThat(hook.events).last().isEqualTo("close harness");
        assertThat(hook.closed).isSameAs(hook.view);
    }

    @Test
    void eachTransactionEndIsReportedOnceWithItsDurationFromTheFirstCallAndItsError() {
        Recording hook = new Recording();
        try (ProducerHarness h = new ProducerHarness(ProducerHarness.config().transactionalId("tx")
                .maxBlock(Duration.ofMillis(20)).hook(hook))) {
            h.broker.topic("t", 2).transactions(2);
            h.pump();
            h.producer.transactions.initTransactions();
            h.pump();
            h.producer.transactions.beginTransaction();
            h.pump();
            h.produce(A, "a");
            assertThatThrownBy(h.producer::commitTransaction).isInstanceOf(TransactionTimeoutException.class);
            assertThat(hook.events).noneMatch(e -> e.startsWith("commit"));
            h.advance(Duration.ofMillis(300)); // the commit goes on, and ends, before the application calls again
            h.producer.commitTransaction();
            assertThat(hook.events).filteredOn(e -> e.startsWith("commit")).containsExactly("commit tx in 300 ms: ok");

            // No transaction: a misuse, which ends nothing (the state check is the sender's: it answers at the pump).
            assertThatThrownBy(h.producer::commitTransaction).isInstanceOf(TransactionTimeoutException.class);
            h.pump();
            assertThatThrownBy(h.producer::commitTransaction).isInstanceOf(IllegalStateException.class);

            h.producer.transactions.beginTransaction();
            h.pump();
            h.broker.refuseNext(B, ErrorCode.INVALID_RECORD);
            h.produce(B, "bad");
            h.pump();
            assertThatThrownBy(h.producer::commitTransaction).isInstanceOf(TransactionTimeoutException.class);
            h.advance(Duration.ofMillis(40));
            assertThatThrownBy(h.producer::commitTransaction).isInstanceOf(TransactionAbortableException.class);
            assertThatThrownBy(h.producer::abortTransaction).isInstanceOf(TransactionTimeoutException.class);
            h.advance(Duration.ofMillis(100));
            h.producer.abortTransaction();
            assertThat(hook.events).filteredOn(e -> e.startsWith("commit") || e.startsWith("abort")).containsExactly(
                    "commit tx in 300 ms: ok", "commit tx in 40 ms: TransactionAbortableException",
                    "abort tx in 100 ms: ok");
        }
    }

    @Test
    void aRecordRefusedAtTheCallAfterOnProduceStillGetsItsOutcome() {
        Recording hook = new Recording();
        try (ProducerHarness h = new ProducerHarness(ProducerHarness.config().maxRequestSize(1024).hook(hook))) {
            h.broker.topic("t", 2);
            assertThatThrownBy(() -> h.producer.produce(ProducerRecord.of("t", new byte[4096])))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxRequestSize");
            assertThatThrownBy(() -> h.producer.produce(ProducerRecord.of("bad topic!", new byte[1])))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(hook.events).filteredOn(e -> !e.startsWith("open")).containsExactly(
                    "produce t", "failed t: IllegalArgumentException",
                    "produce bad topic!", "failed bad topic!: IllegalArgumentException");
        }
    }
}
