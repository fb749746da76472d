package dev.josef.kafka.producer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The producer's two counters without a broker: flush generations and the buffer limit. */
@Timeout(30)
class FlushAndBufferAccountingTest {

    @Test
    void flushWaitsForRecordsProducedBeforeItAndNotForLaterOnes() throws Exception {
        Outstanding outstanding = new Outstanding(dev.josef.kafka.net.internal.Clock.system());
        Outstanding.Generation early = outstanding.enter();

        CompletableFuture<Boolean> flush = CompletableFuture.supplyAsync(() -> {
            try {
                return outstanding.awaitEarlier(TimeUnit.SECONDS.toNanos(20));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(200);
        assertThat(flush).as("waits for the earlier record").isNotDone();
        Outstanding.Generation late = outstanding.enter(); // produced while the flush waits

        outstanding.leave(early);

        assertThat(flush.get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(outstanding.awaitEarlier(TimeUnit.MILLISECONDS.toNanos(100)))
                .as("a second flush waits for the later record, and times out").isFalse();
        outstanding.leave(late);
        assertThat(outstanding.awaitEarlier(TimeUnit.SECONDS.toNanos(5))).isTrue();
    }

    @Test
    void anOlderUnfinishedGenerationHoldsBackALaterFlush() throws Exception {
        Outstanding outstanding = new Outstanding(dev.josef.kafka.net.internal.Clock.system());
        Outstanding.Generation first = outstanding.enter();
        assertThat(outstanding.awaitEarlier(TimeUnit.MILLISECONDS.toNanos(50))).isFalse(); // seals the first
        Outstanding.Generation second = outstanding.enter();
        outstanding.leave(second);

        assertThat(outstanding.awaitEarlier(TimeUnit.MILLISECONDS.toNanos(50)))
                .as("the first generation still counts a record").isFalse();
        outstanding.leave(first);
        assertThat(outstanding.awaitEarlier(TimeUnit.SECONDS.toNanos(5))).isTrue();
    }

    @Test
    void theBufferRefusesPastEitherLimitAndWakesAWaiterWhenRoomComesBack() throws Exception {
        BufferLimit limit = new BufferLimit(1_000, 3, dev.josef.kafka.net.internal.Clock.system());
        assertThat(limit.reserve(400, 0)).isTrue();
        assertThat(limit.reserve(400, 0)).isTrue();
        assertThat(limit.reserve(400, 0)).as("past the bytes").isFalse();
        assertThat(limit.reserve(100, 0)).isTrue();
        assertThat(limit.reserve(10, 0)).as("past the records").isFalse();

        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return limit.reserve(400, TimeUnit.SECONDS.toNanos(20));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(200);
        assertThat(waiting).isNotDone();
        limit.release(400);
        limit.release(100);

        assertThat(waiting.get(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aRecordLargerThanTheWholeBufferGoesWhenTheBufferIsEmpty() throws Exception {
        BufferLimit limit = new BufferLimit(1_000, 10, dev.josef.kafka.net.internal.Clock.system());
        assertThat(limit.reserve(5_000, 0)).isTrue();
        assertThat(limit.reserve(1, 0)).isFalse();
        limit.release(5_000);
        assertThat(limit.reserve(1, 0)).isTrue();
    }
}
