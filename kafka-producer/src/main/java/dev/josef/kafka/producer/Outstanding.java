package dev.josef.kafka.producer;

import dev.josef.kafka.net.internal.Clock;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the records without an outcome, by flush generation, so that
 * {@code flush} waits for the records produced before it and not for those
 * produced while it waits. A record costs one increment and one decrement of
 * its generation's counter; only a flush takes a lock.
 */
final class Outstanding {
    /** The records produced between two flushes. */
    static final class Generation {
        private final AtomicLong count = new AtomicLong();
        private volatile boolean sealed;
    }

    private final Object lock = new Object();
    private final Clock clock;
    private volatile Generation current = new Generation();
    /** Sealed generations that may still count records, oldest first; guarded by {@code lock}. */
    private final ArrayDeque<Generation> sealed = new ArrayDeque<>();

    Outstanding(Clock clock) {
        this.clock = clock;
    }

    Generation enter() {
        Generation g = current;
        g.count.incrementAndGet();
        return g;
    }

    void leave(Generation g) {
        if (g.count.decrementAndGet() == 0 && g.sealed) {
            synchronized (lock) {
                lock.notifyAll();
            }
        }
    }

    /**
     * Waits until every record produced before this call has its outcome.
     *
     * @return false if {@code timeoutNanos} passed first
     */
    boolean awaitEarlier(long timeoutNanos) throws InterruptedException {
        long deadline = clock.nanoTime() + timeoutNanos;
        synchronized (lock) {
            Generation mine = current;
            current = new Generation();
            mine.sealed = true;
            sealed.addLast(mine);
            while (true) {
                // Drained generations leave from the front; once mine has left, so has every older one.
                while (!sealed.isEmpty() && sealed.peekFirst().count.get() == 0) {
                    sealed.pollFirst();
                }
                if (!sealed.contains(mine)) {
                    return true;
                }
                long left = deadline - clock.nanoTime();
                if (left <= 0) {
                    return false;
                }
                // Timed, in slices: a decrement racing with the seal may not notify.
                TimeUnit.NANOSECONDS.timedWait(lock, Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
            }
        }
    }
}
