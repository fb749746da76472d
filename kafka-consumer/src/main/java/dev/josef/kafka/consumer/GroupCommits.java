package dev.josef.kafka.consumer;

import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.KafkaException;
import dev.josef.kafka.protocol.RetriableException;
import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.protocol.message.OffsetCommitResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * A group member's offset commits: queued in the order asked, sent one at a
 * time to the coordinator, each stamped with the generation it was asked in.
 *
 * <p>One at a time, so a retried commit can never land after a later one and
 * move the group's offsets back. A commit is never sent in a later generation
 * than the one whose partitions it speaks for: once the member has dropped that
 * generation, the commit fails with a {@link CommitFailedException} instead.
 *
 * <p>Threads: the group thread only. Answers come back through the member's
 * {@code post}, and what an answer means for the membership (the coordinator is
 * gone, the group rebalances, the member was fenced) goes to {@link Member}.
 */
final class GroupCommits {
    private static final Logger LOG = LoggerFactory.getLogger(GroupCommits.class);

    /** The membership the commits are sent in, and what their answers tell it. */
    interface Member {
        /**
         * Changes whenever the member drops its generation; a commit asked for in
         * an earlier incarnation is not sent.
         */
        int incarnation();

        /** The generation commits are sent in now; -1 outside one (a commit that only carries offsets). */
        int generation();

        String memberId();

        /** Whether a commit must wait: between JoinGroup and SyncGroup a classic coordinator refuses it. */
        boolean rebalancing();

        /** The coordinator to send to, or -1 while it is being found. */
        int coordinator();

        void coordinatorLost(String why);

        /** The coordinator refused a commit because the group rebalances. */
        void rebalanceSeen();

        /**
         * The commit's member epoch is behind the coordinator's (KIP-848): the commit
         * is sent again once a heartbeat has brought the member's epoch up to date.
         */
        void epochStale();

        /**
         * The coordinator no longer knows the member in the generation a commit was
         * sent in ({@code code}: ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, FENCED_MEMBER_EPOCH
         * or FENCED_INSTANCE_ID).
         */
        void fenced(ErrorCode code, int generation, int incarnation);
    }

    private record Pending(Map<TopicPartition, OffsetAndMetadata> offsets, CompletableFuture<Void> result,
                           long deadline, int incarnation, int generation) {
    }

    private final GroupSettings settings;
    private final GroupNetwork net;
    private final LongSupplier clock;
    private final Consumer<Runnable> post;
    private final Member member;
    private final String clientId;
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private boolean inFlight;
    private long retryAt;

    GroupCommits(GroupSettings settings, GroupNetwork net, LongSupplier clock, Consumer<Runnable> post,
                 Member member, String clientId) {
        this.settings = settings;
        this.net = net;
        this.clock = clock;
        this.post = post;
        this.member = member;
        this.clientId = clientId;
    }

    /**
     * Queues a commit, stamped with the member's generation now (none when it is
     * in none); {@code result} fails with a clear error, or at {@code deadline}.
     */
    void add(Map<TopicPartition, OffsetAndMetadata> offsets, CompletableFuture<Void> result, long deadline) {
        boolean inGeneration = member.generation() >= 0;
        queue.add(new Pending(offsets, result, deadline, inGeneration ? member.incarnation() : -1,
                member.generation()));
    }

    /** No commit is waiting or out. */
    boolean idle() {
        return queue.isEmpty() && !inFlight;
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }

    /** Fails every commit that waits; one that is out is answered to nobody. */
    void failAll(String why, KafkaException cause) {
        Pending c;
        while ((c = queue.poll()) != null) {
            c.result().completeExceptionally(new CommitFailedException("the commit of "
                    + new TreeSet<>(c.offsets().keySet()) + " was not sent: " + why, cause));
        }
    }

