package dev.josef.kafka.consumer;

import java.util.Locale;

/**
 * Where a partition starts when it has no position yet, and where it goes when
 * its position is out of the log's range (kafka-clients' {@code auto.offset.reset}).
 */
public enum OffsetReset {
    /** The log start offset. */
    EARLIEST,
    /** The end of the log (the last stable offset with read_committed). kafka-clients' default. */
    LATEST,
    /**
     * No reset: the partition reports {@link OffsetOutOfRangeException} (or
     * {@link LogTruncationException}) in the poll and fetches nothing until the
     * application seeks. A partition without a position must be given one.
     */
    NONE;

    /** {@code earliest}, {@code latest} or {@code none}. */
    public static OffsetReset parse(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "earliest" -> EARLIEST;
            case "latest" -> LATEST;
            case "none" -> NONE;
            default -> throw new IllegalArgumentException("offset reset must be earliest, latest or none, was '"
                    + name + "'");
        };
    }
}
