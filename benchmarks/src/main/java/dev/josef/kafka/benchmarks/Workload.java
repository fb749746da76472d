package dev.josef.kafka.benchmarks;

import org.apache.kafka.common.utils.Utils;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The records of the end-to-end benchmark, the same for both clients: a pool of
 * 16-byte text keys, each with the partition kafka-clients' default partitioner
 * would choose for it (murmur2 of the key), and values cut from a stream of
 * JSON-like log lines, so that compression meets realistic ratios. Trials cycle
 * through the pool; it is large enough that no batch repeats a value.
 */
final class Workload {
    static final int POOL_SIZE = 4096;
    static final int KEY_SIZE = 16;

    private final byte[][] keys = new byte[POOL_SIZE][];
    private final int[] partitions = new int[POOL_SIZE];

    Workload(int partitionCount) {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < POOL_SIZE; i++) {
            keys[i] = String.format(Locale.ROOT, "user-%011d", random.nextInt(100_000_000))
                    .getBytes(StandardCharsets.US_ASCII);
            partitions[i] = Utils.toPositive(Utils.murmur2(keys[i])) % partitionCount;
        }
    }

    int poolSize() {
        return POOL_SIZE;
    }

    /** Record {@code i} of a trial uses pool slot {@code i & slotMask()}. */
    int slotMask() {
        return POOL_SIZE - 1;
    }

    byte[] key(int slot) {
        return keys[slot];
    }

    int partition(int slot) {
        return partitions[slot];
    }

    int[] partitions() {
        return partitions.clone();
    }

    /** One value of {@code size} bytes per slot, consecutive pieces of the same text. */
    static byte[][] values(int size) {
        byte[] text = CodecBenchmark.text(POOL_SIZE * size);
        byte[][] values = new byte[POOL_SIZE][];
        for (int i = 0; i < POOL_SIZE; i++) {
            values[i] = Arrays.copyOfRange(text, i * size, (i + 1) * size);
        }
        return values;
    }
}
