package dev.josef.kafka.net.internal;

import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.message.ApiMessage;

import java.util.concurrent.CompletableFuture;
import java.util.function.IntFunction;

/**
 * A request on its way: waiting for its connection, written, or awaiting its
 * response. Owned by the I/O thread from submission until it completes.
 */
final class PendingRequest {
    final ApiKey api;
    /** The body at the negotiated version: some fields exist only in some versions. */
    final IntFunction<ApiMessage> bodyForVersion;
    final short maxVersion;
    final long deadlineNanos;
    final CompletableFuture<ApiMessage> future;
    /**
     * False for a request the broker does not answer (Produce with acks=0): it
     * completes, with no message, once its last byte reached the socket.
     */
    final boolean expectsResponse;
    short version;
    int correlationId;
    /** Set once the first byte of the request reached the socket. */
    boolean sent;
    long sentAtNanos;

    PendingRequest(ApiMessage body, short maxVersion, long deadlineNanos, CompletableFuture<ApiMessage> future) {
        this(body.apiKey(), v -> body, maxVersion, deadlineNanos, future);
    }

    PendingRequest(ApiKey api, IntFunction<ApiMessage> bodyForVersion, short maxVersion, long deadlineNanos,
                   CompletableFuture<ApiMessage> future) {
        this(api, bodyForVersion, maxVersion, deadlineNanos, future, true);
    }

    PendingRequest(ApiKey api, IntFunction<ApiMessage> bodyForVersion, short maxVersion, long deadlineNanos,
                   CompletableFuture<ApiMessage> future, boolean expectsResponse) {
        this.api = api;
        this.bodyForVersion = bodyForVersion;
        this.maxVersion = maxVersion;
        this.deadlineNanos = deadlineNanos;
        this.future = future;
        this.expectsResponse = expectsResponse;
    }

    String describe() {
        return api.title() + (sent ? " v" + version + " (correlation id " + correlationId + ")" : "");
    }
}
