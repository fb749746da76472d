package dev.josef.kafka.net.internal;

/**
 * Which connection to a broker a request travels on. Produce, fetch and
 * everything else each get their own, so a long-polling fetch or a slow group
 * call never delays a produce.
 */
public enum ChannelKind {
    PRODUCE,
    FETCH,
    OTHER
}
