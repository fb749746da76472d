package dev.josef.kafka.consumer;

import dev.josef.kafka.consumer.spi.RebalanceHook;
import dev.josef.kafka.consumer.spi.RebalanceStep;
import dev.josef.kafka.net.internal.ChannelKind;
import dev.josef.kafka.net.internal.Clock;
import dev.josef.kafka.net.internal.JosefThreads;
import dev.josef.kafka.net.internal.NetworkClient;
import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.KafkaException;
import dev.josef.kafka.protocol.RetriableException;
import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.protocol.internal.Providers;
import dev.josef.kafka.protocol.message.OffsetFetchResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;

/**
 * A consumer's group: the member ({@link ClassicMember} or {@link ConsumerGroupMember}) on its own thread
 * ({@code josef-<client-id>-group}), the rebalance steps it hands to the
 * application ({@link Rebalancer}), offset commits, auto-commit and marks.
 *
 * <p>Threads: the group thread runs the member; the application's thread runs
 * rebalance steps and commit callbacks inside poll, allowRebalance and close.
 * {@link #marks} and {@link #autoCommitted} are written from any thread;
 * {@link #nextAutoCommitAt} belongs to the polling thread.
 */
final class GroupConsumer implements Rebalancer.Actions {
    private static final Logger LOG = LoggerFactory.getLogger(GroupConsumer.class);

    private final ConsumerConfig config;
    private final NetworkClient client;
    private final Clock clock;
    private final Fetcher fetcher;
    private final String clientId;
    private final String groupId;
    final GroupMember member;
    final Rebalancer rebalancer;
    private final Thread thread;
    private final AtomicBoolean wake = new AtomicBoolean();
    private volatile boolean stopping;
    private final ConcurrentLinkedQueue<Runnable> callbacks = new ConcurrentLinkedQueue<>();
    private final ConcurrentHashMap<TopicPartition, Long> marks = new ConcurrentHashMap<>();
    /** The last offset auto-commit (or the commit before a revoke) stored per partition. */
    private final ConcurrentHashMap<TopicPartition, Long> autoCommitted = new ConcurrentHashMap<>();
    private long nextAutoCommitAt;
    private RebalanceHook listener;
    private final GroupNetwork network;
    /** While closing: when the commit before giving everything up must be answered by, so the leave has time. */
    private volatile long closeCommitDeadline = Long.MIN_VALUE;

    /** @param clusterHooks the rebalance hooks of the shared cluster the consumer is built on */
    GroupConsumer(ConsumerConfig config, NetworkClient client, Fetcher fetcher, String clientId,
                  List<RebalanceHook> clusterHooks) {
        this.config = config;
        this.client = client;
        this.clock = client.clock();
        this.fetcher = fetcher;
        this.clientId = clientId;
        this.groupId = config.groupId().orElseThrow();
        List<RebalanceHook> given = new java.util.ArrayList<>(config.rebalanceHooks());
        given.addAll(clusterHooks);
        List<RebalanceHook> hooks = Providers.ordered(given,
                ServiceLoader.load(RebalanceHook.class).iterator(), "RebalanceHook", RebalanceHook::order)
                .stream().filter(RebalanceHook::enabled).toList(); // Hook.enabled(): asked once, here
        this.rebalancer = new Rebalancer(config.blockRebalanceOnPoll(), hooks, this, clock::nanoTime, clientId);
        GroupSettings settings = new GroupSettings(groupId, config.groupInstanceId(), config.sessionTimeout(),
                config.heartbeatInterval(), config.maxPollInterval(), config.network().retryBackoff(),
                config.network().requestTimeout(), config.network().metadataMaxAge(), config.balancers(),
                config.clientRack(), config.allowAutoCreateTopics(), config.remoteAssignor());
        GroupNetwork net = GroupNetwork.of(client, config.network().requestTimeout());
        this.network = net;
        this.member = config.groupProtocol() == GroupProtocol.CONSUMER
                ? new ConsumerGroupMember(settings, net, clock::nanoTime, rebalancer, clientId)
                : new ClassicMember(settings, net, clock::nanoTime, rebalancer, clientId);
        fetcher.groupMember(member);
        this.thread = JosefThreads.newThread(config.network().threadFactory().orElse(null), clientId, "group",
                this::run);
        member.waker(() -> {
            wake.set(true);
            LockSupport.unpark(thread);
        });
        this.nextAutoCommitAt = clock.nanoTime() + config.autoCommitInterval().toNanos();
    }

