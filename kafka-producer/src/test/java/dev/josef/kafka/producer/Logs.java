package dev.josef.kafka.producer;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Reads what a partition's log holds, with kafka-clients' consumer as the reference reader. */
final class Logs {
    private Logs() {
    }

    /**
     * The values in {@code topic}-{@code partition} from its start, as UTF-8. Polls
     * until {@code expected} records came and then one quiet second more, so a
     * duplicate or a stray record shows; at most 30 seconds.
     */
    static List<String> values(String bootstrapServers, String topic, int partition, int expected) {
        Map<String, Object> props = Map.of("bootstrap.servers", bootstrapServers, "enable.auto.commit", false);
        List<String> read = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, partition);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            long quietUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, quietUntil)) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    read.add(r.value() == null ? null : new String(r.value(), StandardCharsets.UTF_8));
                }
                if (read.size() >= expected && quietUntil == Long.MAX_VALUE) {
                    quietUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
                }
            }
        }
        return read;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
