package dev.josef.kafka.protocol;

/**
 * Memory to decompress record batches into, kept from one batch to the next so
 * that a consumer reading batch after batch does not allocate (and grow) a new
 * array for each. Pass it to {@link RecordBatch#cursor(DecodeBuffer)}.
 *
 * <p>The cursor's keys and values are views of this memory: they are valid
 * until the buffer decodes the next batch. Not thread-safe; one buffer serves
 * one thread, one batch at a time.
 */
public final class DecodeBuffer {
    private ByteArrayOutput output;

    /** The output to decompress into, emptied, able to take {@code limit} bytes. */
    ByteArrayOutput output(int initialCapacity, int limit) {
        if (output == null || output.limit() != limit || output.capacity() < initialCapacity) {
            output = new ByteArrayOutput(initialCapacity, limit);
        } else {
            output.reset();
        }
        return output;
    }

    /** The bytes it holds now, for the report of a consumer's memory. */
    public int capacity() {
        return output == null ? 0 : output.capacity();
    }
}
