package dev.josef.kafka.consumer;

import dev.josef.kafka.protocol.TopicPartition;

/**
 * One assigned partition: where the application is, where fetching is, and
 * what the partition waits for. Guarded by the consumer's lock; read and
 * written by the polling thread and the fetcher thread under it.
 *
 * <p>Two positions: {@link #position} is the next offset the application gets;
 * {@link #fetchOffset} is the next offset to fetch, ahead of it while fetched
 * data waits in the buffer (prefetching). Whenever the position is set from
 * outside the stream of fetches (a seek, a reset, a truncation), both move
 * together and {@link #generation} changes, which voids every fetch made before.
 */
final class PartitionState {
    enum Status {
        /** A partition of a consumer with a group id: waiting for the group's committed offset (OffsetFetch). */
        AWAITING_COMMITTED,
        /** Waiting for ListOffsets to give it a position ({@link #pendingReset}). */
        AWAITING_RESET,
        /** Its leader changed; checking with OffsetForLeaderEpoch that its log was not truncated (KIP-320). */
        AWAITING_VALIDATION,
        FETCHING,
        /** Nothing is fetched or returned until the application seeks (a corrupt batch with stop, no reset policy, ...). */
        STOPPED
    }

    final TopicPartition partition;
    Status status = Status.AWAITING_RESET;
    StartPosition pendingReset;

    long position = -1;
    int positionEpoch = -1;
    long fetchOffset = -1;
    int fetchEpoch = -1;
    int generation;

    boolean paused;
    /** The node a fetch, ListOffsets or OffsetForLeaderEpoch for this partition is in flight to; -1 for none. */
    int inFlightNode = -1;
    /** Completed fetches of this partition waiting in the buffer. */
    int buffered;
    /**
     * Fetching waits until the application has read what is buffered: a buffered
     * fetch could not be framed to its end, or a later fetch was out of range.
     */
    boolean fetchBlocked;
    /** A fetch past the buffered data was out of range; the reset policy acts once that data is read. */
    boolean pendingOutOfRange;
    long retryAtNanos;
    /** CORRUPT_MESSAGE answers in a row: they set the backoff before the partition is fetched again. */
    int corruptAnswers;

    /** The leader epoch of the metadata this partition's position was last checked against. */
    int validatedLeaderEpoch = -1;
    int preferredReplica = -1;
    long preferredReplicaUntilNanos;
    /** Whether the poll has told the application that the partition's topic is unknown, since it last was known. */
    boolean unknownReported;

    long highWatermark = -1;
    long lastStableOffset = -1;
    long logStartOffset = -1;

    PartitionState(TopicPartition partition, StartPosition start) {
        this.partition = partition;
        this.pendingReset = start;
    }

    /** Moves both positions, voiding buffered and in-flight fetches. */
    void reposition(long offset, int epoch) {
        pendingOutOfRange = false;
        position = offset;
        positionEpoch = epoch;
        corruptAnswers = 0;
        fetchOffset = offset;
        fetchEpoch = epoch;
        generation++;
        fetchBlocked = false;
        status = Status.FETCHING;
        pendingReset = null;
    }

    /**
     * Lets go of what was fetched ahead of the application (voiding buffered and
     * in-flight fetches); the status stays, and fetching starts again at the position.
     */
    void dropFetchedAhead() {
        generation++;
        fetchOffset = position;
        fetchEpoch = positionEpoch;
        fetchBlocked = false;
        pendingOutOfRange = false;
    }

    /** Asks for a reset to {@code start}, voiding buffered and in-flight fetches. */
    void reset(StartPosition start) {
        pendingOutOfRange = false;
        corruptAnswers = 0;
        generation++;
        fetchBlocked = false;
        status = Status.AWAITING_RESET;
        pendingReset = start;
        retryAtNanos = 0;
    }

    void stop() {
        pendingOutOfRange = false;
        generation++;
        fetchBlocked = false;
        status = Status.STOPPED;
    }

    boolean hasPosition() {
        return status == Status.FETCHING || status == Status.AWAITING_VALIDATION
                || (status == Status.STOPPED && position >= 0);
    }

    @Override
    public String toString() {
        return partition + "(" + status + ", position=" + position + ", fetchOffset=" + fetchOffset
                + (paused ? ", paused" : "") + (buffered > 0 ? ", buffered=" + buffered : "")
                + (inFlightNode >= 0 ? ", inFlight=" + inFlightNode : "") + ")";
    }
}
