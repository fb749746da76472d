package dev.josef.kafka.producer;

import dev.josef.kafka.net.internal.ManualClock;
import dev.josef.kafka.protocol.TopicPartition;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A producer whose sender a test drives pass by pass, against a
 * {@link FakeBroker}, on a clock the test moves: no thread of the producer's
 * own runs, outcomes complete on the test's thread when a pass hands them
 * over, and every step is deterministic.
 */
final class ProducerHarness implements AutoCloseable {
    final ManualClock clock = new ManualClock();
    final FakeBroker broker = new FakeBroker();
    final Producer producer;

    ProducerHarness(ProducerConfig.Builder config) {
        this.producer = new Producer(config.build(), broker, () -> { }, clock, "harness", Runnable::run, false);
    }

    /** linger 0, the fake broker's address; tests add what they are about. */
    static ProducerConfig.Builder config() {
        return ProducerConfig.builder().bootstrapServers("broker1:9092").linger(Duration.ZERO);
    }

    /** Runs sender passes until nothing is left to do at the clock's current time. */
    ProducerHarness pump() {
        for (int i = 0; i < 10_000; i++) {
            long next = producer.sender.runOnce();
            if (next == Sender.STOPPED) {
                return this;
            }
            if (!producer.sender.takeWork() && next - clock.nanoTime() > 0) {
                return this;
            }
        }
        throw new AssertionError("the sender never settled: " + producer);
    }

    /** Moves the clock, a step at a time, running what falls due on the way. */
    ProducerHarness advance(Duration by) {
        Duration step = Duration.ofMillis(50);
        for (Duration left = by; !left.isNegative() && !left.isZero(); left = left.minus(step)) {
            clock.advance(left.compareTo(step) < 0 ? left : step);
            pump();
        }
        return this;
    }

    ProduceFuture produce(TopicPartition tp, String value) {
        return producer.produce(ProducerRecord.of(tp.topic(), value.getBytes(StandardCharsets.UTF_8))
                .withPartition(tp.partition()));
    }

    @Override
    public void close() {
        producer.close(Duration.ZERO);
        pump();
    }
}
