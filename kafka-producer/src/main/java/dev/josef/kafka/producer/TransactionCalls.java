package dev.josef.kafka.producer;

import dev.josef.kafka.net.internal.Clock;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The application's side of a transactional producer's calls: each waits up to
 * {@code maxBlock} for the operation the transaction manager runs. One whose
 * wait timed out goes on; calling the same method again waits on it (as
 * kafka-clients keeps its pending result), even if it finished meanwhile,
 * instead of starting another; calling another method drops it. Commits and
 * aborts are reported to the producer's hooks when they end, timed from the
 * first call.
 *
 * <p>Threads: the application's; the maps are concurrent as two threads may call.
 */
final class TransactionCalls {
    private final Duration maxBlock;
    private final Clock clock;
    private final ProducerHooks hooks;
    /** Operations whose caller's wait timed out, by method: the next call of that method waits on them. */
    private final Map<String, CompletableFuture<Void>> timedOut = new ConcurrentHashMap<>();
    /** When a commit or an abort whose wait timed out was first called, by method. */
    private final Map<String, Long> endStarted = new ConcurrentHashMap<>();

    TransactionCalls(Duration maxBlock, Clock clock, ProducerHooks hooks) {
        this.maxBlock = maxBlock;
        this.clock = clock;
        this.hooks = hooks;
    }

    /** Runs {@code what} (started by {@code start}, unless an earlier call of it timed out) and waits for it. */
    void call(String what, Supplier<CompletableFuture<Void>> start) {
        CompletableFuture<Void> done = timedOut.remove(what);
        if (done == null) {
            // The application moved on to another operation: one whose wait timed out before is no longer
            // waited on again (a commit that timed out and then finished must not stand in for a later one).
            timedOut.clear();
            endStarted.clear();
            done = start.get();
        }
        try {
            await(done, what);
        } catch (TransactionTimeoutException e) {
            timedOut.put(what, done);
            throw e;
        }
    }

    /**
     * {@link #call} for a commit or an abort of {@code transactionalId}, reporting
     * its end to the hooks: its duration from the first call (one whose wait timed
     * out is reported when a later call sees it end), and its error. A misuse (no
     * transaction) ended nothing and is not reported.
     */
    void end(String what, String transactionalId, boolean commit, Supplier<CompletableFuture<Void>> start) {
        if (hooks.isEmpty()) {
            call(what, start);
            return;
        }
        Long since = endStarted.remove(what);
        long began = since != null ? since : clock.nanoTime();
        try {
            call(what, start);
        } catch (TransactionTimeoutException e) {
            endStarted.put(what, began); // it goes on: the call that sees it end reports it
            throw e;
        } catch (IllegalStateException e) {
            throw e;
        } catch (RuntimeException | Error e) {
            hooks.transactionEnd(transactionalId, commit, clock.nanoTime() - began, e);
            throw e;
        }
        hooks.transactionEnd(transactionalId, commit, clock.nanoTime() - began, null);
    }

    private void await(CompletableFuture<Void> done, String what) {
        try {
            done.get(maxBlock.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            throw new TransactionFatalException(what + " failed: " + cause, null, cause);
        } catch (TimeoutException e) {
            throw new TransactionTimeoutException(what + " did not finish within maxBlock (" + maxBlock
                    + "); it goes on: call " + what + " again to wait for it", null, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransactionTimeoutException(what + " was interrupted while it waited; it goes on: call "
                    + what + " again to wait for it", null, e);
        }
    }
}
