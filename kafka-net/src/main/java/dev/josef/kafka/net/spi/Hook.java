package dev.josef.kafka.net.spi;

/**
 * The root of Josef's hook family: {@link ClientHook} observes connections and
 * requests, {@code ProducerHook} a producer's records and batches,
 * {@code ConsumerHook} a consumer's fetches and polls. One object may be
 * several of them (a tracing or metrics plug-in); a client's builder takes it
 * with one {@code hook(Hook)} call and gives each role it has to the part of
 * the client it observes.
 */
public interface Hook {

    /** Lower runs first; 0 by default. Shared by every role, so one plug-in has one order. */
    default int order() {
        return 0;
    }

    /**
     * Asked once, when a client is built: a hook that answers false is left out
     * of that client altogether (every role: connection, producer, consumer and
     * rebalance hooks), so a plug-in switched off by its configuration costs the
     * client's hot path nothing. True by default.
     */
    default boolean enabled() {
        return true;
    }
}
