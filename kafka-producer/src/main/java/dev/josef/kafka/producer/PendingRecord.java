package dev.josef.kafka.producer;

import java.util.concurrent.CompletableFuture;

/** A record between {@code produce} and its outcome. */
final class PendingRecord {
    final ProducerRecord record;
    final long timestamp;
    /** What it holds of the buffer: its encoded size, as reserved at produce. */
    final int size;
    final long enqueuedNanos;
    final long id;
    final CompletableFuture<RecordMetadata> future = new CompletableFuture<>();
    int partition = -1;

    PendingRecord(ProducerRecord record, long timestamp, int size, long enqueuedNanos, long id) {
        this.record = record;
        this.timestamp = timestamp;
        this.size = size;
        this.enqueuedNanos = enqueuedNanos;
        this.id = id;
    }
}
