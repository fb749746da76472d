package dev.josef.kafka.net.internal;

import dev.josef.kafka.net.NetworkException;
import dev.josef.kafka.protocol.message.ApiMessage;
import dev.josef.kafka.protocol.message.MetadataRequest;
import dev.josef.kafka.protocol.message.MetadataResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The network engine: one I/O thread owns every socket; callers hand it requests
 * and get futures back, completed on a separate callback thread so that no
 * caller code ever runs on the I/O thread.
 *
 * <p>Threads: {@code josef-<clientId>-io} owns the selector, the channels and
 * everything in them; {@code josef-<clientId>-callback} completes futures in the
 * order responses arrived. Callers only touch {@link #submissions} (a concurrent queue
 * the I/O thread drains) and the volatile metadata snapshot.
 */
public final class NetworkClient implements AutoCloseable {
    /** Send to whichever broker is at hand: a connected one, else a known one, else a bootstrap address. */
    public static final int ANY_BROKER = -1;

    private static final Logger LOG = LoggerFactory.getLogger(NetworkClient.class);

    private final NetworkClientConfig config;
    private final Selector selector;
    private final Thread ioThread;
    private final ExecutorService callbacks;
    private final ConcurrentLinkedQueue<Submission> submissions = new ConcurrentLinkedQueue<>();
    /** Work handed back to the I/O thread from elsewhere (a SASL session started off it). */
    private final ConcurrentLinkedQueue<Runnable> ioTasks = new ConcurrentLinkedQueue<>();
    private final AtomicReference<CompletableFuture<MetadataResponse>> metadataRefresh = new AtomicReference<>();
    private final AtomicInteger bootstrapCursor = new AtomicInteger();
    private volatile Map<Integer, HostPort> brokers = Map.of();
    private volatile boolean closed;

    /** I/O thread only. */
    private final Map<ChannelKey, BrokerChannel> channels = new HashMap<>();

    private record ChannelKey(HostPort address, ChannelKind kind) {
    }

    /** A request handed over by a caller, for the I/O thread to put on its channel. */
    private record Submission(HostPort address, ChannelKind kind, PendingRequest request) {
    }

