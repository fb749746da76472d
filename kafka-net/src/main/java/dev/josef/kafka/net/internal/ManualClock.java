package dev.josef.kafka.net.internal;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock that moves only when told to: for deterministic tests of Josef's
 * state machines (the producer's sender, the fetcher, group membership), so a
 * linger, a backoff or a delivery timeout is reached by {@link #advance}, not
 * by waiting. Thread-safe.
 */
public final class ManualClock implements Clock {
    private final AtomicLong nanos;
    private final long epochMillisAtZero;

    /** Starts at an arbitrary nanoTime (not 0, as nothing may take 0 to mean "never") and 2026-01-01. */
    public ManualClock() {
        this(1_000_000_000L, 1_767_225_600_000L);
    }

    public ManualClock(long startNanos, long epochMillisAtStart) {
        this.nanos = new AtomicLong(startNanos);
        this.epochMillisAtZero = epochMillisAtStart - startNanos / 1_000_000;
    }

    @Override
    public long nanoTime() {
        return nanos.get();
    }

    @Override
    public long currentTimeMillis() {
        return epochMillisAtZero + nanos.get() / 1_000_000;
    }

    public ManualClock advance(Duration by) {
        if (by.isNegative()) {
            throw new IllegalArgumentException("a clock does not go back: " + by);
        }
        nanos.addAndGet(by.toNanos());
        return this;
    }
}
