package dev.josef.kafka.net.internal;

import dev.josef.kafka.protocol.message.ApiMessage;

import java.util.concurrent.CompletableFuture;

/**
 * A request on its way: waiting for its connection, written, or awaiting its
 * response. Owned by the I/O thread from submission until it completes.
 */
final class PendingRequest {
    final ApiMessage body;
    final short maxVersion;
    final long deadlineNanos;
    final CompletableFuture<ApiMessage> future;
    short version;
    int correlationId;
    /** Set once the first byte of the request reached the socket. */
    boolean sent;

    PendingRequest(ApiMessage body, short maxVersion, long deadlineNanos, CompletableFuture<ApiMessage> future) {
        this.body = body;
        this.maxVersion = maxVersion;
        this.deadlineNanos = deadlineNanos;
        this.future = future;
    }

    String describe() {
        return body.apiKey().title() + (sent ? " v" + version + " (correlation id " + correlationId + ")" : "");
    }
}
