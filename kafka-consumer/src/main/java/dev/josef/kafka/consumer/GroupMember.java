package dev.josef.kafka.consumer;

import dev.josef.kafka.protocol.KafkaException;
import dev.josef.kafka.protocol.TopicPartition;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A consumer's membership of its group, on either protocol: {@link ClassicMember}
 * (JoinGroup, SyncGroup, Heartbeat) or {@link ConsumerGroupMember} (KIP-848's
 * ConsumerGroupHeartbeat). {@link GroupConsumer} drives it the same way on both,
 * so rebalances that wait (behaviour 5), commits and close behave alike.
 *
 * <p>Threads: the group thread calls {@link #runOnce}; every other method may
 * be called from any thread and only posts an event for the group thread.
 */
interface GroupMember {

    /** What the member asks of the application's side. Implementations must not block. */
    interface Steps {
        /** Commit (auto-commit), call onRevoked, stop reading; the future completes after. */
        CompletableFuture<Void> revoke(Set<TopicPartition> partitions);

        /** Start reading from committed offsets, call onAssigned; the future completes after. */
        CompletableFuture<Void> assign(Set<TopicPartition> partitions);

        /** Stop reading these at once; onLost follows on the application's thread. */
        void lose(Set<TopicPartition> partitions);

        /** The member cannot go on: every later poll throws {@code error}. */
        void failed(KafkaException error);
    }

    /** Called when an event is posted, to wake the group thread. */
    void waker(Runnable waker);

    /** Runs events, then whatever is due; returns nanos until something is due. The group thread's. */
    long runOnce();

    /** The topics the member subscribes to. */
    void subscribe(Set<String> topics);

    /**
     * Leaves the group and joins no more until it subscribes again; the future
     * completes once the member has taken this in.
     */
    CompletableFuture<Void> unsubscribe();

    /** The application polled: it is alive, and a member that gave up for lack of polls may join again. */
    void polled();

    /** Queues a commit; the future fails with a clear error, or by {@code deadline} at the latest. */
    CompletableFuture<Void> commit(Map<TopicPartition, OffsetAndMetadata> offsets, long deadline);

    /**
     * Leaves cleanly for an application that held a rebalance longer than it
     * allows itself: commits {@code offsets}, then leaves; the partitions go as
     * lost, and the member joins again after {@link #allowed()}.
     */
    void giveUp(Map<TopicPartition, OffsetAndMetadata> offsets, String reason);

    /** The application let held rebalance steps go on. */
    void allowed();

    /** Leaves the group for good, once the commits asked for before are answered. */
    CompletableFuture<Void> leave(String reason);

    /** The generation (classic) or member epoch (consumer protocol); -1 outside one. */
    int generation();

    String memberId();
}