    /** Sends the next commit when it may go; returns nanos until it should be looked at again. */
    long send(long now) {
        Pending c = queue.peek();
        if (c == null || inFlight) {
            return Long.MAX_VALUE;
        }
        if (now - c.deadline() >= 0) {
            queue.poll();
            c.result().completeExceptionally(new RetriableException("the commit of "
                    + new TreeSet<>(c.offsets().keySet()) + " was not answered in time"));
            return 1;
        }
        if (c.incarnation() >= 0 && c.incarnation() != member.incarnation()) {
            queue.poll();
            c.result().completeExceptionally(new CommitFailedException("the commit of "
                    + new TreeSet<>(c.offsets().keySet()) + " was made in generation " + c.generation() + " of group "
                    + settings.groupId() + ", which this member has left since (it was fenced or timed out), so "
                    + "it was not sent: its partitions may already be read by another member", null));
            return 1;
        }
        int coordinator = member.coordinator();
        if (coordinator < 0 || member.rebalancing() || now < retryAt) {
            return Math.max(1, Math.min(c.deadline() - now, Math.max(retryAt - now,
                    settings.retryBackoff().toNanos())));
        }
        inFlight = true;
        int gen = member.generation();
        boolean inGeneration = gen >= 0;
        int at = member.incarnation();
        var body = OffsetRequests.commit(settings.groupId(), inGeneration ? gen : -1,
                inGeneration ? member.memberId() : "", inGeneration ? settings.instanceId().orElse(null) : null,
                c.offsets());
        net.send(coordinator, ApiKey.OFFSET_COMMIT, body, OffsetRequests.MAX_COMMIT_VERSION, settings.requestTimeout())
                .whenComplete((response, error) -> post.accept(() -> answered(c, gen, at,
                        (OffsetCommitResponse) response, error)));
        return settings.retryBackoff().toNanos();
    }

    private void answered(Pending c, int gen, int at, OffsetCommitResponse response, Throwable error) {
        inFlight = false;
        long now = clock.getAsLong();
        if (queue.peek() != c) {
            return; // failed meanwhile (the member left or failed)
        }
        if (error != null) {
            Throwable cause = error instanceof CompletionException && error.getCause() != null
                    ? error.getCause() : error;
            member.coordinatorLost("OffsetCommit failed: " + cause.getMessage());
            retryAt = now + settings.retryBackoff().toNanos();
            return; // sent again: a commit of the same offsets twice stores them once
        }
        ErrorCode code = ErrorCode.NONE;
        TopicPartition failed = null;
        for (Map.Entry<TopicPartition, ErrorCode> e : OffsetRequests.committed(response).entrySet()) {
            if (e.getValue() != ErrorCode.NONE) {
                code = e.getValue();
                failed = e.getKey();
                break;
            }
        }
        switch (code) {
            case NONE -> {
                queue.poll();
                LOG.debug("consumer {}: committed {}", clientId, c.offsets());
                c.result().complete(null);
            }
            case NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS, REQUEST_TIMED_OUT -> {
                if (code != ErrorCode.COORDINATOR_LOAD_IN_PROGRESS && code != ErrorCode.REQUEST_TIMED_OUT) {
                    member.coordinatorLost("OffsetCommit answered " + code);
                }
                retryAt = now + settings.retryBackoff().toNanos();
            }
            case STALE_MEMBER_EPOCH -> {
                LOG.debug("consumer {}: a commit was sent at a stale member epoch; sending it again after the next "
                        + "heartbeat", clientId);
                retryAt = now + settings.retryBackoff().toNanos();
                member.epochStale();
            }
            case REBALANCE_IN_PROGRESS -> {
                queue.poll();
                member.rebalanceSeen();
                c.result().completeExceptionally(new CommitFailedException("the commit of " + failed
                        + " (and the others with it) was refused: the group is rebalancing (REBALANCE_IN_PROGRESS); "
                        + "commit again once the rebalance has completed", code.exception(null)));
            }
            case ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, FENCED_MEMBER_EPOCH, FENCED_INSTANCE_ID -> {
                queue.poll();
                c.result().completeExceptionally(new CommitFailedException("the commit of "
                        + new TreeSet<>(c.offsets().keySet()) + " was refused with " + code + ": this member is no "
                        + "longer in generation " + gen + " of group " + settings.groupId() + ", so its partitions "
                        + "may already be read by another member", code.exception(null)));
                member.fenced(code, gen, at);
            }
            default -> {
                queue.poll();
                c.result().completeExceptionally(new CommitFailedException("the commit of " + failed
                        + " (and the others with it) failed: " + code + " (" + code.message() + ")",
                        code.exception(null)));
            }
        }
    }
}
