package dev.josef.kafka.producer.spi;

import java.util.Objects;

/**
 * Decides what happens to a partition after a record in it failed for good
 * (a refusal the broker will not change its mind on, the delivery timeout, or
 * lost data), so that no later record of the partition overtakes the failed
 * one.
 *
 * <p>The producer asks the policy on its sender thread at the moment the
 * failure is known, before it sends anything more for the partition, with no
 * producer lock held. Every way a record fails for good comes here: a refusal,
 * the delivery timeout, data loss, a batch that cannot be encoded, and a batch
 * a broker that had forgotten the producer let a later one overtake. Whatever
 * the answer, the failed batch's records fail, and batches of the partition that
 * were in flight behind it count as part of the failure: the broker refuses
 * them too, since their sequence numbers follow the failed batch's.
 *
 * <p>Chosen in configuration by {@link #name()} ({@code ordering.policy}), or
 * passed as an instance to the producer's builder; providers are found with
 * {@link java.util.ServiceLoader}. Built in: {@link #continueSending()}
 * ({@code "continue"}, the default), {@link #failPartition()}
 * ({@code "fail-partition"}) and {@link #pausePartition()}
 * ({@code "pause-partition"}). A policy may decide per topic or per cause, for
 * example pause on {@link PartitionFailure#dataLoss() data loss} and continue
 * otherwise. It must be fast; an exception it throws is logged and taken as
 * {@link Action#FAIL_PARTITION}, the answer that loses nothing and reorders
 * nothing.
 */
public interface OrderingPolicy {

    /** What the producer does with the partition. */
    enum Action {
        /**
         * Fails every record buffered for the partition (NOT_PERSISTED, with the
         * failure as the cause) and accepts new records at once.
         */
        CONTINUE,
        /**
         * As CONTINUE, and refuses every new record for the partition with a
         * {@code PartitionFailedException} until the application calls
         * {@code Producer.recoverFailedPartitions}.
         */
        FAIL_PARTITION,
        /**
         * Keeps the buffered records and accepts new ones, but sends nothing for
         * the partition until the application calls {@code Producer.resumePartitions}.
         * The delivery timeout still applies to what waits.
         */
        PAUSE_PARTITION
    }

    /** The name configuration chooses this policy by. */
    String name();

    /** What to do with {@code failure.topic()}/{@code failure.partition()} now. */
    Action onFailure(PartitionFailure failure);

    /** Fails what is buffered for the partition and goes on with new records. */
    static OrderingPolicy continueSending() {
        return BuiltInOrderingPolicy.CONTINUE;
    }

    /** Fails what is buffered and refuses new records until the application recovers the partition. */
    static OrderingPolicy failPartition() {
        return BuiltInOrderingPolicy.FAIL;
    }

    /** Holds what is buffered, unsent, until the application resumes the partition. */
    static OrderingPolicy pausePartition() {
        return BuiltInOrderingPolicy.PAUSE;
    }

    /**
     * A built-in policy by its name.
     *
     * @throws IllegalArgumentException for a name that is not built in
     */
    static OrderingPolicy builtIn(String name) {
        Objects.requireNonNull(name, "name");
        for (OrderingPolicy p : BuiltInOrderingPolicy.ALL) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("no built-in ordering policy is called " + name
                + " (continue, fail-partition, pause-partition)");
    }
}