    void start(Consumer consumer) {
        rebalancer.consumer(consumer);
        thread.start();
    }

    private void run() {
        try {
            while (!stopping) {
                wake.set(false);
                long next = Math.min(member.runOnce(), checkHold());
                if (!wake.get()) {
                    LockSupport.parkNanos(this, Math.max(1, Math.min(next, TimeUnit.SECONDS.toNanos(1))));
                }
            }
            member.runOnce(); // a LeaveGroup posted just before the stop still goes out
        } catch (RuntimeException | Error e) {
            LOG.error("consumer {}: the group thread failed; the member takes no further part in group {}", clientId,
                    groupId, e);
            rebalancer.failed(new KafkaException("the consumer's group thread failed: " + e, e));
        }
    }

    /** The step held since {@link #gaveUpFor}, if the member gave up for it; the group thread's. */
    private long gaveUpFor = Long.MIN_VALUE;

    /**
     * With {@code maxRebalanceHold}: a rebalance held longer makes the member
     * leave cleanly (commit what was handed out, LeaveGroup) instead of being
     * dropped at the rebalance timeout. Returns nanos until the hold runs out.
     */
    private long checkHold() {
        if (config.maxRebalanceHold().isEmpty()) {
            return Long.MAX_VALUE;
        }
        java.util.OptionalLong since = rebalancer.heldSince();
        if (since.isEmpty() || since.getAsLong() == gaveUpFor) {
            return TimeUnit.SECONDS.toNanos(1);
        }
        long left = since.getAsLong() + config.maxRebalanceHold().get().toNanos() - clock.nanoTime();
        if (left > 0) {
            return left;
        }
        gaveUpFor = since.getAsLong();
        member.giveUp(stopAndTakeOffsets(), "the application held a rebalance longer than maxRebalanceHold ("
                + config.maxRebalanceHold().get() + ")");
        return TimeUnit.SECONDS.toNanos(1);
    }

    /**
     * Stops reading every partition and returns what to commit for them (with
     * auto-commit: what polls handed out, or the marks), in one step under the
     * lock, so no record is handed out after the offsets were taken.
     */
    private Map<TopicPartition, OffsetAndMetadata> stopAndTakeOffsets() {
        return fetcher.groupRemoveAll(all -> !config.autoCommit() ? Map.<TopicPartition, OffsetAndMetadata>of()
                : config.autoCommitMarks() ? marked(all) : handedOut(all));
    }

    // ---- subscription ----

    void subscribe(Set<String> topics, RebalanceHook newListener) {
        rebalancer.listener(listener, newListener);
        listener = newListener;
        fetcher.groupSubscribe(null, null);
        member.subscribe(topics);
    }

    void subscribe(java.util.regex.Pattern pattern, RebalanceHook newListener) {
        rebalancer.listener(listener, newListener);
        listener = newListener;
        if (member instanceof ConsumerGroupMember next) {
            // KIP-848: the coordinator matches the expression against topic names (RE2/J, whole names).
            fetcher.groupSubscribe(null, null);
            next.subscribe(pattern.pattern());
            return;
        }
        // The fetcher lists the cluster's topics as it does for a pattern without a group; the member
        // subscribes to those that match and rejoins when they change.
        fetcher.groupSubscribe(pattern, member::subscribe);
    }

