package dev.josef.kafka.producer;

/** How many replicas must have a record before the broker acknowledges it (kafka-clients' {@code acks}). */
public enum Acks {
    /** No acknowledgement: a record counts as sent once its request is written. Offsets are unknown (-1). */
    NONE((short) 0),
    /** The leader has written it. */
    LEADER((short) 1),
    /** Every in-sync replica has it (at least {@code min.insync.replicas}). Required for idempotence. */
    ALL((short) -1);

    private final short wire;

    Acks(short wire) {
        this.wire = wire;
    }

    /** The value of Produce's acks field. */
    public short wire() {
        return wire;
    }

    /** From kafka-clients' spelling: "all", "-1", "1" or "0". */
    public static Acks parse(String text) {
        return switch (text.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "all", "-1" -> ALL;
            case "1" -> LEADER;
            case "0" -> NONE;
            default -> throw new IllegalArgumentException("acks must be all, -1, 1 or 0, was '" + text + "'");
        };
    }
}
