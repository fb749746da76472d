package dev.josef.kafka.protocol.message;

import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.internal.WireWriter;

import java.nio.ByteBuffer;
import java.util.Objects;

/** Requests as they go on the wire: an int32 size, the request header, the body. */
public final class RequestFrames {
    private RequestFrames() {
    }

    /**
     * Encodes {@code body} at {@code version} behind the header version that
     * {@code version} calls for (v2 when flexible, v1 otherwise), size first.
     * The buffer is flipped for reading.
     */
    public static ByteBuffer encode(ApiMessage body, short version, int correlationId, String clientId) {
        Objects.requireNonNull(body, "body");
        ApiKey api = body.apiKey();
        short headerVersion = api.requestHeaderVersion(version);
        RequestHeader header = new RequestHeader()
                .setRequestApiKey(api.id())
                .setRequestApiVersion(version)
                .setCorrelationId(correlationId)
                .setClientId(clientId);
        int size = header.size(headerVersion) + body.size(version);
        ByteBuffer frame = ByteBuffer.allocate(4 + size);
        frame.putInt(size);
        WireWriter writer = new WireWriter(frame);
        header.write(writer, headerVersion);
        body.write(writer, version);
        return frame.flip();
    }
}
