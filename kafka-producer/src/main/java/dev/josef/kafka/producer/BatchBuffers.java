package dev.josef.kafka.producer;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * Batch buffers of one size, kept for reuse up to a count: a batch costs no
 * allocation (and no zeroing) once the producer runs steadily. The lock is
 * taken once per batch, not per record.
 */
final class BatchBuffers {
    private final int capacity;
    private final int max;
    private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();

    BatchBuffers(int capacity, int max) {
        this.capacity = capacity;
        this.max = max;
    }

    int capacity() {
        return capacity;
    }

    ByteBuffer take() {
        ByteBuffer buffer;
        synchronized (free) {
            buffer = free.pollLast();
        }
        return buffer != null ? buffer.clear() : ByteBuffer.allocate(capacity);
    }

    void give(ByteBuffer buffer) {
        if (buffer.capacity() != capacity) {
            return;
        }
        synchronized (free) {
            if (free.size() < max) {
                free.addLast(buffer);
            }
        }
    }

    int pooled() {
        synchronized (free) {
            return free.size();
        }
    }
}
