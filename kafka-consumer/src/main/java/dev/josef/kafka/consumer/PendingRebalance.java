package dev.josef.kafka.consumer;

import dev.josef.kafka.protocol.TopicPartition;

import java.time.Duration;
import java.util.Set;

/**
 * A rebalance step waiting for the application (see
 * {@link ConsumerConfig.Builder#blockRebalanceOnPoll()}): what it does to which
 * partitions, and how long the group will wait for it. Past {@code remaining},
 * the coordinator gives the member's partitions to others and the step becomes
 * a loss.
 *
 * @param remaining what is left of the rebalance timeout ({@code max.poll.interval.ms}) since the step began
 */
public record PendingRebalance(Kind kind, Set<TopicPartition> partitions, Duration remaining) {

    public enum Kind {
        /** Partitions are to be given up (after the revoke commit and onRevoked). */
        REVOKE,
        /** Partitions were taken away already; onLost is to be called. */
        LOSE,
        /** New partitions wait for onAssigned before they are read. */
        ASSIGN
    }
}
