package dev.josef.kafka.protocol.internal;

import dev.josef.kafka.protocol.Uuid;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * Writes Kafka's wire primitives into a buffer that the caller sized with the
 * message's {@code size(version)}. Strings are encoded straight into the buffer.
 *
 * <p>Not thread-safe: one writer encodes one frame on one thread.
 */
public final class WireWriter {
    private final ByteBuffer buffer;
    /** With gathering: the frame's pieces so far, in order; null without. */
    private final List<ByteBuffer> pieces;
    private final int gatherAtLeast;
    private int pieceStart;

    public WireWriter(ByteBuffer buffer) {
        this.buffer = buffer;
        this.pieces = null;
        this.gatherAtLeast = Integer.MAX_VALUE;
    }

    /**
     * A writer that leaves byte buffers of at least {@code gatherAtLeast} bytes
     * where they are: {@code buffer} gets everything else (size it without them),
     * and {@code pieces} gets the frame as slices of {@code buffer} with those
     * buffers in between, for a gathering write. Call {@link #finishPieces()} at the end.
     */
    public WireWriter(ByteBuffer buffer, List<ByteBuffer> pieces, int gatherAtLeast) {
        this.buffer = buffer;
        this.pieces = pieces;
        this.gatherAtLeast = gatherAtLeast;
        this.pieceStart = buffer.position();
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
        if (pieces != null && value.remaining() >= gatherAtLeast) {
            closePiece();
            pieces.add(value.duplicate());
        } else {
            buffer.put(value.duplicate());
        }
    }

    /** Adds what was written since the last gathered buffer as the frame's last piece. */
    public void finishPieces() {
        closePiece();
    }

    private void closePiece() {
        if (buffer.position() > pieceStart) {
            pieces.add(buffer.duplicate().position(pieceStart).limit(buffer.position()).slice());
        }
        pieceStart = buffer.position();
    }
}
