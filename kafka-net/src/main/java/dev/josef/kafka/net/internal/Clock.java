package dev.josef.kafka.net.internal;

/**
 * Where Josef's engines read the time: a monotonic clock for timeouts, backoffs
 * and lingers, and the wall clock for record timestamps. The system clock in
 * production; tests of a state machine (the producer's sender, the fetcher)
 * hand in one they move by hand, so every timeout can be reached without
 * waiting. Nothing else in a library module calls {@link System#nanoTime()}
 * (an architecture test checks this).
 */
public interface Clock {

    /** Monotonic nanoseconds, as {@link System#nanoTime()}: only differences mean anything. */
    long nanoTime();

    /** Milliseconds since the epoch, as {@link System#currentTimeMillis()}. */
    long currentTimeMillis();

    /**
     * Nanoseconds since the epoch, as precise as the clock can tell (span
     * timestamps); {@link #currentTimeMillis()} in nanoseconds by default.
     */
    default long currentTimeNanos() {
        return currentTimeMillis() * 1_000_000L;
    }

    /** The JVM's clocks. */
    static Clock system() {
        return SystemClock.INSTANCE;
    }

    /** The JVM's clocks. */
    enum SystemClock implements Clock {
        INSTANCE;

        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public long currentTimeMillis() {
            return System.currentTimeMillis();
        }

        @Override
        public long currentTimeNanos() {
            java.time.Instant now = java.time.Instant.now();
            return now.getEpochSecond() * 1_000_000_000L + now.getNano();
        }
    }
}
