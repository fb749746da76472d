package dev.josef.kafka.producer;

import dev.josef.kafka.producer.spi.OrderingPolicy;
import dev.josef.kafka.producer.spi.PartitionFailure;

/** A test provider: pauses a partition that lost data, goes on after any other failure. */
public final class PauseOnDataLossPolicy implements OrderingPolicy {
    @Override
    public String name() {
        return "test-pause-on-data-loss";
    }

    @Override
    public Action onFailure(PartitionFailure failure) {
        return failure.dataLoss() ? Action.PAUSE_PARTITION : Action.CONTINUE;
    }
}
