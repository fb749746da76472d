package dev.josef.kafka.net.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * One connection's look-up of its broker's host name: every address the name
 * resolves to (KIP-302), found on the client's resolver thread so that a slow
 * DNS answer never stalls the I/O thread that serves every other broker. The
 * answer is handed back to the I/O thread; one that comes after the connection
 * gave up on it is dropped.
 *
 * <p>Confined to the I/O thread, but for the look-up itself.
 */
final class HostLookup {
    /** What the connection does with the answer, on the I/O thread. */
    interface Answer {
        void resolved(List<InetAddress> addresses);

        void failed(Exception cause);
    }

    private final Executor resolver;
    private final Consumer<Runnable> onIoThread;
    private boolean running;
    /** Tells the answer of the current look-up from a stale one. */
    private long generation;

    HostLookup(Executor resolver, Consumer<Runnable> onIoThread) {
        this.resolver = resolver;
        this.onIoThread = onIoThread;
    }

    /** Starts a look-up of {@code host}; the answer comes to {@code answer} on the I/O thread. */
    void start(String host, Answer answer) {
        running = true;
        long mine = ++generation;
        try {
            resolver.execute(() -> {
                Object found;
                try {
                    found = List.of(InetAddress.getAllByName(host));
                } catch (IOException | RuntimeException e) {
                    found = e;
                }
                Object result = found;
                onIoThread.accept(() -> deliver(mine, result, answer));
            });
        } catch (RejectedExecutionException e) {
            running = false;
            answer.failed(new IOException("the client is closing", e));
        }
    }

    @SuppressWarnings("unchecked")
    private void deliver(long lookup, Object result, Answer answer) {
        if (!running || lookup != generation) {
            return;
        }
        running = false;
        if (result instanceof Exception e) {
            answer.failed(e);
        } else {
            answer.resolved((List<InetAddress>) result);
        }
    }

    boolean running() {
        return running;
    }

    /** Gives up on the look-up under way: its answer, when it comes, is dropped. */
    void cancel() {
        running = false;
    }
}
