package dev.josef.kafka.producer;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * An offset a transaction commits for a group: the next offset the group reads
 * from the partition, the leader epoch of the record before it (so a member
 * that starts there can tell whether the log was truncated, KIP-320), and a
 * string kept with it.
 */
public record TransactionOffset(long offset, OptionalInt leaderEpoch, String metadata) {
    public TransactionOffset {
        if (offset < 0) {
            throw new IllegalArgumentException("a committed offset must not be negative, was " + offset);
        }
        Objects.requireNonNull(leaderEpoch, "leaderEpoch");
        Objects.requireNonNull(metadata, "metadata");
    }

    public static TransactionOffset of(long offset) {
        return new TransactionOffset(offset, OptionalInt.empty(), "");
    }
}
