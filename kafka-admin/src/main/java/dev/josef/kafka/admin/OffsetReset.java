package dev.josef.kafka.admin;

import java.util.Objects;

/**
 * Where {@link Admin#resetGroupOffsets} moves a group's committed offsets. Every
 * target is clamped to the partition's log: below its earliest offset it becomes
 * the earliest, past its latest (the high watermark) the latest.
 *
 * @param kind  what to reset to
 * @param value the timestamp, offset or shift the kind takes; 0 for EARLIEST and LATEST
 */
public record OffsetReset(Kind kind, long value) {

    public enum Kind {
        /** The log start offset. */
        EARLIEST,
        /** The high watermark: the group skips everything written so far. */
        LATEST,
        /** The first offset whose record's timestamp is at or after {@code value} (epoch ms); the latest when none is. */
        TIMESTAMP,
        /** Offset {@code value}. */
        OFFSET,
        /** The committed offset moved by {@code value}, back when negative; a partition must have one. */
        SHIFT
    }

    public OffsetReset {
        Objects.requireNonNull(kind, "kind");
        switch (kind) {
            case EARLIEST, LATEST -> {
                if (value != 0) {
                    throw new IllegalArgumentException(kind + " takes no value; use OffsetReset." + kind.name()
                            .toLowerCase(java.util.Locale.ROOT) + "()");
                }
            }
            case TIMESTAMP -> {
                if (value < 0) {
                    throw new IllegalArgumentException("timestamp must be at least 0 (epoch milliseconds), was " + value);
                }
            }
            case OFFSET -> {
                if (value < 0) {
                    throw new IllegalArgumentException("offset must be at least 0, was " + value);
                }
            }
            case SHIFT -> {
                // Any shift; the result is clamped to the log.
            }
        }
    }

    public static OffsetReset earliest() {
        return new OffsetReset(Kind.EARLIEST, 0);
    }

    public static OffsetReset latest() {
        return new OffsetReset(Kind.LATEST, 0);
    }

    /** The first offset whose record's timestamp is at or after {@code epochMillis}. */
    public static OffsetReset toTimestamp(long epochMillis) {
        return new OffsetReset(Kind.TIMESTAMP, epochMillis);
    }

    public static OffsetReset toOffset(long offset) {
        return new OffsetReset(Kind.OFFSET, offset);
    }

    /** The committed offset plus {@code shift} (minus, when negative). */
    public static OffsetReset shiftBy(long shift) {
        return new OffsetReset(Kind.SHIFT, shift);
    }
}
