package dev.josef.kafka.consumer;

import dev.josef.kafka.protocol.DecodeBuffer;

/**
 * The polling thread's memory for decompressing batches: one buffer, lent to
 * the fetch being read and given back when its batch is done. A fetch left half
 * read (a full poll, a paused partition) keeps its buffer, as its records still
 * point into it; the next fetch then gets a new one, which the pool keeps.
 * Confined to the polling thread (one thread polls at a time).
 */
final class DecodeBuffers {
    private DecodeBuffer spare = new DecodeBuffer();

    DecodeBuffer take() {
        DecodeBuffer b = spare;
        spare = null;
        return b != null ? b : new DecodeBuffer();
    }

    void give(DecodeBuffer b) {
        spare = b;
    }
}
