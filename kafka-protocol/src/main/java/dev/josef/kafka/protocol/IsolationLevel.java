package dev.josef.kafka.protocol;

import java.util.Locale;

/**
 * Which records a reader sees of transactions (KIP-98): the consumer's
 * {@code isolation.level}, and which end offset an admin's ListOffsets reports.
 */
public enum IsolationLevel {
    /**
     * Every record, those of aborted and still-open transactions too; the end of
     * a partition is its high watermark. kafka-clients' default.
     */
    READ_UNCOMMITTED((byte) 0),
    /**
     * Only records of committed transactions (and non-transactional ones); the
     * end of a partition is its last stable offset, before any open transaction.
     */
    READ_COMMITTED((byte) 1);

    private final byte id;

    IsolationLevel(byte id) {
        this.id = id;
    }

    /** The value in Fetch and ListOffsets requests. */
    public byte id() {
        return id;
    }

    /** {@code read_uncommitted} or {@code read_committed}, as kafka-clients' {@code isolation.level}. */
    public static IsolationLevel parse(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "read_uncommitted" -> READ_UNCOMMITTED;
            case "read_committed" -> READ_COMMITTED;
            default -> throw new IllegalArgumentException("isolation level must be read_uncommitted or read_committed, "
                    + "was '" + name + "'");
        };
    }
}
