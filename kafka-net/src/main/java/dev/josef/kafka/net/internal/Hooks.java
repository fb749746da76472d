package dev.josef.kafka.net.internal;

import dev.josef.kafka.net.spi.ClientHook;
import dev.josef.kafka.protocol.ApiKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Calls a client's hooks: off the I/O thread (on the callback executor, which
 * runs one task at a time, so events keep their order), each guarded so that a
 * failing hook is logged and harms nothing else.
 */
final class Hooks {
    private static final Logger LOG = LoggerFactory.getLogger(Hooks.class);

    private final List<ClientHook> hooks;
    private final Executor executor;
    private final String clientId;

    Hooks(List<ClientHook> hooks, Executor executor, String clientId) {
        this.hooks = hooks.stream().sorted(Comparator.comparingInt(Hooks::orderOf)).toList();
        this.executor = executor;
        this.clientId = clientId;
    }

    /** The hooks that ServiceLoader finds; a provider that fails to load is logged and skipped. */
    static List<ClientHook> installed() {
        return Providers.collect(ServiceLoader.load(ClientHook.class).iterator(), "ClientHook");
    }

    boolean isEmpty() {
        return hooks.isEmpty();
    }

    void connected(String broker) {
        each(h -> h.onConnect(clientId, broker));
    }

    void disconnected(String broker, Throwable cause) {
        each(h -> h.onDisconnect(clientId, broker, cause));
    }

    void requestWritten(String broker, ApiKey api, short version, int bytes) {
        each(h -> h.onRequestWritten(clientId, broker, api, version, bytes));
    }

    void responseRead(String broker, ApiKey api, short version, int bytes, long latencyNanos) {
        each(h -> h.onResponseRead(clientId, broker, api, version, bytes, latencyNanos));
    }

    private void each(Consumer<ClientHook> call) {
        if (hooks.isEmpty()) {
            return;
        }
        executor.execute(() -> {
            for (ClientHook hook : hooks) {
                try {
                    call.accept(hook);
                } catch (RuntimeException | LinkageError e) {
                    LOG.warn("client {}: hook {} failed; ignoring it for this event", clientId, hook.getClass().getName(), e);
                }
            }
        });
    }

    private static int orderOf(ClientHook hook) {
        try {
            return hook.order();
        } catch (RuntimeException e) {
            return 0;
        }
    }
}
