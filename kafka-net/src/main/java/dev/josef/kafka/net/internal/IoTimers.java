package dev.josef.kafka.net.internal;

import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;

/**
 * The I/O thread's timers: the waits behind {@link NetworkClient#delay}, so
 * retries and backoffs run on threads the client owns. Any thread adds one;
 * the I/O thread fires the due ones between two selects, and their futures
 * complete on the executor given (the client's callback thread), never on the
 * I/O thread.
 */
final class IoTimers {
    private record Timer(long dueNanos, CompletableFuture<Void> future) implements Comparable<Timer> {
        @Override
        public int compareTo(Timer other) {
            return Long.compare(dueNanos - other.dueNanos, 0);
        }
    }

    /** Handed over by any thread; the I/O thread moves them into {@link #waiting}. */
    private final ConcurrentLinkedQueue<Timer> added = new ConcurrentLinkedQueue<>();
    /** I/O thread only: soonest first. */
    private final PriorityQueue<Timer> waiting = new PriorityQueue<>();

    /** Any thread. */
    void add(long dueNanos, CompletableFuture<Void> future) {
        added.add(new Timer(dueNanos, future));
    }

    /**
     * Completes the due timers' futures on {@code executor}. I/O thread only.
     *
     * @return when the next one is due; {@link Long#MAX_VALUE} for none
     */
    long fire(long now, Executor executor) {
        Timer t;
        while ((t = added.poll()) != null) {
            waiting.add(t);
        }
        while ((t = waiting.peek()) != null && now - t.dueNanos() >= 0) {
            waiting.poll();
            CompletableFuture<Void> future = t.future();
            executor.execute(() -> future.complete(null));
        }
        return t == null ? Long.MAX_VALUE : t.dueNanos();
    }

    /** Fails every timer with {@code reason}, on {@code executor}: the I/O thread is stopping. I/O thread only. */
    void failAll(RuntimeException reason, Executor executor) {
        Timer t;
        while ((t = waiting.poll()) != null) {
            CompletableFuture<Void> future = t.future();
            executor.execute(() -> future.completeExceptionally(reason));
        }
        failAdded(reason, executor);
    }

    /** Fails the timers added and not yet taken by the I/O thread. Any thread. */
    void failAdded(RuntimeException reason, Executor executor) {
        Timer t;
        while ((t = added.poll()) != null) {
            CompletableFuture<Void> future = t.future();
            executor.execute(() -> future.completeExceptionally(reason));
        }
    }
}