    /** Gives everything up (commit, onRevoked) and leaves the group; on the thread that holds the poller slot. */
    void unsubscribe() {
        rebalancer.revokeAll();
        rebalancer.listener(listener, null);
        listener = null;
        try {
            member.unsubscribe().get(config.defaultApiTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("consumer {}: the group thread did not take the unsubscribe in: {}", clientId, e.toString());
        }
        // Steps the member handed over before it took the unsubscribe in belong to the old subscription.
        rebalancer.dropPending();
        fetcher.groupSubscribe(null, null);
    }

    boolean subscribed() {
        return fetcher.mode() == Subscription.Mode.GROUP;
    }

    // ---- poll ----

    /** At the start of a poll and whenever steps become runnable: steps, callbacks, failures, auto-commit. */
    void beforePoll() {
        member.polled();
        rebalancer.run(false);
        runCallbacks();
        KafkaException fatal = rebalancer.fatal();
        if (fatal != null) {
            throw fatal;
        }
        if (config.autoCommit()) {
            long now = clock.nanoTime();
            if (now - nextAutoCommitAt >= 0) {
                nextAutoCommitAt = now + config.autoCommitInterval().toNanos();
                autoCommit();
            }
        }
    }

    boolean stepsRunnable() {
        return rebalancer.runnable() || !callbacks.isEmpty() || rebalancer.fatal() != null;
    }

    void afterPoll(boolean returnedSomething) {
        if (returnedSomething) {
            rebalancer.hold();
        }
    }

    /** Lets held steps run: here when no poll runs, else in the poll. */
    void allowRebalance(boolean ownsPollerSlot) {
        rebalancer.allow();
        member.allowed();
        if (ownsPollerSlot) {
            rebalancer.run(false);
            runCallbacks();
        } else {
            wakePoll();
        }
    }

    Optional<PendingRebalance> pending() {
        return rebalancer.pending().map(s -> {
            long waited = clock.nanoTime() - s.postedAt();
            Duration remaining = Duration.ofNanos(Math.max(0, config.maxPollInterval().toNanos() - waited));
            PendingRebalance.Kind kind = switch (s.kind()) {
                case ASSIGN -> PendingRebalance.Kind.ASSIGN;
                case REVOKE -> PendingRebalance.Kind.REVOKE;
                case LOSE -> PendingRebalance.Kind.LOSE;
            };
            return new PendingRebalance(kind, s.partitions(), remaining);
        });
    }

    private void runCallbacks() {
        Runnable r;
        while ((r = callbacks.poll()) != null) {
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.warn("consumer {}: a commit callback failed", clientId, e);
            }
        }
    }

    // ---- commits ----

    /** What the application has been handed of these partitions (all assigned ones when null). */
    Map<TopicPartition, OffsetAndMetadata> handedOut(Collection<TopicPartition> which) {
        return fetcher.handedOut(which);
    }

    /** The marks of these partitions (all assigned ones when null), as commits. */
    private Map<TopicPartition, OffsetAndMetadata> marked(Collection<TopicPartition> which) {
        Map<TopicPartition, OffsetAndMetadata> out = new TreeMap<>();
        // Only partitions still assigned: a mark made while its partition was being given up is void.
        Set<TopicPartition> assigned = fetcher.assignedOf(which == null ? marks.keySet() : which);
        marks.forEach((tp, next) -> {
            if (assigned.contains(tp)) {
                out.put(tp, OffsetAndMetadata.of(next));
            }
        });
        return out;
    }

    void mark(TopicPartition partition, long nextOffset) {
        fetcher.checkAssigned(List.of(partition), "cannot mark");
        marks.merge(partition, nextOffset, Math::max);
    }

    private void autoCommit() {
        Map<TopicPartition, OffsetAndMetadata> offsets = config.autoCommitMarks() ? marked(null) : handedOut(null);
        offsets.entrySet().removeIf(e -> {
            Long done = autoCommitted.get(e.getKey());
            // Unchanged since the last auto-commit: nothing to send. Marks never move a commit back.
            return done != null && (done == e.getValue().offset()
                    || (config.autoCommitMarks() && done > e.getValue().offset()));
        });
        if (offsets.isEmpty()) {
            return;
        }
        commit(offsets, clock.nanoTime() + config.defaultApiTimeout().toNanos()).whenComplete((r, e) -> {
            if (e == null) {
                offsets.forEach((tp, o) -> autoCommitted.put(tp, o.offset()));
            } else {
                LOG.warn("consumer {}: auto-commit of {} failed: {}", clientId, offsets.keySet(), e.getMessage());
            }
        });
    }

