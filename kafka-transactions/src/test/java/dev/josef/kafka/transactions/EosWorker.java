package dev.josef.kafka.transactions;

import dev.josef.kafka.consumer.ConsumerConfig;
import dev.josef.kafka.consumer.ConsumerRecord;
import dev.josef.kafka.consumer.ConsumerRecords;
import dev.josef.kafka.consumer.GroupProtocol;
import dev.josef.kafka.consumer.OffsetReset;
import dev.josef.kafka.producer.ProducerConfig;
import dev.josef.kafka.producer.ProducerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A consume-process-produce application for {@link ExactlyOnceIT}, run in a
 * process of its own so the test can kill it: it copies each record of the
 * input topic to the output topic (same key and value) in transactions of up to
 * 50 records. {@code josef} uses a {@link TransactionalSession}; {@code kafka}
 * is kafka-clients' exactly-once pattern, the reference peer in the same group.
 *
 * <p>Arguments: kind (josef|kafka), bootstrap servers, group, transactional id,
 * input topic, output topic, group protocol (classic|consumer).
 */
public final class EosWorker {
    private EosWorker() {
    }

    public static void main(String[] args) throws Exception {
        String kind = args[0];
        String bootstrap = args[1];
        String group = args[2];
        String transactionalId = args[3];
        String in = args[4];
        String out = args[5];
        String protocol = args[6];
        if (kind.equals("josef")) {
            josef(bootstrap, group, transactionalId, in, out, protocol);
        } else {
            kafka(bootstrap, group, transactionalId, in, out, protocol);
        }
    }

    private static void josef(String bootstrap, String group, String transactionalId, String in, String out,
                              String protocol) {
        ConsumerConfig.Builder consumer = ConsumerConfig.builder().bootstrapServers(bootstrap).groupId(group)
                .groupProtocol(protocol.equals("consumer") ? GroupProtocol.CONSUMER : GroupProtocol.CLASSIC)
                .offsetReset(OffsetReset.EARLIEST).maxPollRecords(50);
        if (protocol.equals("classic")) {
            consumer.sessionTimeout(Duration.ofSeconds(6)).heartbeatInterval(Duration.ofSeconds(1));
        }
        ProducerConfig.Builder producer = ProducerConfig.builder().bootstrapServers(bootstrap)
                .transactionalId(transactionalId).transactionTimeout(Duration.ofSeconds(20));
        try (TransactionalSession session = TransactionalSession.create(consumer, producer, List.of(in))) {
            System.out.println("worker " + transactionalId + " started");
            while (true) {
                ConsumerRecords records = session.poll(Duration.ofMillis(200));
                for (ConsumerRecord r : records) {
                    session.produce(ProducerRecord.of(out, r.key(), r.value()));
                }
                TransactionalSession.Outcome outcome = session.commit();
                if (outcome == TransactionalSession.Outcome.ABORTED) {
                    System.out.println("worker " + transactionalId + " aborted a transaction");
                }
            }
        }
    }

    private static void kafka(String bootstrap, String group, String transactionalId, String in, String out,
                              String protocol) {
        Map<String, Object> c = new HashMap<>(Map.of("bootstrap.servers", bootstrap, "group.id", group,
                "isolation.level", "read_committed", "enable.auto.commit", false, "auto.offset.reset", "earliest",
                "max.poll.records", 50, "group.protocol", protocol,
                "key.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer",
                "value.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer"));
        if (protocol.equals("classic")) {
            c.put("session.timeout.ms", 6000);
            c.put("heartbeat.interval.ms", 1000);
        }
        Map<String, Object> p = Map.of("bootstrap.servers", bootstrap, "transactional.id", transactionalId,
                "transaction.timeout.ms", 20000,
                "key.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer",
                "value.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c);
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            producer.initTransactions();
            consumer.subscribe(List.of(in));
            System.out.println("worker " + transactionalId + " started");
            while (true) {
                var records = consumer.poll(Duration.ofMillis(200));
                if (records.isEmpty()) {
                    continue;
                }
                producer.beginTransaction();
                Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                for (var r : records) {
                    producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(out, r.key(), r.value()));
                    offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                }
                try {
                    producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
                    producer.commitTransaction();
                } catch (ProducerFencedException e) {
                    throw e;
                } catch (KafkaException e) {
                    System.out.println("worker " + transactionalId + " aborts: " + e);
                    producer.abortTransaction();
                    rewind(consumer, offsets.keySet());
                }
            }
        }
    }

    /** kafka-clients' part of the pattern: after an abort, read again from the committed offsets. */
    private static void rewind(KafkaConsumer<byte[], byte[]> consumer, Set<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(partitions);
        for (TopicPartition tp : partitions) {
            if (!consumer.assignment().contains(tp)) {
                continue;
            }
            OffsetAndMetadata o = committed.get(tp);
            if (o != null) {
                consumer.seek(tp, o.offset());
            } else {
                consumer.seekToBeginning(List.of(tp));
            }
        }
    }
}
