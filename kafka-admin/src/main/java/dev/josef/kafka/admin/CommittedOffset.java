package dev.josef.kafka.admin;

import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.TopicPartition;

/**
 * A group's committed offset for one partition: the next offset the group will read.
 *
 * @param leaderEpoch the leader epoch the committer saw at that offset (KIP-320), or -1 when it gave none
 * @param metadata    the string the committer stored with the offset; empty when none
 */
public record CommittedOffset(TopicPartition partition, long offset, int leaderEpoch, String metadata,
                              ErrorCode error, String errorMessage) implements Outcome {
}
