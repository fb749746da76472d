package dev.josef.kafka.net.internal;

import dev.josef.kafka.net.spi.ClientHook;
import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.internal.Providers;

import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Calls a client's connection hooks off the I/O thread (on the callback
 * executor, which runs one task at a time, so events keep their order), through
 * {@link GuardedHooks}.
 */
final class Hooks {
    private final GuardedHooks<ClientHook> hooks;
    private final Executor executor;
    private final String clientId;

    Hooks(List<ClientHook> hooks, Executor executor, String clientId) {
        this.hooks = new GuardedHooks<>(Providers.ordered(hooks, java.util.Collections.emptyIterator(), "ClientHook",
                ClientHook::order), "client " + clientId);
        this.executor = executor;
        this.clientId = clientId;
    }

    /** The given hooks and those ServiceLoader finds (a provider that fails to load is skipped); sorted here, when used. */
    static List<ClientHook> withInstalled(List<ClientHook> given) {
        List<ClientHook> all = new java.util.ArrayList<>(given);
        all.addAll(Providers.all(ServiceLoader.load(ClientHook.class).iterator(), "ClientHook"));
        return all;
    }

    boolean isEmpty() {
        return hooks.isEmpty();
    }

    void connected(String broker) {
        each("onConnect", h -> h.onConnect(clientId, broker));
    }

    void disconnected(String broker, Throwable cause) {
        each("onDisconnect", h -> h.onDisconnect(clientId, broker, cause));
    }

    void requestWritten(String broker, ApiKey api, short version, int bytes) {
        each("onRequestWritten", h -> h.onRequestWritten(clientId, broker, api, version, bytes));
    }

    void responseRead(String broker, ApiKey api, short version, int bytes, long latencyNanos) {
        each("onResponseRead", h -> h.onResponseRead(clientId, broker, api, version, bytes, latencyNanos));
    }

    private void each(String event, Consumer<ClientHook> call) {
        if (hooks.isEmpty()) {
            return;
        }
        executor.execute(() -> hooks.each(event, call));
    }
}
