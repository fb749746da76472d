package dev.josef.kafka.consumer.spi;

import dev.josef.kafka.consumer.Consumer;
import dev.josef.kafka.net.spi.Hook;
import dev.josef.kafka.protocol.TopicPartition;

import java.util.Set;

/**
 * Work a group member does when partitions come and go: save state and commit
 * before a partition is given up, load state before one is read.
 *
 * <p>Hooks come from ServiceLoader and from the consumer's builder (all applied,
 * lower {@link #order()} first), and one more may be passed to
 * {@link Consumer#subscribe(java.util.Collection, RebalanceHook)}, which runs
 * last. What the consumer guarantees:
 * <ul>
 *   <li>Callbacks run on the application's thread, inside {@link Consumer#poll},
 *       {@link Consumer#allowRebalance()} or {@link Consumer#close()}: never two at
 *       once, never while a poll runs, never on a Josef thread and never under a
 *       Josef lock. A callback may call the consumer (commit, seek, position).</li>
 *   <li>After {@link #onRevoked} returns, no later poll returns a record of those
 *       partitions (until they are assigned again).</li>
 *   <li>A commit made inside {@link #onRevoked} reaches the group's coordinator
 *       before the member gives the partitions up (before it rejoins or leaves).</li>
 *   <li>{@link #onLost} is called instead of {@link #onRevoked} when the group has
 *       already given the partitions to others (the member was fenced or timed
 *       out): their records stopped being returned when that was learnt, and a
 *       commit of them fails.</li>
 *   <li>A callback that throws is logged; the rebalance goes on.</li>
 * </ul>
 */
public interface RebalanceHook extends Hook {

    /**
     * The member reads these partitions from now on, from their committed offsets
     * (or the reset policy). With the cooperative protocol only what is new is
     * passed, and the call is made even when nothing is.
     */
    default void onAssigned(Consumer consumer, Set<TopicPartition> partitions) {
    }

    /** The member is about to give these partitions up; they are still its own. */
    default void onRevoked(Consumer consumer, Set<TopicPartition> partitions) {
    }

    /** The group has already taken these partitions away from the member. */
    default void onLost(Consumer consumer, Set<TopicPartition> partitions) {
    }
}
