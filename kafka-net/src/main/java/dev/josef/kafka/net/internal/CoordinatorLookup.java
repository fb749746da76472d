package dev.josef.kafka.net.internal;

import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.RetriableException;
import dev.josef.kafka.protocol.message.ApiMessage;
import dev.josef.kafka.protocol.message.FindCoordinatorRequest;
import dev.josef.kafka.protocol.message.FindCoordinatorResponse;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;

/**
 * Finds and remembers the coordinators of groups and transactional ids for a
 * {@link NetworkClient}: FindCoordinator to any broker, retried with backoff
 * on the client's own timers while the answer is retriable
 * (COORDINATOR_NOT_AVAILABLE while a fresh cluster creates its internal
 * topics, say), until the request timeout has passed. Thread-safe.
 */
final class CoordinatorLookup {
    private record Key(NetworkClient.CoordinatorType type, String key) {
    }

    private final NetworkClient client;
    private final ConcurrentHashMap<Key, CompletableFuture<Integer>> found = new ConcurrentHashMap<>();

    CoordinatorLookup(NetworkClient client) {
        this.client = client;
    }

    /** The coordinator's node id; a lookup that fails is not remembered. */
    CompletableFuture<Integer> coordinator(NetworkClient.CoordinatorType type, String key) {
        Key k = new Key(Objects.requireNonNull(type, "type"), Objects.requireNonNull(key, "key"));
        CompletableFuture<Integer> lookup = found.computeIfAbsent(k, this::find);
        lookup.whenComplete((id, error) -> {
            if (error != null) {
                found.remove(k, lookup);
            }
        });
        return lookup;
    }

    void invalidate(NetworkClient.CoordinatorType type, String key) {
        found.remove(new Key(type, key));
    }

    private CompletableFuture<Integer> find(Key k) {
        long deadline = client.clock().nanoTime() + client.requestTimeout().toNanos();
        return find(k, 0, deadline);
    }

    private CompletableFuture<Integer> find(Key k, int attempt, long deadline) {
        return findOnce(k).handle((id, error) -> {
            Throwable cause = error instanceof CompletionException ? error.getCause() : error;
            if (cause == null) {
                return CompletableFuture.completedFuture(id);
            }
            long backoffMillis = Backoff.exponential(attempt, 50, 1000);
            if (cause instanceof RetriableException && !client.isClosed()
                    && client.clock().nanoTime() + backoffMillis * 1_000_000 - deadline < 0) {
                return client.delay(Duration.ofMillis(backoffMillis)).thenCompose(ignored -> find(k, attempt + 1, deadline));
            }
            return CompletableFuture.<Integer>failedFuture(cause);
        }).thenCompose(f -> f);
    }

    private CompletableFuture<Integer> findOnce(Key k) {
        // v4 (KIP-699) carries a list of keys where v0-3 carried one.
        IntFunction<ApiMessage> body = version -> version >= 4
                ? new FindCoordinatorRequest().setKeyType(k.type().keyType).setCoordinatorKeys(List.of(k.key()))
                : new FindCoordinatorRequest().setKeyType(k.type().keyType).setKey(k.key());
        return client.send(NetworkClient.ANY_BROKER, ChannelKind.OTHER, ApiKey.FIND_COORDINATOR, body,
                        ApiKey.FIND_COORDINATOR.latestStableVersion())
                .thenCompose(response -> {
                    FindCoordinatorResponse r = (FindCoordinatorResponse) response;
                    short error;
                    int nodeId;
                    String message;
                    if (!r.coordinators().isEmpty()) {
                        FindCoordinatorResponse.Coordinator c = r.coordinators().get(0);
                        error = c.errorCode();
                        nodeId = c.nodeId();
                        message = c.errorMessage();
                    } else {
                        error = r.errorCode();
                        nodeId = r.nodeId();
                        message = r.errorMessage();
                    }
                    if (error != ErrorCode.NONE.code()) {
                        return CompletableFuture.failedFuture(ErrorCode.exception(error,
                                k.type().name().toLowerCase(Locale.ROOT) + " coordinator for '" + k.key() + "'"
                                        + (message == null ? "" : ": " + message)));
                    }
                    if (client.metadata().brokers().containsKey(nodeId)) {
                        return CompletableFuture.completedFuture(nodeId);
                    }
                    return client.refreshMetadata().thenApply(m -> nodeId);
                });
    }
}
