package dev.josef.kafka.consumer.spi;

/** The built-in handlers, {@code skip} and {@code stop}. */
final class BuiltInCorruptionHandler implements BatchCorruptionHandler {
    static final BuiltInCorruptionHandler SKIP = new BuiltInCorruptionHandler("skip", Decision.SKIP);
    static final BuiltInCorruptionHandler STOP = new BuiltInCorruptionHandler("stop", Decision.STOP);

    private final String name;
    private final Decision decision;

    private BuiltInCorruptionHandler(String name, Decision decision) {
        this.name = name;
        this.decision = decision;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Decision onCorruptBatch(CorruptBatch batch) {
        return decision;
    }

    @Override
    public String toString() {
        return name;
    }
}
