package dev.josef.kafka.otel;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * The clients of one kind that are open, by client id, each with the view it
 * handed over at {@code onOpen}. Client ids need not be unique (a configured
 * {@code client.id} is often shared): each open client is its own entry, and
 * one closing leaves the others.
 *
 * <p>Thread-safe: an id's entries are an immutable list, replaced atomically.
 */
final class OpenClients<V> {
    private final Map<String, List<V>> byId = new ConcurrentHashMap<>();

    void open(String clientId, V view) {
        byId.compute(clientId, (id, views) -> {
            List<V> more = views == null ? new ArrayList<>(1) : new ArrayList<>(views);
            more.add(view);
            return List.copyOf(more);
        });
    }

    /** @return whether {@code view} was open under {@code clientId} */
    boolean close(String clientId, V view) {
        boolean[] found = new boolean[1];
        byId.computeIfPresent(clientId, (id, views) -> {
            List<V> fewer = new ArrayList<>(views);
            found[0] = fewer.removeIf(v -> v == view);
            return fewer.isEmpty() ? null : List.copyOf(fewer);
        });
        return found[0];
    }

    /** Whether a client with this id is open. */
    boolean contains(String clientId) {
        return byId.containsKey(clientId);
    }

    /** Whether {@code view} is open under {@code clientId}. */
    boolean contains(String clientId, V view) {
        List<V> views = byId.get(clientId);
        return views != null && views.stream().anyMatch(v -> v == view);
    }

    /** The first open client with this id, or null (for what events carry only the id of). */
    V first(String clientId) {
        List<V> views = byId.get(clientId);
        return views == null ? null : views.get(0);
    }

    void forEach(BiConsumer<String, V> each) {
        byId.forEach((id, views) -> views.forEach(v -> each.accept(id, v)));
    }
}
