package dev.josef.kafka.consumer;

/**
 * How a consumer takes part in its group ({@code group.protocol}).
 */
public enum GroupProtocol {
    /**
     * JoinGroup, SyncGroup and Heartbeat: one member (a client) computes the
     * assignment with the configured {@link dev.josef.kafka.consumer.spi.GroupBalancer}s,
     * and every member stops at each rebalance (eager) or gives partitions up in a
     * second round (cooperative). Every Kafka broker runs it. The default, as in
     * kafka-clients.
     */
    CLASSIC,
    /**
     * KIP-848: the coordinator computes assignments ({@code group.remote.assignor})
     * and hands each member only what changes for it, with no group-wide barrier, so
     * a member joining or leaving does not stop the others. Needs Kafka 4.0 or later
     * with {@code group.version=1} (the default from 4.0); a regular expression
     * subscription is evaluated by the broker (RE2/J).
     */
    CONSUMER;

    /** The name of {@code group.protocol}: {@code classic} or {@code consumer}. */
    public String configName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** @throws IllegalArgumentException naming both values, for any other name */
    public static GroupProtocol of(String name) {
        for (GroupProtocol p : values()) {
            if (p.configName().equalsIgnoreCase(name.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException("group.protocol must be classic or consumer, was '" + name + "'");
    }
}
