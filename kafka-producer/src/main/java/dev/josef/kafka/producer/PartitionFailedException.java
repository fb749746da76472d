package dev.josef.kafka.producer;

/**
 * A record refused because its partition failed under the
 * {@code fail-partition} ordering policy: nothing is sent to the partition
 * until the application calls {@link Producer#recoverFailedPartitions}. The
 * record is not in the log ({@code NOT_PERSISTED}); the cause is the failure
 * that stopped the partition.
 */
public final class PartitionFailedException extends ProduceException {
    private static final long serialVersionUID = 1L;

    public PartitionFailedException(String topic, int partition, Throwable cause) {
        super(Persistence.NOT_PERSISTED, topic, partition, "partition " + topic + "-" + partition
                + " failed and refuses records until recoverFailedPartitions is called: "
                + (cause == null ? "" : cause.getMessage()), cause);
    }
}
