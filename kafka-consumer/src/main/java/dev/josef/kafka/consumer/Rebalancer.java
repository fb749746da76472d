package dev.josef.kafka.consumer;

import dev.josef.kafka.consumer.spi.RebalanceHook;
import dev.josef.kafka.consumer.spi.RebalanceStep;
import dev.josef.kafka.protocol.KafkaException;
import dev.josef.kafka.protocol.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * The application's side of a rebalance: the steps the group member hands over
 * (revoke, assign, lose), run in order on the application's thread by
 * {@link Consumer#poll}, {@link Consumer#allowRebalance()} or {@link Consumer#close()}.
 *
 * <p>Behaviour 5: with {@code blockRebalanceOnPoll}, a poll that returned
 * records or errors holds every step that takes partitions away (and assign
 * steps when rebalance hooks are registered, so they too run only when the
 * application is ready) until {@link #allow()}. Heartbeats are the member's and
 * are never held.
 *
 * <p>Threads: the queue and the hold are guarded by {@link #lock}; the group
 * thread adds steps, the application's thread runs them, outside the lock.
 * {@link #owned} (what the application was told it owns) is touched only by the
 * thread running steps, which {@link Consumer}'s one-poller rule makes one at a time.
 */
final class Rebalancer implements GroupMember.Steps {
    private static final Logger LOG = LoggerFactory.getLogger(Rebalancer.class);

    enum Kind { ASSIGN, REVOKE, LOSE }

    /** A step waiting for the application. */
    static final class Step {
        final Kind kind;
        final Set<TopicPartition> partitions;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        final long postedAt;

        Step(Kind kind, Set<TopicPartition> partitions, long postedAt) {
            this.kind = kind;
            this.partitions = new TreeSet<>(partitions);
            this.postedAt = postedAt;
        }
    }

    /** What the application's side does for a step. */
    interface Actions {
        /** Commits what the application has been handed of {@code partitions}, if auto-commit is on. */
        void commitBeforeRevoke(Set<TopicPartition> partitions);

        /** Starts reading {@code partitions} from their committed offsets. */
        void startReading(Set<TopicPartition> partitions);

        /** Stops reading {@code partitions}; no record of theirs is returned from now on. */
        void stopReading(Set<TopicPartition> partitions);

        /** Wakes a waiting poll so it runs steps. */
        void wakePoll();

        /** A step ran (for the consumer's hooks); on the thread that ran it. */
        default void ran(RebalanceStep step) {
        }
    }

    private final Object lock = new Object();
    private final ArrayDeque<Step> steps = new ArrayDeque<>();
    private final boolean blockOnPoll;
    private final List<RebalanceHook> hooks;
    private final Actions actions;
    private final LongSupplier clock;
    private final String clientId;
    private Consumer consumer;
    private boolean held;
    private volatile KafkaException fatal;
    /** How many times partitions were lost, counted when the member loses them (before onLost runs). */
    private final java.util.concurrent.atomic.AtomicLong losses = new java.util.concurrent.atomic.AtomicLong();
    /** What the application was told it owns (assigned and not yet revoked or lost). */
    private final Set<TopicPartition> owned = new TreeSet<>();

    Rebalancer(boolean blockOnPoll, List<RebalanceHook> hooks, Actions actions, LongSupplier clock, String clientId) {
        this.blockOnPoll = blockOnPoll;
        this.hooks = new ArrayList<>(hooks);
        this.actions = actions;
        this.clock = clock;
        this.clientId = clientId;
    }

    long losses() {
        return losses.get();
    }

    void consumer(Consumer consumer) {
        this.consumer = consumer;
    }

    /** A listener given to subscribe runs after the configured hooks; null removes it. */
    void listener(RebalanceHook previous, RebalanceHook listener) {
        synchronized (lock) {
            if (previous != null) {
                hooks.remove(previous);
            }
            if (listener != null) {
                hooks.add(listener);
            }
        }
    }

    // ---- from the group thread ----

    @Override
    public CompletableFuture<Void> revoke(Set<TopicPartition> partitions) {
        return add(new Step(Kind.REVOKE, partitions, clock.getAsLong()));
    }

    @Override
    public CompletableFuture<Void> assign(Set<TopicPartition> partitions) {
        return add(new Step(Kind.ASSIGN, partitions, clock.getAsLong()));
    }

    @Override
    public void lose(Set<TopicPartition> partitions) {
        // Already another member's: no record of them may be returned from now on, held or not.
        Set<TopicPartition> lost = new TreeSet<>(partitions);
        losses.incrementAndGet();
        actions.stopReading(lost);
        synchronized (lock) {
            // Queued steps no longer concern what is lost; one left with nothing (and not the empty assign the
            // cooperative protocol always makes) is dropped.
            Iterator<Step> it = steps.iterator();
            while (it.hasNext()) {
                Step s = it.next();
                if (s.kind != Kind.LOSE && !s.partitions.isEmpty()) {
                    s.partitions.removeAll(lost);
                    if (s.partitions.isEmpty()) {
                        it.remove();
                        s.done.complete(null);
                    }
                }
            }
        }
        add(new Step(Kind.LOSE, lost, clock.getAsLong()));
    }

    @Override
    public void failed(KafkaException error) {
        fatal = error;
        actions.wakePoll();
    }

    private CompletableFuture<Void> add(Step step) {
        synchronized (lock) {
            steps.add(step);
        }
        actions.wakePoll();
        return step.done;
    }

    // ---- from the application's thread ----

    /** After a poll that returned something, with blockRebalanceOnPoll. */
    void hold() {
        if (blockOnPoll) {
            synchronized (lock) {
                held = true;
            }
        }
    }

    void allow() {
        synchronized (lock) {
            held = false;
        }
    }

    boolean blocksOnPoll() {
        return blockOnPoll;
    }

    /** When the step a poll holds was handed over, if a poll holds one now. */
    OptionalLong heldSince() {
        synchronized (lock) {
            Step s = steps.peek();
            return held && s != null && holds(s) ? OptionalLong.of(s.postedAt) : OptionalLong.empty();
        }
    }

    /** Whether a step could run now. */
    boolean runnable() {
        synchronized (lock) {
            Step s = steps.peek();
            return s != null && !(held && holds(s));
        }
    }

    private boolean holds(Step s) {
        return s.kind != Kind.ASSIGN || !hooks.isEmpty();
    }

    /** A copy of a waiting step: what it does, to which partitions, since when. */
    record Waiting(Kind kind, Set<TopicPartition> partitions, long postedAt) {
    }

    /** The first step that waits for the application, if any. */
    Optional<Waiting> pending() {
        synchronized (lock) {
            for (Step s : steps) {
                if (holds(s)) {
                    return Optional.of(new Waiting(s.kind, Set.copyOf(s.partitions), s.postedAt));
                }
            }
            return Optional.empty();
        }
    }

    /**
     * Drops every queued step (completing it) after an unsubscribe the member has
     * taken in: they belong to a subscription that is over.
     */
    void dropPending() {
        List<Step> dropped;
        synchronized (lock) {
            dropped = new ArrayList<>(steps);
            steps.clear();
            held = false;
        }
        dropped.forEach(s -> s.done.complete(null));
    }

    KafkaException fatal() {
        return fatal;
    }

    /** Runs the steps that may run, in order; with {@code ignoreHold}, all of them (close). */
    void run(boolean ignoreHold) {
        while (true) {
            Step s;
            List<RebalanceHook> callees;
            synchronized (lock) {
                s = steps.peek();
                if (s == null || (held && !ignoreHold && holds(s))) {
                    return;
                }
                steps.poll();
                callees = List.copyOf(hooks);
            }
            long began = clock.getAsLong();
            Set<TopicPartition> done;
            try {
                done = execute(s, callees);
            } finally {
                s.done.complete(null);
            }
            // An assign of nothing still ends a (cooperative) rebalance; a revoke or loss of nothing owned did nothing.
            if (s.kind == Kind.ASSIGN || !done.isEmpty()) {
                actions.ran(new RebalanceStep(PendingRebalance.Kind.valueOf(s.kind.name()), done,
                        began - s.postedAt, clock.getAsLong() - began));
            }
        }
    }

    /** @return the partitions the step acted on */
    private Set<TopicPartition> execute(Step s, List<RebalanceHook> callees) {
        switch (s.kind) {
            case ASSIGN -> {
                Set<TopicPartition> parts = new TreeSet<>(s.partitions);
                actions.startReading(parts);
                owned.addAll(parts);
                call(callees, "onAssigned", h -> h.onAssigned(consumer, parts));
                return parts;
            }
            case REVOKE -> {
                Set<TopicPartition> parts = new TreeSet<>(s.partitions);
                parts.retainAll(owned);
                if (!parts.isEmpty()) {
                    actions.commitBeforeRevoke(parts);
                    call(callees, "onRevoked", h -> h.onRevoked(consumer, parts));
                }
                actions.stopReading(s.partitions);
                owned.removeAll(s.partitions);
                return parts;
            }
            case LOSE -> {
                // Again, for an assign step that was running while the loss came in.
                actions.stopReading(s.partitions);
                Set<TopicPartition> parts = new TreeSet<>(s.partitions);
                parts.retainAll(owned);
                owned.removeAll(s.partitions);
                if (!parts.isEmpty()) {
                    call(callees, "onLost", h -> h.onLost(consumer, parts));
                }
                return parts;
            }
            default -> throw new IllegalStateException("unknown step " + s.kind);
        }
    }

    /** Revokes everything the application owns, on close or unsubscribe. */
    Set<TopicPartition> revokeAll() {
        run(true);
        Set<TopicPartition> parts = new TreeSet<>(owned);
        if (!parts.isEmpty()) {
            List<RebalanceHook> callees;
            synchronized (lock) {
                callees = List.copyOf(hooks);
            }
            long began = clock.getAsLong();
            actions.commitBeforeRevoke(parts);
            call(callees, "onRevoked", h -> h.onRevoked(consumer, parts));
            actions.stopReading(parts);
            owned.clear();
            actions.ran(new RebalanceStep(PendingRebalance.Kind.REVOKE, parts, 0, clock.getAsLong() - began));
        }
        return parts;
    }

    /** What the application was told it owns. */
    Set<TopicPartition> owned() {
        return owned;
    }

    private void call(List<RebalanceHook> callees, String event, java.util.function.Consumer<RebalanceHook> call) {
        for (RebalanceHook h : callees) {
            try {
                call.accept(h);
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("consumer {}: rebalance hook {} failed in {}; the rebalance goes on", clientId,
                        h.getClass().getName(), event, e);
            }
        }
    }
}
