package dev.josef.kafka.producer;

/**
 * Compressed over uncompressed size, as a topic's batches showed. A batch is
 * full when its records would take {@code batch.size} on the wire, as in
 * kafka-clients: with compression a batch holds more records than batch.size
 * bytes. Worse news is believed at once, better news slowly; never below 1/4.
 * One per topic, shared by its partitions; racy updates only blur the estimate.
 */
final class CompressionRatio {
    /** The lowest ratio batches are sized by: a batch holds at most 4 x batch.size before compression. */
    private static final double MIN_COMPRESSION_RATIO = 0.25;

    private final boolean compressed;
    private volatile double ratio = 1.0;

    CompressionRatio(boolean compressed) {
        this.compressed = compressed;
    }

    int wireSize(int uncompressed) {
        return (int) (uncompressed * ratio);
    }

    void observe(int uncompressed, int compressedSize) {
        if (!compressed || uncompressed <= 0) {
            return;
        }
        double seen = (double) compressedSize / uncompressed;
        double current = ratio;
        ratio = Math.max(MIN_COMPRESSION_RATIO, seen >= current ? seen : current - (current - seen) * 0.1);
    }
}
