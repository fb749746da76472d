package dev.josef.kafka.net.internal;

/**
 * Which connection to a broker a request travels on. Produce, fetch and
 * everything else each get their own, so a long-polling fetch or a slow group
 * call never delays a produce.
 */
public enum ChannelKind {
    PRODUCE,
    FETCH,
    /**
     * A group member's JoinGroup, SyncGroup, Heartbeat and OffsetCommit: a broker
     * answers one request of a connection at a time, and a JoinGroup waits there for
     * the whole group, which must hold up no OffsetFetch, LeaveGroup, ListOffsets or
     * metadata request of the same client.
     */
    GROUP,
    OTHER
}
