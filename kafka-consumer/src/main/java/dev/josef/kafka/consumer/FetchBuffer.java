package dev.josef.kafka.consumer;

import dev.josef.kafka.protocol.TopicPartition;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Map;

/**
 * Fetch answers waiting for the application, in arrival order, and the bytes
 * they hold (what {@link ConsumerConfig#maxBufferedBytes()} bounds).
 *
 * <p>Threads: guarded by the consumer's lock ({@link Fetcher#lock}). The
 * fetcher thread adds answers; the polling thread takes them out to decode
 * (outside the lock) and puts back what it did not finish.
 */
final class FetchBuffer {
    private final ArrayDeque<CompletedFetch> fetches = new ArrayDeque<>();
    private long bytes;

    void add(CompletedFetch f) {
        f.state.buffered++;
        bytes += f.bytes;
        fetches.add(f);
    }

    /** A fetch taken out and read only in part goes back first, ahead of its partition's later fetches. */
    void putBack(CompletedFetch f) {
        fetches.addFirst(f);
    }

    /** A fetch taken out is done with: its bytes are free. */
    void release(CompletedFetch f) {
        bytes -= f.bytes;
        f.state.buffered--;
    }

    /**
     * The first fetch the application may read now, taken out: one of a paused
     * partition, or of one that already has an error in this poll, stays.
     * Fetches made void (sought, reset, unassigned) are released on the way.
     */
    CompletedFetch takeNext(Map<TopicPartition, PartitionState> partitions, Map<TopicPartition, ?> errors) {
        Iterator<CompletedFetch> it = fetches.iterator();
        while (it.hasNext()) {
            CompletedFetch f = it.next();
            PartitionState s = f.state;
            if (partitions.get(s.partition) != s || s.generation != f.generation) {
                it.remove();
                release(f);
                continue;
            }
            if (s.paused || errors.containsKey(s.partition)) {
                continue;
            }
            it.remove();
            return f;
        }
        return null;
    }

    /** Releases fetches whose partition moved (seek, reset) or left; whether there were any. */
    boolean dropVoided(Map<TopicPartition, PartitionState> partitions) {
        boolean dropped = false;
        Iterator<CompletedFetch> it = fetches.iterator();
        while (it.hasNext()) {
            CompletedFetch f = it.next();
            if (f.generation != f.state.generation || partitions.get(f.state.partition) != f.state) {
                it.remove();
                release(f);
                dropped = true;
            }
        }
        return dropped;
    }

    /** Releases everything (on close). */
    void clear() {
        CompletedFetch f;
        while ((f = fetches.poll()) != null) {
            release(f);
        }
    }

    long bytes() {
        return bytes;
    }

    int size() {
        return fetches.size();
    }
}
