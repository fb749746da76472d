package dev.josef.kafka.benchmarks;

import java.util.Random;

/** The same records for both clients: a 16-byte key and a value of the chosen size, from a fixed seed. */
final class BatchData {
    final byte[][] keys;
    final byte[][] values;
    final long baseTimestamp = 1_700_000_000_000L;

    BatchData(int records, int valueSize) {
        Random random = new Random(42);
        keys = new byte[records][];
        values = new byte[records][];
        for (int i = 0; i < records; i++) {
            keys[i] = new byte[16];
            random.nextBytes(keys[i]);
            values[i] = new byte[valueSize];
            random.nextBytes(values[i]);
        }
    }

    /** An upper bound on the batch's size, so neither builder has to grow its buffer. */
    int capacity() {
        int total = 128;
        for (int i = 0; i < keys.length; i++) {
            total += keys[i].length + values[i].length + 32;
        }
        return total;
    }
}
