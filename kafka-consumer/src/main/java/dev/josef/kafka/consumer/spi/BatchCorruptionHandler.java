package dev.josef.kafka.consumer.spi;

/**
 * Decides what a consumer does with a fetched batch that failed its CRC, would
 * not decompress, or decompressed past the consumer's cap (behaviour 4 of
 * Josef's design). Either way the poll reports a
 * {@link dev.josef.kafka.consumer.CorruptBatchException} with the batch's
 * offsets: a corrupt batch never stalls a consumer silently.
 *
 * <p>Chosen by {@link #name()} with the {@code batch.corruption.handler}
 * setting (built in: {@code skip}, the default, and {@code stop}; others are
 * found with ServiceLoader), or passed to the consumer's builder. Called on the
 * thread that polls; a handler that throws counts as {@link Decision#STOP}.
 */
public interface BatchCorruptionHandler {
    /** What the consumer does after a corrupt batch. */
    enum Decision {
        /** Report the error and go on at the batch's next offset. */
        SKIP,
        /** Report the error and return nothing more of the partition until the application seeks. */
        STOP
    }

    /** The name the {@code batch.corruption.handler} setting chooses this handler by. */
    String name();

    Decision onCorruptBatch(CorruptBatch batch);

    /** Skips the batch and goes on: the default. */
    static BatchCorruptionHandler skip() {
        return BuiltInCorruptionHandler.SKIP;
    }

    /** Stops the partition at the batch until the application seeks. */
    static BatchCorruptionHandler stop() {
        return BuiltInCorruptionHandler.STOP;
    }

    /**
     * A built-in handler by name.
     *
     * @throws IllegalArgumentException for a name that is not built in
     */
    static BatchCorruptionHandler builtIn(String name) {
        return switch (name) {
            case "skip" -> BuiltInCorruptionHandler.SKIP;
            case "stop" -> BuiltInCorruptionHandler.STOP;
            default -> throw new IllegalArgumentException("no built-in batch corruption handler is named '" + name
                + "' (built in: skip, stop)");
        };
    }
}
