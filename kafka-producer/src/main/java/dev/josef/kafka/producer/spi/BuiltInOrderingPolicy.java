package dev.josef.kafka.producer.spi;

import java.util.List;

/** The three built-in policies: one action, whatever the failure. */
final class BuiltInOrderingPolicy implements OrderingPolicy {
    static final BuiltInOrderingPolicy CONTINUE = new BuiltInOrderingPolicy("continue", Action.CONTINUE);
    static final BuiltInOrderingPolicy FAIL = new BuiltInOrderingPolicy("fail-partition", Action.FAIL_PARTITION);
    static final BuiltInOrderingPolicy PAUSE = new BuiltInOrderingPolicy("pause-partition", Action.PAUSE_PARTITION);
    static final List<OrderingPolicy> ALL = List.of(CONTINUE, FAIL, PAUSE);

    private final String name;
    private final Action action;

    private BuiltInOrderingPolicy(String name, Action action) {
        this.name = name;
        this.action = action;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Action onFailure(PartitionFailure failure) {
        return action;
    }

    @Override
    public String toString() {
        return name;
    }
}
