package dev.josef.kafka.admin;

import java.util.List;
import java.util.Map;

/**
 * The groups of a cluster. Each broker lists the groups it coordinates, so one
 * broker that cannot answer leaves its groups out without hiding the others':
 * {@link #brokers()} says how each broker's answer went.
 *
 * @param groups  sorted by group id
 * @param brokers each broker asked, by id, with its outcome
 */
public record GroupListing(List<ListedGroup> groups, Map<Integer, BrokerOutcome> brokers) {

    public GroupListing {
        groups = List.copyOf(groups);
        brokers = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(brokers));
    }

    /** Whether every broker answered, so that {@link #groups()} holds every group that matched. */
    public boolean complete() {
        return brokers.values().stream().allMatch(Outcome::succeeded);
    }
}
