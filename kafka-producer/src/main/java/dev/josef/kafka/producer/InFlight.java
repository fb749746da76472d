package dev.josef.kafka.producer;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The batches in requests not yet answered. Sender thread only. */
final class InFlight {
    private final Set<Batch> batches = new LinkedHashSet<>();

    void add(Batch b) {
        batches.add(b);
    }

    void remove(Batch b) {
        batches.remove(b);
    }

    /** The records of the partition's batches in flight. */
    int records(PartitionQueue pq) {
        int records = 0;
        for (Batch q : batches) {
            if (q.owner == pq) {
                records += q.recordCount();
            }
        }
        return records;
    }

    /** Whether a batch of the partition with a sequence before {@code sequence} is in flight. */
    boolean before(PartitionQueue pq, int sequence) {
        for (Batch q : batches) {
            if (q.owner == pq && q.baseSequence >= 0 && Idempotence.sequenceBefore(q.baseSequence, sequence)) {
                return true;
            }
        }
        return false;
    }

    /** Marks the partition's batches in flight: an earlier one failed, and an error answer fails them with it. */
    void doom(PartitionQueue pq, ProduceException failure) {
        for (Batch q : batches) {
            if (q.owner == pq) {
                q.doomedBy = failure;
            }
        }
    }

    /** Every batch in flight, taken out (their answers will not be handled). */
    List<Batch> takeAll() {
        List<Batch> all = new ArrayList<>(batches);
        batches.clear();
        return all;
    }
}
