package dev.josef.kafka.compression;

import java.nio.ByteBuffer;

/**
 * The remaining bytes of a compressed buffer as an array range, which is what
 * aircompressor decodes from: a heap buffer's own array, not copied, or for a
 * direct or read-only buffer a copy in the thread's scratch.
 */
record CompressedInput(byte[] array, int start, int limit) {

    static CompressedInput of(ByteBuffer compressed, Scratch scratch) {
        ByteBuffer source = compressed.duplicate();
        int length = source.remaining();
        if (source.hasArray()) {
            int start = source.arrayOffset() + source.position();
            return new CompressedInput(source.array(), start, start + length);
        }
        byte[] copy = scratch.second(length);
        source.get(copy, 0, length);
        return new CompressedInput(copy, 0, length);
    }
}
