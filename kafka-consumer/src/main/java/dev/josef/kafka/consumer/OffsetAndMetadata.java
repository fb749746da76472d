package dev.josef.kafka.consumer;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * A committed offset: the offset of the next record the group reads from the
 * partition, the leader epoch of the record before it (so a member that starts
 * there can tell whether the log was truncated meanwhile, KIP-320), and a
 * string the application may keep with it.
 */
public record OffsetAndMetadata(long offset, OptionalInt leaderEpoch, String metadata) {
    public OffsetAndMetadata {
        if (offset < 0) {
            throw new IllegalArgumentException("a committed offset must not be negative, was " + offset);
        }
        Objects.requireNonNull(leaderEpoch, "leaderEpoch");
        Objects.requireNonNull(metadata, "metadata");
    }

    public static OffsetAndMetadata of(long offset) {
        return new OffsetAndMetadata(offset, OptionalInt.empty(), "");
    }

    public static OffsetAndMetadata of(long offset, String metadata) {
        return new OffsetAndMetadata(offset, OptionalInt.empty(), metadata);
    }

    /** The epoch as the protocol carries it: -1 for none. */
    int wireEpoch() {
        return leaderEpoch.orElse(-1);
    }
}
