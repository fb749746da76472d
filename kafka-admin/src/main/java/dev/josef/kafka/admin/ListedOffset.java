package dev.josef.kafka.admin;

import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.TopicPartition;

/**
 * The offset found for one partition.
 *
 * @param offset      the offset, or -1 when no record matches (a timestamp after the last record's)
 * @param timestamp   the matching record's timestamp for timestamp lookups, -1 otherwise
 * @param leaderEpoch the leader epoch of the offset, or -1 when unknown
 */
public record ListedOffset(TopicPartition partition, long offset, long timestamp, int leaderEpoch, ErrorCode error,
                           String errorMessage) implements Outcome {
}
