package dev.josef.kafka.consumer;

/**
 * Where to read a partition from: {@link #earliest()}, {@link #latest()}, the
 * first record at or after a {@link #timestamp(long)}, or an exact
 * {@link #offset(long)}. Passed to {@link Consumer#seek(dev.josef.kafka.protocol.TopicPartition, StartPosition)}.
 */
public final class StartPosition {
    enum Kind { EARLIEST, LATEST, TIMESTAMP, OFFSET }

    private static final StartPosition EARLIEST = new StartPosition(Kind.EARLIEST, -2);
    private static final StartPosition LATEST = new StartPosition(Kind.LATEST, -1);

    final Kind kind;
    final long value;

    private StartPosition(Kind kind, long value) {
        this.kind = kind;
        this.value = value;
    }

    /** The log start offset. */
    public static StartPosition earliest() {
        return EARLIEST;
    }

    /** The end of the log: only records written from now on. */
    public static StartPosition latest() {
        return LATEST;
    }

    /**
     * The first record whose timestamp is at or after {@code timestampMs}; the end
     * of the log when there is none.
     *
     * @throws IllegalArgumentException for a negative timestamp
     */
    public static StartPosition timestamp(long timestampMs) {
        if (timestampMs < 0) {
            throw new IllegalArgumentException("a start timestamp must not be negative, was " + timestampMs);
        }
        return new StartPosition(Kind.TIMESTAMP, timestampMs);
    }

    /**
     * Exactly this offset. An offset outside the log is handled by the reset policy.
     *
     * @throws IllegalArgumentException for a negative offset
     */
    public static StartPosition offset(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("an offset must not be negative, was " + offset);
        }
        return new StartPosition(Kind.OFFSET, offset);
    }

    /** The ListOffsets timestamp for this position: -2 earliest, -1 latest, or the timestamp. */
    long listOffsetsTimestamp() {
        return value;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case EARLIEST -> "earliest";
            case LATEST -> "latest";
            case TIMESTAMP -> "timestamp " + value;
            case OFFSET -> "offset " + value;
        };
    }
}
