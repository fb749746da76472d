package dev.josef.kafka.benchmarks;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Send and acknowledgement times of one trial, kept in arrays allocated once so
 * that measuring allocates nothing per record.
 *
 * <p>Every trial writes to a fresh topic, with idempotence on and the partition
 * of each record fixed by the benchmark, after one priming record per partition.
 * So the k-th record sent to partition p lands at offset k + 1, and the offset a
 * callback reports finds its send time: both clients can share one stateless
 * callback instead of a capturing one per record. An offset outside the
 * expected range, or one acknowledged twice, counts as an error.
 *
 * <p>Threads: the sending thread owns {@code sent} and {@code sendNanos}; a
 * client's callback thread writes {@code ackNanos} slots and then bumps
 * {@code completed}, whose read by the sending thread publishes those slots.
 * {@link #reset} runs before the trial's producer starts its threads.
 */
final class AckRecorder {
    /** The priming record at offset 0 of every partition. */
    static final int BASE_OFFSET = 1;
    private static final long UNSET = Long.MIN_VALUE;

    private final int[] partitionOfSlot;
    private final long[][] sendNanos;
    private final long[][] ackNanos;
    private final int[] expected;
    private final int[] sent;
    private final long[] latencies;
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicReference<String> firstError = new AtomicReference<>();

    /**
     * @param partitionOfSlot the partition of each record in the pool; record i of a trial is slot
     *                        {@code i % partitionOfSlot.length}
     * @param maxRecords      the most records any trial sends
     */
    AckRecorder(int[] partitionOfSlot, int partitions, int maxRecords) {
        this.partitionOfSlot = partitionOfSlot.clone();
        this.expected = new int[partitions];
        this.sent = new int[partitions];
        int[] capacity = perPartition(maxRecords);
        this.sendNanos = new long[partitions][];
        this.ackNanos = new long[partitions][];
        for (int p = 0; p < partitions; p++) {
            sendNanos[p] = new long[capacity[p]];
            ackNanos[p] = new long[capacity[p]];
        }
        this.latencies = new long[maxRecords];
    }

    private int[] perPartition(int records) {
        int[] counts = new int[sent.length];
        for (int i = 0; i < records; i++) {
            counts[partitionOfSlot[i % partitionOfSlot.length]]++;
        }
        return counts;
    }

    /** Prepares for a trial of {@code records} records. */
    void reset(int records) {
        if (records > latencies.length) {
            throw new IllegalArgumentException("this recorder holds " + latencies.length + " records, not " + records);
        }
        int[] counts = perPartition(records);
        System.arraycopy(counts, 0, expected, 0, counts.length);
        Arrays.fill(sent, 0);
        for (long[] acks : ackNanos) {
            Arrays.fill(acks, UNSET);
        }
        completed.set(0);
        errors.set(0);
        firstError.set(null);
    }

    /** Takes the intended send time of the next record to {@code partition}; call just before sending it. */
    void sent(int partition) {
        sendNanos[partition][sent[partition]++] = System.nanoTime();
    }

    /** A client's callback: the partition and offset it reports, or the error. Any thread. */
    void acked(int partition, long offset, Throwable error) {
        long now = System.nanoTime();
        if (error != null) {
            fail(error.toString());
        } else {
            long k = offset - BASE_OFFSET;
            if (partition < 0 || partition >= expected.length || k < 0 || k >= expected[partition]) {
                fail("acknowledged at partition " + partition + " offset " + offset + ", which this trial did not send to");
            } else if (ackNanos[partition][(int) k] != UNSET) {
                fail("partition " + partition + " offset " + offset + " acknowledged twice");
            } else {
                ackNanos[partition][(int) k] = now;
            }
        }
        completed.incrementAndGet();
    }

    private void fail(String message) {
        errors.incrementAndGet();
        firstError.compareAndSet(null, message);
    }

    /** Waits, sleeping, until {@code count} records have an outcome. */
    boolean awaitCompleted(long count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (completed.get() < count) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(1);
        }
        return true;
    }

    long completed() {
        return completed.get();
    }

    long errors() {
        return errors.get();
    }

    /** The first error's description, or null. */
    String firstError() {
        return firstError.get();
    }

    /** The time of the last acknowledgement; after {@link #awaitCompleted} without errors. */
    long lastAckNanos() {
        long last = Long.MIN_VALUE;
        for (int p = 0; p < expected.length; p++) {
            for (int k = 0; k < expected[p]; k++) {
                last = Math.max(last, ackNanos[p][k]);
            }
        }
        return last;
    }

    /**
     * Send-to-acknowledgement latencies at the given quantiles (0 to 1), nearest
     * rank, in nanoseconds; after {@link #awaitCompleted} without errors.
     */
    long[] latencyQuantiles(double... quantiles) {
        int n = 0;
        for (int p = 0; p < expected.length; p++) {
            for (int k = 0; k < expected[p]; k++) {
                latencies[n++] = ackNanos[p][k] - sendNanos[p][k];
            }
        }
        Arrays.sort(latencies, 0, n);
        long[] result = new long[quantiles.length];
        for (int i = 0; i < quantiles.length; i++) {
            int rank = (int) Math.ceil(quantiles[i] * n);
            result[i] = n == 0 ? 0 : latencies[Math.min(n - 1, Math.max(0, rank - 1))];
        }
        return result;
    }
}