    @Override
    public void commitBeforeRevoke(Set<TopicPartition> partitions) {
        if (!config.autoCommit()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = config.autoCommitMarks()
                ? marked(partitions) : handedOut(partitions);
        if (offsets.isEmpty()) {
            return;
        }
        try {
            // Bounded by the rebalance timeout, as kafka-clients: the group waits no longer for this member;
            // while closing, by half of the close's timeout, so the LeaveGroup has the rest.
            Duration bound = config.maxPollInterval().compareTo(config.defaultApiTimeout()) < 0
                    ? config.maxPollInterval() : config.defaultApiTimeout();
            long closing = closeCommitDeadline;
            if (closing != Long.MIN_VALUE) {
                bound = Duration.ofNanos(Math.max(1, Math.min(bound.toNanos(), closing - clock.nanoTime())));
            }
            commitSync(offsets, bound);
            offsets.forEach((tp, o) -> autoCommitted.put(tp, o.offset()));
        } catch (KafkaException e) {
            LOG.warn("consumer {}: committing {} before giving them up failed: {}", clientId, offsets.keySet(),
                    e.getMessage());
        }
    }

    void checkAssigned(Collection<TopicPartition> partitions) {
        fetcher.checkAssigned(partitions, "cannot commit");
    }

    void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, Duration timeout) {
        commitSync(offsets, timeout, true);
    }