    private NetworkClient(NetworkClientConfig config) {
        this.config = config;
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector", e);
        }
        this.callbacks = Executors.newSingleThreadExecutor(daemon("josef-" + config.clientId() + "-callback"));
        this.ioThread = daemon("josef-" + config.clientId() + "-io").newThread(this::run);
        ioThread.start();
    }

    public static NetworkClient open(NetworkClientConfig config) {
        return new NetworkClient(Objects.requireNonNull(config, "config"));
    }

    /**
     * Sends {@code request} to broker {@code nodeId} (or {@link #ANY_BROKER}) at the
     * highest version both sides support, at most {@code maxVersion}. The future
     * fails with {@link NetworkException} (connection lost, saying whether the
     * request had been sent), a request timeout, a protocol error, or an
     * unsupported version; it never hangs past the request timeout.
     */
    public CompletableFuture<ApiMessage> send(int nodeId, ChannelKind kind, ApiMessage request, short maxVersion) {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(request, "request");
        CompletableFuture<ApiMessage> future = new CompletableFuture<>();
        if (closed) {
            future.completeExceptionally(new IllegalStateException("the network client is closed"));
            return future;
        }
        HostPort address;
        try {
            address = addressOf(nodeId);
        } catch (IllegalArgumentException e) {
            future.completeExceptionally(e);
            return future;
        }
        long deadline = System.nanoTime() + config.requestTimeout().toNanos();
        PendingRequest pending = new PendingRequest(request, maxVersion, deadline, future);
        submissions.add(new Submission(address, kind, pending));
        selector.wakeup();
        if (closed) {
            // The loop may have ended between the check above and the add.
            failSubmissions();
        }
        return future;
    }

    public CompletableFuture<ApiMessage> send(int nodeId, ApiMessage request) {
        return send(nodeId, ChannelKind.OTHER, request, request.apiKey().latestStableVersion());
    }

    /**
     * Asks any broker for the cluster's brokers and remembers their addresses.
     * Calls made while a refresh is under way share it.
     */
    public CompletableFuture<MetadataResponse> refreshMetadata() {
        CompletableFuture<MetadataResponse> running = metadataRefresh.get();
        if (running != null) {
            return running;
        }
        CompletableFuture<MetadataResponse> mine = new CompletableFuture<>();
        if (!metadataRefresh.compareAndSet(null, mine)) {
            return metadataRefresh.get();
        }
        send(ANY_BROKER, new MetadataRequest().setAllowAutoTopicCreation(false)).whenComplete((response, error) -> {
            metadataRefresh.set(null);
            if (error != null) {
                mine.completeExceptionally(error);
                return;
            }
            MetadataResponse metadata = (MetadataResponse) response;
            Map<Integer, HostPort> known = new HashMap<>();
            for (MetadataResponse.MetadataResponseBroker b : metadata.brokers()) {
                known.put(b.nodeId(), new HostPort(b.host(), b.port()));
            }
            brokers = Map.copyOf(known);
            mine.complete(metadata);
        });
        return mine;
    }

    /** The brokers the last metadata refresh named, by node id. */
    public Map<Integer, HostPort> brokers() {
        return brokers;
    }

    private HostPort addressOf(int nodeId) {
        if (nodeId == ANY_BROKER) {
            List<HostPort> known = List.copyOf(brokers.values());
            List<HostPort> candidates = known.isEmpty() ? config.bootstrap() : known;
            return candidates.get(Math.floorMod(bootstrapCursor.getAndIncrement(), candidates.size()));
        }
        HostPort address = brokers.get(nodeId);
        if (address == null) {
            throw new IllegalArgumentException("broker " + nodeId + " is not in the cluster's metadata; known brokers: "
                    + brokers.keySet());
        }
        return address;
    }

    private BrokerChannel channel(HostPort address, ChannelKind kind) {
        ChannelKey key = new ChannelKey(address, kind);
        BrokerChannel channel = channels.get(key);
        if (channel == null || channel.state() == BrokerChannel.State.CLOSED) {
            channel = new BrokerChannel(address, config, this::complete, this::onIoThread, callbacks);
            channels.put(key, channel);
            channel.connect(selector, System.nanoTime());
        }
        return channel;
    }

    private void onIoThread(Runnable task) {
        ioTasks.add(task);
        selector.wakeup();
    }

    /** Called on the I/O thread; the future is completed on the callback thread. */
    private void complete(PendingRequest request, Object outcome) {
        if (request.future == null) {
            return;
        }
        callbacks.execute(() -> {
            if (outcome instanceof Throwable t) {
                request.future.completeExceptionally(t);
            } else {
                request.future.complete((ApiMessage) outcome);
            }
        });
    }

    private void run() {
        try {
            while (!closed) {
                long now = System.nanoTime();
                long next = Long.MAX_VALUE;
                for (Iterator<BrokerChannel> it = channels.values().iterator(); it.hasNext(); ) {
                    BrokerChannel c = it.next();
                    next = Math.min(next, c.checkDeadlines(now));
                    if (c.state() == BrokerChannel.State.CLOSED) {
                        it.remove();
                    }
                }
                long waitMillis = next == Long.MAX_VALUE ? 1000 : Math.max(1, (next - now) / 1_000_000 + 1);
                selector.select(Math.min(waitMillis, 1000));
                Runnable ioTask;
                while ((ioTask = ioTasks.poll()) != null) {
                    runGuarded(ioTask);
                }
                Submission submission;
                while ((submission = submissions.poll()) != null) {
                    Submission s = submission;
                    runGuarded(() -> channel(s.address(), s.kind()).enqueue(s.request(), System.nanoTime()));
                }
                now = System.nanoTime();
                for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                    SelectionKey key = it.next();
                    it.remove();
                    BrokerChannel channel = (BrokerChannel) key.attachment();
                    runGuarded(() -> channel.onSelected(System.nanoTime()));
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("josef network I/O thread for client {} failed; closing the client", config.clientId(), e);
            closed = true;
        } finally {
            NetworkException closing = new NetworkException("the network client is closed", false, null);
            for (BrokerChannel c : channels.values()) {
                c.close(closing);
            }
            channels.clear();
            failSubmissions();
            try {
                selector.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    /** A bug in one channel's handling must not end the loop that serves every other. */
    private void runGuarded(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            LOG.error("josef network I/O thread for client {}: unexpected error", config.clientId(), e);
        }
    }

    /** Fails requests handed over after the loop ended; safe on any thread. */
    private void failSubmissions() {
        Submission s;
        while ((s = submissions.poll()) != null) {
            s.request().future.completeExceptionally(new NetworkException("the network client is closed", false, null));
        }
    }

    /** Stops the I/O thread, fails every request that has not completed, and ends the callback thread. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        selector.wakeup();
        try {
            ioThread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        callbacks.shutdown();
        try {
            callbacks.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread t = new Thread(runnable, name);
            t.setDaemon(true);
            return t;
        };
    }

}
