package dev.josef.kafka.protocol.message;

import dev.josef.kafka.protocol.internal.WireWriter;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * A message generated from one of Kafka's JSON specs: a request, a response, a
 * header, or a data schema (consumer protocol, control records).
 */
public interface Message {

    short lowestSupportedVersion();

    short highestSupportedVersion();

    /** The encoded size at {@code version}, in bytes. */
    int size(short version);

    /** Encodes at {@code version}; the writer's buffer has at least {@link #size} bytes left. */
    void write(WireWriter writer, short version);

    /** Tagged fields read that this version of Josef does not know, in the order read. */
    List<RawTaggedField> unknownTaggedFields();

    /** Encodes into a new heap buffer, flipped for reading. */
    default ByteBuffer toByteBuffer(short version) {
        ByteBuffer buffer = ByteBuffer.allocate(size(version));
        write(new WireWriter(buffer), version);
        return buffer.flip();
    }
}
