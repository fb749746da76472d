package dev.josef.kafka.producer.spi;

import dev.josef.kafka.producer.ProduceException;

import java.util.Objects;

/**
 * A record batch that failed for good, as an {@link OrderingPolicy} sees it.
 *
 * @param topic           the partition's topic
 * @param partition       the partition
 * @param error           why the batch failed; a {@code DataLossException} when {@link #dataLoss()}
 * @param failedRecords   how many records the failed batch held
 * @param bufferedRecords how many later records of the partition are buffered or in flight behind it
 * @param dataLoss        whether records this producer had acknowledged may be gone from the log
 */
public record PartitionFailure(String topic, int partition, ProduceException error, int failedRecords,
                               int bufferedRecords, boolean dataLoss) {
    public PartitionFailure {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(error, "error");
    }
}
