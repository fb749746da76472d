package dev.josef.kafka.admin;

import java.util.Locale;

/**
 * The state a group coordinator reports. Classic groups go through
 * PreparingRebalance and CompletingRebalance; consumer groups (KIP-848) through
 * Assigning and Reconciling; Streams groups may be NotReady. Every type has
 * Empty (no members, maybe committed offsets), Stable and Dead.
 */
public enum GroupState {
    EMPTY("Empty"),
    STABLE("Stable"),
    PREPARING_REBALANCE("PreparingRebalance"),
    COMPLETING_REBALANCE("CompletingRebalance"),
    ASSIGNING("Assigning"),
    RECONCILING("Reconciling"),
    NOT_READY("NotReady"),
    DEAD("Dead"),
    /** A state this client does not know, or none reported (ListGroups before v4). */
    UNKNOWN("Unknown");

    private final String wireName;

    GroupState(String wireName) {
        this.wireName = wireName;
    }

    /** The name on the wire and in kafka-clients' {@code GroupState}: {@code Stable}, {@code PreparingRebalance}, ... */
    public String wireName() {
        return wireName;
    }

    /** The state a broker names, ignoring case; {@link #UNKNOWN} for null, empty or unknown names. */
    public static GroupState fromWire(String name) {
        if (name == null) {
            return UNKNOWN;
        }
        String lower = name.trim().toLowerCase(Locale.ROOT);
        for (GroupState s : values()) {
            if (s != UNKNOWN && s.wireName.toLowerCase(Locale.ROOT).equals(lower)) {
                return s;
            }
        }
        return UNKNOWN;
    }

    @Override
    public String toString() {
        return wireName;
    }
}
