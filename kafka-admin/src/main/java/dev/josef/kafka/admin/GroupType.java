package dev.josef.kafka.admin;

import java.util.Locale;

/**
 * Which protocol a group runs, as ListGroups v5 names it (KIP-848): the classic
 * JoinGroup/SyncGroup protocol, the consumer protocol where the coordinator
 * assigns (ConsumerGroupHeartbeat), share groups (KIP-932) and Kafka Streams
 * groups (KIP-1071).
 */
public enum GroupType {
    CLASSIC("classic"),
    CONSUMER("consumer"),
    SHARE("share"),
    STREAMS("streams"),
    /** A type this client does not know, or a broker too old to say (ListGroups before v5). */
    UNKNOWN("unknown");

    private final String wireName;

    GroupType(String wireName) {
        this.wireName = wireName;
    }

    /** The name on the wire and in kafka-clients' {@code GroupType}: {@code classic}, {@code consumer}, ... */
    public String wireName() {
        return wireName;
    }

    /** The type a broker names, ignoring case; {@link #UNKNOWN} for null, empty or unknown names. */
    public static GroupType fromWire(String name) {
        if (name == null) {
            return UNKNOWN;
        }
        String lower = name.trim().toLowerCase(Locale.ROOT);
        for (GroupType t : values()) {
            if (t != UNKNOWN && t.wireName.equals(lower)) {
                return t;
            }
        }
        return UNKNOWN;
    }
}
