package dev.josef.kafka.consumer;

import dev.josef.kafka.protocol.BrokerException;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.KafkaException;
import dev.josef.kafka.protocol.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.LongSupplier;

/**
 * What a group member does the same on both protocols: the event queue the
 * other threads post to, the commit queue, finding and losing the coordinator,
 * and the requests to commit, give up and leave, which only record what the
 * group thread then does in the protocol's own way.
 *
 * <p>Threads: every non-volatile field is the group thread's.
 */
abstract class AbstractGroupMember implements GroupMember {
    protected final Logger log = LoggerFactory.getLogger(getClass());
    protected final GroupSettings settings;
    protected final GroupNetwork net;
    protected final LongSupplier clock;
    protected final Steps steps;
    protected final String clientId;
    protected final GroupCommits commits;
    private final ConcurrentLinkedQueue<Runnable> events = new ConcurrentLinkedQueue<>();
    private volatile Runnable waker = () -> { };

    /** The coordinator's node id; -1 while it is not known. */
    protected int coordinator = -1;
    private boolean findingCoordinator;
    /** Nothing is asked of the coordinator before this (a backoff after a failure). */
    protected long retryAt;

    protected volatile long lastPollAt;
    /** The member left because the application stopped polling; it joins again on the next poll. */
    protected volatile boolean waitingForPoll;
    /** The member gave up for a rebalance held too long; it joins again once the application allows. */
    protected boolean heldOff;
    protected KafkaException fatal;
    /** Set by {@link #giveUp}: why the member leaves once its commit is answered. */
    protected String givingUp;
    /** Set by {@link #leave}: the member leaves once its commits are answered. */
    protected CompletableFuture<Void> leaving;
    protected String leaveReason;

    AbstractGroupMember(GroupSettings settings, GroupNetwork net, LongSupplier clock, Steps steps, String clientId) {
        this.settings = settings;
        this.net = net;
        this.clock = clock;
        this.steps = steps;
        this.clientId = clientId;
        this.lastPollAt = clock.getAsLong();
        // The commits' view of the member is an inner object of the subclass: it reads the subclass's fields
        // only when commits are sent, long after construction.
        this.commits = new GroupCommits(settings, net, clock, this::post, commitsMember(), clientId);
    }

    /** What the commits need of this member, and what their answers tell it. */
    protected abstract GroupCommits.Member commitsMember();

    /** The member failed or left: it does nothing more. */
    protected abstract boolean finished();

    /** Whether the member is in the group now, so that giving up means something. */
    protected abstract boolean inGroup();

    /** The member cannot go on: its partitions go as lost, its commits fail, and every later poll throws. */
    protected abstract void fail(ErrorCode code, String what);

    /** The coordinator of the group is {@code node} now. */
    protected void coordinatorFound(int node) {
        log.debug("consumer {}: the coordinator of group {} is broker {}", clientId, settings.groupId(), node);
    }

    /** The part of {@link GroupCommits.Member} both protocols answer the same way. */
    protected abstract class CommitsMember implements GroupCommits.Member {
        @Override
        public int coordinator() {
            return coordinator;
        }

        @Override
        public void coordinatorLost(String why) {
            AbstractGroupMember.this.coordinatorLost(why);
        }
    }

    // ---- from other threads ----

    @Override
    public final void waker(Runnable waker) {
        this.waker = Objects.requireNonNull(waker, "waker");
    }

    final void post(Runnable event) {
        events.add(event);
        waker.run();
    }

    @Override
    public final CompletableFuture<Void> commit(Map<TopicPartition, OffsetAndMetadata> offsets, long deadline) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        Map<TopicPartition, OffsetAndMetadata> copy = Map.copyOf(offsets);
        post(() -> {
            if (fatal != null) {
                result.completeExceptionally(new CommitFailedException("the commit of " + new TreeSet<>(copy.keySet())
                        + " was not sent: the group member failed: " + fatal.getMessage(), fatal));
            } else if (copy.isEmpty()) {
                result.complete(null);
            } else {
                commits.add(copy, result, deadline);
            }
        });
        return result;
    }

    /**
     * Leaves cleanly for an application that has held a rebalance longer than it
     * allows itself ({@code maxRebalanceHold}): commits {@code offsets} (what it
     * was handed), then leaves, rather than be dropped by the coordinator at the
     * rebalance timeout. The partitions go as lost; the member joins again after
     * {@link #allowed()}.
     */
    @Override
    public final void giveUp(Map<TopicPartition, OffsetAndMetadata> offsets, String reason) {
        Map<TopicPartition, OffsetAndMetadata> copy = Map.copyOf(offsets);
        post(() -> {
            if (!inGroup() || givingUp != null || finished()) {
                return;
            }
            if (!copy.isEmpty()) {
                CompletableFuture<Void> result = new CompletableFuture<>();
                result.whenComplete((r, e) -> {
                    if (e != null) {
                        log.warn("consumer {}: the commit before giving up failed: {}", clientId, e.getMessage());
                    }
                });
                commits.add(copy, result, clock.getAsLong() + settings.requestTimeout().toNanos());
            }
            givingUp = reason;
        });
    }

    /**
     * Leaves the group once the commits asked for before are answered, so a
     * commit made in onRevoked (even an async one) reaches the coordinator first.
     * The future completes when that is done or failed.
     */
    @Override
    public final CompletableFuture<Void> leave(String reason) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        post(() -> {
            leaving = done;
            leaveReason = reason;
        });
        return done;
    }

    // ---- the group thread ----

    /**
     * Runs the posted events; true when the member has finished (failed or
     * left), after answering a leave asked for meanwhile.
     */
    protected final boolean runEvents() {
        Runnable event;
        while ((event = events.poll()) != null) {
            event.run();
        }
        if (finished()) {
            if (leaving != null) {
                leaving.complete(null);
                leaving = null;
            }
            return true;
        }
        return false;
    }

    protected final void findCoordinator(long now) {
        if (findingCoordinator || now < retryAt) {
            return;
        }
        findingCoordinator = true;
        net.coordinator(settings.groupId()).whenComplete((node, error) -> post(() -> {
            findingCoordinator = false;
            if (error != null) {
                Throwable c = cause(error);
                if (c instanceof BrokerException b && !b.errorCode().retriable()) {
                    fail(b.errorCode(), "finding the coordinator of group " + settings.groupId() + " failed");
                    return;
                }
                log.debug("consumer {}: finding the coordinator of group {} failed: {}", clientId,
                        settings.groupId(), c.toString());
                retryAt = clock.getAsLong() + settings.retryBackoff().toNanos();
                return;
            }
            coordinator = node;
            coordinatorFound(node);
        }));
    }

    protected final void coordinatorLost(String why) {
        if (coordinator >= 0) {
            log.info("consumer {}: looking for group {}'s coordinator again ({})", clientId, settings.groupId(), why);
            net.invalidateCoordinator(settings.groupId());
        }
        coordinator = -1;
    }

    /** Whether the application has not polled for longer than max.poll.interval.ms; warns when so. */
    protected final boolean pollIntervalPassed(long now) {
        if (now - lastPollAt <= settings.rebalanceTimeout().toNanos()) {
            return false;
        }
        log.warn("consumer {}: no poll for longer than max.poll.interval.ms ({}); leaving group {} so its "
                        + "partitions go to a live member. Poll more often, or lower max.poll.records.", clientId,
                settings.rebalanceTimeout(), settings.groupId());
        return true;
    }

    protected static int millis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, d.toMillis());
    }

    protected static Throwable cause(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }
}
