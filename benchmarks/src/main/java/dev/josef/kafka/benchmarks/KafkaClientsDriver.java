package dev.josef.kafka.benchmarks;

import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** kafka-clients' {@link KafkaProducer} with ByteArraySerializer, the baseline. */
final class KafkaClientsDriver extends EndToEndDriver {
    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;
    private final ProducerRecord<byte[], byte[]>[] records;
    private final Callback callback;

    @SuppressWarnings("unchecked")
    KafkaClientsDriver(Map<String, Object> properties, String topic, Workload workload, byte[][] values,
                       AckRecorder recorder) {
        this.topic = topic;
        this.records = (ProducerRecord<byte[], byte[]>[]) new ProducerRecord<?, ?>[workload.poolSize()];
        for (int i = 0; i < records.length; i++) {
            records[i] = new ProducerRecord<>(topic, workload.partition(i), workload.key(i), values[i]);
        }
        this.callback = (metadata, error) -> recorder.acked(metadata == null ? -1 : metadata.partition(),
                metadata == null ? -1 : metadata.offset(), error);
        this.producer = new KafkaProducer<>(properties);
    }

    @Override
    void prime(int partitions) throws Exception {
        for (int p = 0; p < partitions; p++) {
            ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, p, records[0].key(), records[0].value());
            producer.send(record).get(PRIME_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Override
    void send(int slot) {
        producer.send(records[slot], callback);
    }

    @Override
    boolean flush(Duration timeout) {
        // KafkaProducer.flush has no timeout of its own; delivery.timeout.ms bounds it.
        producer.flush();
        return true;
    }

    @Override
    public void close() {
        producer.close(CLOSE_TIMEOUT);
    }
}
