package dev.josef.kafka.benchmarks;

import java.time.Duration;

/**
 * One producer of the end-to-end benchmark, over a pool of prepared records for
 * one topic. Sending a record allocates nothing on the benchmark's side: the
 * records are built before the trial and the callback is shared.
 */
abstract class EndToEndDriver implements AutoCloseable {
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);
    static final Duration PRIME_TIMEOUT = Duration.ofSeconds(60);

    /**
     * Sends one record to each partition and waits for them: connections, the
     * producer id and the topic's metadata are settled before timing starts, and
     * every partition's timed records start at {@link AckRecorder#BASE_OFFSET}.
     */
    abstract void prime(int partitions) throws Exception;

    /** Sends the pool's record {@code slot}; its outcome goes to the recorder. */
    abstract void send(int slot);

    /** Sends what lingers and waits for the outcomes; false if that took longer than {@code timeout}. */
    abstract boolean flush(Duration timeout) throws InterruptedException;

    @Override
    public abstract void close();
}
