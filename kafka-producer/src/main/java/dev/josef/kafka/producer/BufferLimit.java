package dev.josef.kafka.producer;

import dev.josef.kafka.net.internal.Clock;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The buffer's two limits, bytes and records. Reserving and releasing are
 * atomic adds; only a producer that has to wait for room takes the lock, and
 * a release notifies only when someone waits. No application code runs under
 * the lock.
 */
final class BufferLimit {
    private final long maxBytes;
    private final int maxRecords;
    private final Clock clock;
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicInteger records = new AtomicInteger();
    private final Object lock = new Object();
    private volatile int waiters;

    BufferLimit(long maxBytes, int maxRecords, Clock clock) {
        this.maxBytes = maxBytes;
        this.maxRecords = maxRecords;
        this.clock = clock;
    }

    /** @return false when no room came within {@code waitNanos} */
    boolean reserve(int size, long waitNanos) throws InterruptedException {
        if (tryReserve(size)) {
            return true;
        }
        long deadline = clock.nanoTime() + waitNanos;
        synchronized (lock) {
            waiters++;
            try {
                // A release that read waiters as 0 happened before the increment, so tryReserve sees it.
                while (!tryReserve(size)) {
                    long left = deadline - clock.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    TimeUnit.NANOSECONDS.timedWait(lock, Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
                }
                return true;
            } finally {
                waiters--;
            }
        }
    }

    /** Takes room if there is some; a record larger than the whole buffer may go when the buffer is empty. */
    private boolean tryReserve(int size) {
        int nowRecords = records.incrementAndGet();
        long nowBytes = bytes.addAndGet(size);
        if (nowRecords == 1 || (nowBytes <= maxBytes && nowRecords <= maxRecords)) {
            return true;
        }
        release(size);
        return false;
    }

    void release(int size) {
        long nowBytes = bytes.addAndGet(-size);
        int nowRecords = records.decrementAndGet();
        // A waiter is woken once a sixteenth of the buffer is free again, not for every record given
        // back: when the buffer is full, records come back one by one, and waking the producing thread
        // for each costs more than the wait. (Its timed wait bounds any wake-up this misses.)
        if (waiters > 0 && (nowRecords == 0 || (nowBytes <= maxBytes - (maxBytes >> 4)
                && nowRecords <= maxRecords - (maxRecords >> 4)))) {
            synchronized (lock) {
                lock.notifyAll();
            }
        }
    }

    long bytes() {
        return bytes.get();
    }

    int records() {
        return records.get();
    }
}
