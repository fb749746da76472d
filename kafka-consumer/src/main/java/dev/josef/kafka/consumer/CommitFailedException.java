package dev.josef.kafka.consumer;

import dev.josef.kafka.protocol.KafkaException;

/**
 * A commit the group's coordinator refused for good: the member is no longer
 * in the generation that owned the partitions (it was fenced, timed out, or a
 * rebalance gave them to others), or the commit itself was bad. The offsets
 * were not stored; the partitions' new owner starts from the last commit that was.
 */
public final class CommitFailedException extends KafkaException {
    private static final long serialVersionUID = 1L;

    CommitFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
