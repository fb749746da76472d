package dev.josef.kafka.benchmarks;

import dev.josef.kafka.producer.Producer;
import dev.josef.kafka.producer.ProducerRecord;
import dev.josef.kafka.producer.RecordMetadata;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/** Josef's {@link Producer}, built from the same kafka-clients properties as the baseline. */
final class JosefDriver extends EndToEndDriver {
    private final Producer producer;
    private final String topic;
    private final ProducerRecord[] records;
    private final BiConsumer<RecordMetadata, Throwable> callback;

    JosefDriver(Map<String, Object> properties, String topic, Workload workload, byte[][] values, AckRecorder recorder) {
        this.topic = topic;
        this.records = new ProducerRecord[workload.poolSize()];
        for (int i = 0; i < records.length; i++) {
            records[i] = ProducerRecord.of(topic, workload.key(i), values[i]).withPartition(workload.partition(i));
        }
        this.callback = (metadata, error) -> recorder.acked(metadata == null ? -1 : metadata.partition(),
                metadata == null ? -1 : metadata.offset(), error);
        this.producer = Producer.create(properties);
    }

    @Override
    void prime(int partitions) throws Exception {
        for (int p = 0; p < partitions; p++) {
            ProducerRecord record = ProducerRecord.of(topic, records[0].key(), records[0].value()).withPartition(p);
            producer.produce(record).get(PRIME_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Override
    void send(int slot) {
        producer.produce(records[slot], callback);
    }

    @Override
    boolean flush(Duration timeout) throws InterruptedException {
        return producer.flush(timeout);
    }

    @Override
    public void close() {
        producer.close(CLOSE_TIMEOUT);
    }
}