    /** @param runCallbacks whether the caller is the polling thread, where commit callbacks may run */
    void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, Duration timeout, boolean runCallbacks) {
        long deadline = clock.nanoTime() + timeout.toNanos();
        CompletableFuture<Void> done = commit(offsets, deadline);
        try {
            done.get(Math.max(1, timeout.toNanos()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof KafkaException k ? k : new KafkaException("commit failed: " + cause, cause);
        } catch (TimeoutException e) {
            throw new RetriableException("the commit of " + offsets.keySet() + " was not answered within " + timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RetriableException("interrupted while committing " + offsets.keySet()
                    + "; the commit may still be applied");
        } finally {
            if (runCallbacks) {
                runCallbacks();
            }
        }
    }

    void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets,
                     BiConsumer<Map<TopicPartition, OffsetAndMetadata>, KafkaException> callback) {
        commit(offsets, clock.nanoTime() + config.defaultApiTimeout().toNanos()).whenComplete((r, e) -> {
            KafkaException error = e == null ? null : e instanceof KafkaException k ? k
                    : new KafkaException("commit failed: " + e, e);
            callbacks.add(() -> callback.accept(offsets, error));
            wakePoll();
        });
    }

    /** The group's committed offsets of {@code partitions}; partitions without one are left out. */
    Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions, Duration timeout) {
        long deadline = clock.nanoTime() + timeout.toNanos();
        KafkaException last = null;
        while (true) {
            long remaining = deadline - clock.nanoTime();
            if (remaining <= 0) {
                throw new RetriableException("the committed offsets of " + new TreeSet<>(partitions)
                        + " were not read within " + timeout + (last == null ? "" : ": " + last.getMessage()));
            }
            try {
                OffsetFetchResponse response = (OffsetFetchResponse) client
                        .coordinator(NetworkClient.CoordinatorType.GROUP, groupId)
                        .thenCompose(node -> client.send(node, ChannelKind.OTHER, ApiKey.OFFSET_FETCH,
                                OffsetRequests.fetch(groupId, partitions), OffsetRequests.MAX_FETCH_VERSION))
                        .get(remaining, TimeUnit.NANOSECONDS);
                OffsetRequests.Fetched fetched = OffsetRequests.fetched(response);
                ErrorCode code = fetched.error();
                Map<TopicPartition, OffsetAndMetadata> out = new LinkedHashMap<>();
                for (TopicPartition tp : new TreeSet<>(partitions)) {
                    OffsetRequests.Committed c = fetched.partitions().get(tp);
                    if (code == ErrorCode.NONE && c != null && c.error() != ErrorCode.NONE) {
                        code = c.error();
                    }
                    if (c != null && c.offset() != null) {
                        out.put(tp, c.offset());
                    }
                }
                if (code == ErrorCode.NONE) {
                    return out;
                }
                if (code == ErrorCode.NOT_COORDINATOR || code == ErrorCode.COORDINATOR_NOT_AVAILABLE) {
                    client.invalidateCoordinator(NetworkClient.CoordinatorType.GROUP, groupId);
                }
                last = code.exception("reading the committed offsets of group " + groupId);
                if (!code.retriable() && code != ErrorCode.UNSTABLE_OFFSET_COMMIT
                        && code != ErrorCode.NOT_COORDINATOR && code != ErrorCode.COORDINATOR_NOT_AVAILABLE
                        && code != ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) {
                    throw last;
                }
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (!(cause instanceof dev.josef.kafka.net.NetworkException) && !(cause instanceof RetriableException)) {
                    throw cause instanceof KafkaException k ? k : new KafkaException(cause.toString(), cause);
                }
                client.invalidateCoordinator(NetworkClient.CoordinatorType.GROUP, groupId);
                last = cause instanceof KafkaException k ? k : new KafkaException(cause.toString(), cause);
            } catch (TimeoutException e) {
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RetriableException("interrupted while reading committed offsets");
            }
            LockSupport.parkNanos(Math.min(deadline - clock.nanoTime(), config.network().retryBackoff().toNanos()));
        }
    }

    // ---- Rebalancer.Actions ----

    @Override
    public void startReading(Set<TopicPartition> partitions) {
        fetcher.groupAdd(partitions);
    }

    @Override
    public void stopReading(Set<TopicPartition> partitions) {
        fetcher.groupRemove(partitions);
        partitions.forEach(tp -> {
            marks.remove(tp);
            autoCommitted.remove(tp);
        });
    }

    @Override
    public void wakePoll() {
        fetcher.wakePoll();
    }

    @Override
    public void ran(RebalanceStep step) {
        ConsumerHooks hooks = fetcher.hooks();
        if (!hooks.isEmpty()) {
            hooks.rebalance(groupId, step);
        }
    }

    /** Every commit goes through here, so the consumer's hooks see each one end. */
    private CompletableFuture<Void> commit(Map<TopicPartition, OffsetAndMetadata> offsets, long deadline) {
        ConsumerHooks hooks = fetcher.hooks();
        long began = hooks.isEmpty() ? 0 : clock.nanoTime();
        CompletableFuture<Void> done = member.commit(offsets, deadline);
        if (!hooks.isEmpty()) {
            done.whenComplete((r, e) -> {
                Throwable cause = e instanceof java.util.concurrent.CompletionException ? e.getCause() : e;
                hooks.commit(groupId, offsets, clock.nanoTime() - began, cause == null ? null
                        : cause instanceof KafkaException k ? k : new KafkaException("commit failed: " + cause, cause));
            });
        }
        return done;
    }

    // ---- close ----

    /**
     * Gives everything up (commit, onRevoked) on the calling thread when it may
     * run callbacks, then leaves the group and stops the group thread.
     */
    void close(boolean mayRunCallbacks, Duration timeout) {
        long deadline = clock.nanoTime() + timeout.toNanos();
        closeCommitDeadline = clock.nanoTime() + timeout.toNanos() / 2;
        if (mayRunCallbacks) {
            try {
                rebalancer.revokeAll();
                runCallbacks();
            } catch (RuntimeException e) {
                LOG.warn("consumer {}: giving up partitions on close failed", clientId, e);
            }
        }
        try {
            // At least a moment for the LeaveGroup, even when the commit used the whole timeout.
            member.leave("the consumer is closing").get(Math.max(TimeUnit.MILLISECONDS.toNanos(200),
                    deadline - clock.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("consumer {}: leaving group {}: {}", clientId, groupId, e.toString());
        }
        stopping = true;
        LockSupport.unpark(thread);
        try {
            thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - clock.nanoTime())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        network.close(); // the member's own connections; on a shared cluster they would stay open until idle
    }
}
