package dev.josef.kafka.consumer.spi;

import dev.josef.kafka.consumer.PendingRebalance;
import dev.josef.kafka.protocol.TopicPartition;

import java.util.Objects;
import java.util.Set;

/**
 * A rebalance step the application's side ran (for {@link ConsumerHook#onRebalance}).
 *
 * @param kind        what it did to {@code partitions}
 * @param partitions  the partitions it concerned
 * @param waitedNanos from the member handing the step over until it ran: the time a
 *                    poll held it (behaviour 5) or the application took to poll again
 * @param runNanos    how long it ran: the commit before a revoke and the rebalance hooks
 */
public record RebalanceStep(PendingRebalance.Kind kind, Set<TopicPartition> partitions, long waitedNanos,
                            long runNanos) {
    public RebalanceStep {
        Objects.requireNonNull(kind, "kind");
        partitions = Set.copyOf(partitions);
    }
}
