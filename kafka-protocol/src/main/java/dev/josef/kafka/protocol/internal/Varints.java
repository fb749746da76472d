package dev.josef.kafka.protocol.internal;

import dev.josef.kafka.protocol.ProtocolException;

import java.nio.ByteBuffer;

/**
 * Kafka's variable-length integers: unsigned LEB128 ("unsigned varint"), and the
 * zigzag-encoded signed forms used inside record batches.
 *
 * <p>Sizes are computed without branches from the number of significant bits;
 * reads check every byte against the buffer and refuse encodings longer than the
 * type allows, so a hostile frame can neither loop nor over-read.
 */
public final class Varints {
    private Varints() {
    }

    public static int sizeOfUnsignedVarint(int value) {
        // value | 1 keeps zero at one significant bit, so it takes one byte.
        int bits = Integer.SIZE - Integer.numberOfLeadingZeros(value | 1);
        return (bits + 6) / 7;
    }

    public static int sizeOfVarint(int value) {
        return sizeOfUnsignedVarint((value << 1) ^ (value >> 31));
    }

    public static int sizeOfUnsignedVarlong(long value) {
        int bits = Long.SIZE - Long.numberOfLeadingZeros(value | 1L);
        return (bits + 6) / 7;
    }

    public static int sizeOfVarlong(long value) {
        return sizeOfUnsignedVarlong((value << 1) ^ (value >> 63));
    }

    public static void writeUnsignedVarint(int value, ByteBuffer buffer) {
        while ((value & ~0x7F) != 0) {
            buffer.put((byte) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        buffer.put((byte) value);
    }

    public static void writeVarint(int value, ByteBuffer buffer) {
        writeUnsignedVarint((value << 1) ^ (value >> 31), buffer);
    }

    public static void writeUnsignedVarlong(long value, ByteBuffer buffer) {
        while ((value & ~0x7FL) != 0) {
            buffer.put((byte) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        buffer.put((byte) value);
    }

    public static void writeVarlong(long value, ByteBuffer buffer) {
        writeUnsignedVarlong((value << 1) ^ (value >> 63), buffer);
    }

    /** Reads an unsigned varint of at most 5 bytes; values above 2^31-1 come back negative. */
    public static int readUnsignedVarint(ByteBuffer buffer) {
        // Most varints in records (attributes, deltas, lengths, header counts) are
        // one byte: take those with one bounds check.
        int position = buffer.position();
        if (position < buffer.limit()) {
            byte b = buffer.get(position);
            if (b >= 0) {
                buffer.position(position + 1);
                return b;
            }
        }
        return readUnsignedVarintSlowly(buffer);
    }

    private static int readUnsignedVarintSlowly(ByteBuffer buffer) {
        int value = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            if (!buffer.hasRemaining()) {
                throw new ProtocolException("truncated varint: the data ends inside it");
            }
            byte b = buffer.get();
            value |= (b & 0x7F) << shift;
            if (b >= 0) {
                if (shift == 28 && (b & 0x70) != 0) {
                    throw new ProtocolException("varint does not fit in 32 bits");
                }
                return value;
            }
        }
        throw new ProtocolException("varint longer than 5 bytes");
    }

    public static int readVarint(ByteBuffer buffer) {
        int raw = readUnsignedVarint(buffer);
        return (raw >>> 1) ^ -(raw & 1);
    }

    public static long readUnsignedVarlong(ByteBuffer buffer) {
        int position = buffer.position();
        if (position < buffer.limit()) {
            byte b = buffer.get(position);
            if (b >= 0) {
                buffer.position(position + 1);
                return b;
            }
        }
        return readUnsignedVarlongSlowly(buffer);
    }

    private static long readUnsignedVarlongSlowly(ByteBuffer buffer) {
        long value = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            if (!buffer.hasRemaining()) {
                throw new ProtocolException("truncated varlong: the data ends inside it");
            }
            byte b = buffer.get();
            value |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                if (shift == 63 && (b & 0x7E) != 0) {
                    throw new ProtocolException("varlong does not fit in 64 bits");
                }
                return value;
            }
        }
        throw new ProtocolException("varlong longer than 10 bytes");
    }

    public static long readVarlong(ByteBuffer buffer) {
        long raw = readUnsignedVarlong(buffer);
        return (raw >>> 1) ^ -(raw & 1);
    }
}
