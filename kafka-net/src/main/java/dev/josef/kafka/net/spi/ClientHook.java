package dev.josef.kafka.net.spi;

import dev.josef.kafka.protocol.ApiKey;

/**
 * Observes a client's connections and requests, for metrics and tracing
 * (kafka-otel builds on it). Every hook found with {@link java.util.ServiceLoader}
 * or given to a client's builder is called, in ascending {@link #order()}.
 *
 * <p>Hooks run on the client's callback thread, never on its I/O thread, one
 * event at a time and in the order the events happened. They must be fast and
 * thread-safe (one hook may serve several clients); an exception from a hook
 * is logged and does not reach the client or the other hooks.
 */
public interface ClientHook extends Hook {


    /** A connection to a broker is ready for requests (TLS, versions and SASL done). */
    default void onConnect(String clientId, String broker) {
    }

    /** A connection closed; {@code cause} is null for a close the client chose (idle, shutdown). */
    default void onDisconnect(String clientId, String broker, Throwable cause) {
    }

    /** A request went out: its API, version and size in bytes, size prefix included. */
    default void onRequestWritten(String clientId, String broker, ApiKey api, short version, int bytes) {
    }

    /** Its response came back, {@code latencyNanos} after the request was handed to the socket. */
    default void onResponseRead(String clientId, String broker, ApiKey api, short version, int bytes, long latencyNanos) {
    }
}
