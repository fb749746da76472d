package dev.josef.kafka.protocol.message;

import dev.josef.kafka.protocol.internal.WireWriter;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
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
        short headerVersion = body.apiKey().requestHeaderVersion(version);
        RequestHeader header = header(body, version, correlationId, clientId);
        int size = header.size(headerVersion) + body.size(version);
        ByteBuffer frame = ByteBuffer.allocate(4 + size);
        frame.putInt(size);
        WireWriter writer = new WireWriter(frame);
        header.write(writer, headerVersion);
        body.write(writer, version);
        return frame.flip();
    }

    /**
     * As {@link #encode}, for a gathering write: the record batches of a Produce
     * request of at least {@link #GATHER_AT_LEAST} bytes are not copied into the
     * frame but stand between its pieces, which a socket writes in one call. Every
     * other request comes back as one piece. The batches' buffers must not change
     * until the frame is written.
     */
    public static ByteBuffer[] encodeGathering(ApiMessage body, short version, int correlationId, String clientId) {
        Objects.requireNonNull(body, "body");
        long gathered = 0;
        if (body instanceof ProduceRequest produce) {
            for (ProduceRequest.TopicProduceData topic : produce.topicData()) {
                for (ProduceRequest.PartitionProduceData partition : topic.partitionData()) {
                    ByteBuffer records = partition.records();
                    if (records != null && records.remaining() >= GATHER_AT_LEAST) {
                        gathered += records.remaining();
                    }
                }
            }
        }
        if (gathered == 0) {
            return new ByteBuffer[] {encode(body, version, correlationId, clientId)};
        }
        short headerVersion = body.apiKey().requestHeaderVersion(version);
        RequestHeader header = header(body, version, correlationId, clientId);
        int size = header.size(headerVersion) + body.size(version);
        ByteBuffer rest = ByteBuffer.allocate((int) (4 + size - gathered));
        List<ByteBuffer> pieces = new ArrayList<>();
        WireWriter writer = new WireWriter(rest, pieces, GATHER_AT_LEAST);
        writer.writeInt(size);
        header.write(writer, headerVersion);
        body.write(writer, version);
        writer.finishPieces();
        return pieces.toArray(new ByteBuffer[0]);
    }

    /** Record batches at least this large are written from where they are, not copied into the frame. */
    public static final int GATHER_AT_LEAST = 1024;

    private static RequestHeader header(ApiMessage body, short version, int correlationId, String clientId) {
        return new RequestHeader()
                .setRequestApiKey(body.apiKey().id())
                .setRequestApiVersion(version)
                .setCorrelationId(correlationId)
                .setClientId(clientId);
    }
}
