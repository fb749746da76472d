package dev.josef.kafka.consumer;

import dev.josef.kafka.protocol.KafkaException;
import dev.josef.kafka.protocol.TopicPartition;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one {@link Consumer#poll} returned: records grouped by partition, in
 * offset order within each, and the errors partitions met. An error belongs to
 * its partition alone; every other partition's records are here as usual.
 *
 * <p>Errors a poll can carry: {@link CorruptBatchException} (a batch that failed
 * its CRC or would not decompress, with the offsets it spanned),
 * {@link OffsetOutOfRangeException} with no reset policy,
 * {@link LogTruncationException}, and broker errors that need the application
 * (an unknown topic, an authorization failure), as a
 * {@link dev.josef.kafka.protocol.BrokerException} naming the partition.
 */
public final class ConsumerRecords implements Iterable<ConsumerRecord> {
    static final ConsumerRecords EMPTY = new ConsumerRecords(Map.of(), Map.of(), 0);

    private final Map<TopicPartition, List<ConsumerRecord>> records;
    private final Map<TopicPartition, KafkaException> errors;
    private final int count;

    ConsumerRecords(Map<TopicPartition, List<ConsumerRecord>> records, Map<TopicPartition, KafkaException> errors,
                    int count) {
        this.records = Collections.unmodifiableMap(records);
        this.errors = Collections.unmodifiableMap(errors);
        this.count = count;
    }

    /** How many records; errors are not counted. */
    public int count() {
        return count;
    }

    /** True when there are neither records nor errors. */
    public boolean isEmpty() {
        return count == 0 && errors.isEmpty();
    }

    /** The partitions that have records here. */
    public Set<TopicPartition> partitions() {
        return records.keySet();
    }

    /** The records of one partition, in offset order; empty when it has none here. */
    public List<ConsumerRecord> records(TopicPartition partition) {
        List<ConsumerRecord> list = records.get(partition);
        return list == null ? List.of() : Collections.unmodifiableList(list);
    }

    /** The records of every partition of {@code topic}. */
    public List<ConsumerRecord> records(String topic) {
        List<ConsumerRecord> all = new ArrayList<>();
        records.forEach((tp, list) -> {
            if (tp.topic().equals(topic)) {
                all.addAll(list);
            }
        });
        return all;
    }

    /** The errors partitions met in this poll, at most one per partition. */
    public Map<TopicPartition, KafkaException> errors() {
        return errors;
    }

    /** Partition after partition, each in offset order. */
    @Override
    public Iterator<ConsumerRecord> iterator() {
        Iterator<List<ConsumerRecord>> lists = records.values().iterator();
        return new Iterator<>() {
            private Iterator<ConsumerRecord> current = Collections.emptyIterator();

            @Override
            public boolean hasNext() {
                while (!current.hasNext() && lists.hasNext()) {
                    current = lists.next().iterator();
                }
                return current.hasNext();
            }

            @Override
            public ConsumerRecord next() {
                hasNext();
                return current.next();
            }
        };
    }

    @Override
    public String toString() {
        return "ConsumerRecords(" + count + " records in " + records.size() + " partitions"
                + (errors.isEmpty() ? "" : ", errors=" + errors) + ")";
    }
}
