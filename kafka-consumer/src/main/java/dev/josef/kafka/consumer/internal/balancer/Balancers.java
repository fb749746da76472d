package dev.josef.kafka.consumer.internal.balancer;

import dev.josef.kafka.consumer.spi.GroupBalancer;

import java.util.Objects;
import java.util.Optional;

/**
 * The built-in balancers, one stateless instance each, and the names a
 * {@code partition.assignment.strategy} entry may give them by.
 */
public final class Balancers {
    public static final GroupBalancer RANGE = new RangeBalancer();
    public static final GroupBalancer ROUND_ROBIN = new RoundRobinBalancer();
    public static final GroupBalancer STICKY = new StickyBalancer();
    public static final GroupBalancer COOPERATIVE_STICKY = new CooperativeStickyBalancer();

    private Balancers() {
    }

    /**
     * The built-in balancer an entry of {@code partition.assignment.strategy} means:
     * one of our names, or the class name of the kafka-clients assignor it stands in
     * for, so a configuration written for kafka-clients works unchanged. Empty for
     * anything else (a balancer found by ServiceLoader, or a mistake).
     */
    public static Optional<GroupBalancer> forStrategy(String strategy) {
        return Optional.ofNullable(switch (Objects.requireNonNull(strategy, "strategy").trim()) {
            case "range", "org.apache.kafka.clients.consumer.RangeAssignor" -> RANGE;
            case "roundrobin", "org.apache.kafka.clients.consumer.RoundRobinAssignor" -> ROUND_ROBIN;
            case "sticky", "org.apache.kafka.clients.consumer.StickyAssignor" -> STICKY;
            case "cooperative-sticky", "org.apache.kafka.clients.consumer.CooperativeStickyAssignor" -> COOPERATIVE_STICKY;
            default -> null;
        });
    }
}
