package dev.josef.kafka.protocol.internal;

import dev.josef.kafka.protocol.ProtocolException;
import dev.josef.kafka.protocol.Uuid;

import java.nio.ByteBuffer;

/**
 * Reads Kafka's wire primitives from a buffer, checking every length against the
 * bytes that remain before it reads or allocates anything. All malformed input
 * ends in a {@link ProtocolException}.
 *
 * <p>Not thread-safe: one reader decodes one frame on one thread.
 */
public final class WireReader {
    private final ByteBuffer buffer;

    public WireReader(ByteBuffer buffer) {
        this.buffer = buffer;
    }

    public ByteBuffer buffer() {
        return buffer;
    }

    public int remaining() {
        return buffer.remaining();
    }

    public int position() {
        return buffer.position();
    }

    private void require(int bytes, String what) {
        if (buffer.remaining() < bytes) {
            throw new ProtocolException("truncated data: " + what + " needs " + bytes
                    + " bytes but only " + buffer.remaining() + " remain");
        }
    }

    public byte readByte() {
        require(1, "int8");
        return buffer.get();
    }

    public boolean readBoolean() {
        return readByte() != 0;
    }

    public short readShort() {
        require(2, "int16");
        return buffer.getShort();
    }

    public int readUnsignedShort() {
        return Short.toUnsignedInt(readShort());
    }

    public int readInt() {
        require(4, "int32");
        return buffer.getInt();
    }

    public long readUnsignedInt() {
        return Integer.toUnsignedLong(readInt());
    }

    public long readLong() {
        require(8, "int64");
        return buffer.getLong();
    }

    public double readDouble() {
        require(8, "float64");
        return buffer.getDouble();
    }

    public Uuid readUuid() {
        require(16, "uuid");
        return new Uuid(buffer.getLong(), buffer.getLong());
    }

    public int readUnsignedVarint() {
        return Varints.readUnsignedVarint(buffer);
    }

    public int readVarint() {
        return Varints.readVarint(buffer);
    }

    public long readVarlong() {
        return Varints.readVarlong(buffer);
    }

    /** A compact length: the unsigned varint minus one, where -1 is null. */
    public int readCompactLength(String field) {
        int raw = readUnsignedVarint();
        if (raw < 0) {
            throw new ProtocolException(field + ": compact length " + Integer.toUnsignedString(raw) + " is too large");
        }
        return raw - 1;
    }

    public String readString(int length, String field) {
        checkLength(length, field);
        return Utf8.decode(buffer, length);
    }

    public byte[] readBytes(int length, String field) {
        checkLength(length, field);
        byte[] bytes = new byte[length];
        buffer.get(bytes);
        return bytes;
    }

    /** A read-only view of the next {@code length} bytes, sharing the frame's memory. */
    public ByteBuffer readSlice(int length, String field) {
        checkLength(length, field);
        ByteBuffer slice = buffer.slice(buffer.position(), length).asReadOnlyBuffer();
        buffer.position(buffer.position() + length);
        return slice;
    }

    public void skip(int length, String field) {
        checkLength(length, field);
        buffer.position(buffer.position() + length);
    }

    /**
     * Checks an array's element count before anything is allocated for it: each
     * element takes at least {@code minElementSize} bytes (at least one is assumed),
     * so a count that the remaining bytes cannot hold is refused.
     */
    public void checkArrayLength(int count, int minElementSize, String field) {
        if (count < 0) {
            throw new ProtocolException(field + ": negative array length " + count);
        }
        long needed = (long) count * Math.max(1, minElementSize);
        if (needed > buffer.remaining()) {
            throw new ProtocolException(field + ": array of " + count + " elements needs at least " + needed
                    + " bytes but only " + buffer.remaining() + " remain");
        }
    }

    private void checkLength(int length, String field) {
        if (length < 0) {
            throw new ProtocolException(field + ": negative length " + length);
        }
        if (length > buffer.remaining()) {
            throw new ProtocolException(field + ": length " + length + " but only "
                    + buffer.remaining() + " bytes remain");
        }
    }
}
