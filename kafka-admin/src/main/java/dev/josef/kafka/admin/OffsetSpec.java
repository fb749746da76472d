package dev.josef.kafka.admin;

/**
 * Which offset of a partition {@link Admin#listOffsets} asks for.
 *
 * @param kind      what to look up
 * @param timestamp for {@link Kind#TIMESTAMP}, the time in epoch milliseconds; otherwise
 *                  the protocol's sentinel for the kind
 */
public record OffsetSpec(Kind kind, long timestamp) {

    public enum Kind {
        /** The log start offset: the first offset still held. */
        EARLIEST(-2L),
        /** The offset the next record will get (the high watermark, or the last stable offset under read committed). */
        LATEST(-1L),
        /** The offset of the record with the largest timestamp (KIP-734; ListOffsets v7, Kafka 3.0+). */
        MAX_TIMESTAMP(-3L),
        /** The first offset whose record's timestamp is at or after a given time. */
        TIMESTAMP(0L);

        final long sentinel;

        Kind(long sentinel) {
            this.sentinel = sentinel;
        }
    }

    public OffsetSpec {
        java.util.Objects.requireNonNull(kind, "kind");
        if (kind == Kind.TIMESTAMP && timestamp < 0) {
            throw new IllegalArgumentException("timestamp must be at least 0 (epoch milliseconds), was " + timestamp);
        }
        if (kind != Kind.TIMESTAMP && timestamp != kind.sentinel) {
            throw new IllegalArgumentException(kind + " takes no timestamp; use the factory method for it");
        }
    }

    public static OffsetSpec earliest() {
        return new OffsetSpec(Kind.EARLIEST, Kind.EARLIEST.sentinel);
    }

    public static OffsetSpec latest() {
        return new OffsetSpec(Kind.LATEST, Kind.LATEST.sentinel);
    }

    public static OffsetSpec maxTimestamp() {
        return new OffsetSpec(Kind.MAX_TIMESTAMP, Kind.MAX_TIMESTAMP.sentinel);
    }

    /** The first offset whose timestamp is at or after {@code epochMillis}. */
    public static OffsetSpec forTimestamp(long epochMillis) {
        return new OffsetSpec(Kind.TIMESTAMP, epochMillis);
    }

    /** The timestamp field of the ListOffsets request. */
    long wireTimestamp() {
        return timestamp;
    }
}
