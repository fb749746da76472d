package dev.josef.kafka.protocol.internal;

import dev.josef.kafka.protocol.Uuid;

import java.nio.ByteBuffer;

/**
 * Writes Kafka's wire primitives into a buffer that the caller sized with the
 * message's {@code size(version)}. Strings are encoded straight into the buffer.
 *
 * <p>Not thread-safe: one writer encodes one frame on one thread.
 */
public final class WireWriter {
    private final ByteBuffer buffer;

    public WireWriter(ByteBuffer buffer) {
        this.buffer = buffer;
    }

    public ByteBuffer buffer() {
        return buffer;
    }

    public void writeByte(byte value) {
        buffer.put(value);
    }

    public void writeBoolean(boolean value) {
        buffer.put(value ? (byte) 1 : (byte) 0);
    }

    public void writeShort(short value) {
        buffer.putShort(value);
    }

    public void writeUnsignedShort(int value) {
        buffer.putShort((short) value);
    }

    public void writeInt(int value) {
        buffer.putInt(value);
    }

    public void writeUnsignedInt(long value) {
        buffer.putInt((int) value);
    }

    public void writeLong(long value) {
        buffer.putLong(value);
    }

    public void writeDouble(double value) {
        buffer.putDouble(value);
    }

    public void writeUuid(Uuid value) {
        buffer.putLong(value.mostSignificantBits());
        buffer.putLong(value.leastSignificantBits());
    }

    public void writeUnsignedVarint(int value) {
        Varints.writeUnsignedVarint(value, buffer);
    }

    public void writeVarint(int value) {
        Varints.writeVarint(value, buffer);
    }

    public void writeVarlong(long value) {
        Varints.writeVarlong(value, buffer);
    }

    public void writeUtf8(String value) {
        Utf8.encode(value, buffer);
    }

    public void writeBytes(byte[] value) {
        buffer.put(value);
    }

    /** Writes the remaining bytes of {@code value} without moving its position. */
    public void writeBuffer(ByteBuffer value) {
        buffer.put(value.duplicate());
    }
}
