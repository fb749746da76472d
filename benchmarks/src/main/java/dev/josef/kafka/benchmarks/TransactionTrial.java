package dev.josef.kafka.benchmarks;

import dev.josef.kafka.producer.Producer;
import dev.josef.kafka.producer.ProducerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One {@link TransactionBenchmark} trial, in a JVM of its own: a transactional
 * producer (kafka-clients or Josef, from the same properties) writes warm-up
 * transactions, then {@code transactions} timed transactions of {@code size}
 * records each (begin, produce each record without waiting, commit), and
 * prints {@code RESULT} with records/s over the timed part, the p50 and p99 of
 * {@code commitTransaction}'s duration (which includes sending what was still
 * buffered), CPU per transaction over the timed part, and the process's whole
 * CPU time (start-up, JIT and warm-up included).
 *
 * <p>Arguments: client (kafka-clients|josef), bootstrap, topic, records per
 * transaction, transactions, value size.
 */
public final class TransactionTrial {
    private TransactionTrial() {
    }

    /** What the trial needs of either client. */
    private interface Client extends AutoCloseable {
        void begin();

        void send(byte[] key, byte[] value, int partition);

        void commit();

        @Override
        void close();
    }

    public static void main(String[] args) {
        String client = args[0];
        String bootstrap = args[1];
        String topic = args[2];
        int size = Integer.parseInt(args[3]);
        int transactions = Integer.parseInt(args[4]);
        int valueSize = Integer.parseInt(args[5]);
        Map<String, Object> properties = Map.of("bootstrap.servers", bootstrap, "acks", "all",
                "enable.idempotence", "true", "linger.ms", "5", "transactional.id", "bench-" + UUID.randomUUID(),
                "key.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer",
                "value.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
        AtomicLong failed = new AtomicLong();
        AtomicReference<Throwable> firstFailure = new AtomicReference<>();
        byte[][] keys = new byte[1024][];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = String.format(Locale.ROOT, "key-%011d", i).getBytes(StandardCharsets.US_ASCII);
        }
        byte[] value = new byte[valueSize];
        Arrays.fill(value, (byte) 'v');
        try (Client c = client.equals("josef") ? josef(properties, topic, failed, firstFailure)
                : kafka(properties, topic, failed, firstFailure)) {
            int warmup = Math.max(3, Math.min(200, 20_000 / size));
            for (int t = 0; t < warmup; t++) {
                transaction(c, size, keys, value, t);
            }
            com.sun.management.OperatingSystemMXBean os =
                    (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            long[] commits = new long[transactions];
            long cpuBefore = os.getProcessCpuTime();
            long start = System.nanoTime();
            for (int t = 0; t < transactions; t++) {
                commits[t] = transaction(c, size, keys, value, t);
            }
            long elapsed = System.nanoTime() - start;
            long cpu = os.getProcessCpuTime() - cpuBefore;
            if (failed.get() > 0) {
                System.out.println("FAILED " + failed.get() + " records: " + firstFailure.get());
                System.exit(1);
            }
            Arrays.sort(commits);
            System.out.printf(Locale.ROOT, "RESULT recordsPerSecond=%.1f commitP50Ms=%.3f commitP99Ms=%.3f "
                            + "cpuMsPerTransaction=%.4f processCpuSeconds=%.3f%n",
                    (double) size * transactions / (elapsed / 1e9), percentile(commits, 0.50) / 1e6,
                    percentile(commits, 0.99) / 1e6, cpu / 1e6 / transactions, os.getProcessCpuTime() / 1e9);
        }
    }

    /** One transaction; returns how long its commit took, in nanos. */
    private static long transaction(Client c, int size, byte[][] keys, byte[] value, int t) {
        c.begin();
        for (int i = 0; i < size; i++) {
            c.send(keys[(t * size + i) & (keys.length - 1)], value, (t * size + i) % 6);
        }
        long before = System.nanoTime();
        c.commit();
        return System.nanoTime() - before;
    }

    /** A record's outcome: a failure is counted, and the first kept for the report. */
    private static void count(Throwable error, AtomicLong failed, AtomicReference<Throwable> firstFailure) {
        if (error != null) {
            failed.incrementAndGet();
            firstFailure.compareAndSet(null, error);
        }
    }

    private static long percentile(long[] sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static Client josef(Map<String, Object> properties, String topic, AtomicLong failed,
                                AtomicReference<Throwable> firstFailure) {
        Producer producer = Producer.create(properties);
        producer.initTransactions();
        return new Client() {
            @Override
            public void begin() {
                producer.beginTransaction();
            }

            @Override
            public void send(byte[] key, byte[] value, int partition) {
                producer.produce(ProducerRecord.of(topic, key, value).withPartition(partition),
                        (m, e) -> count(e, failed, firstFailure));
            }

            @Override
            public void commit() {
                producer.commitTransaction();
            }

            @Override
            public void close() {
                producer.close();
            }
        };
    }

    private static Client kafka(Map<String, Object> properties, String topic, AtomicLong failed,
                                AtomicReference<Throwable> firstFailure) {
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(properties);
        producer.initTransactions();
        return new Client() {
            @Override
            public void begin() {
                producer.beginTransaction();
            }

            @Override
            public void send(byte[] key, byte[] value, int partition) {
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, partition, key, value),
                        (m, e) -> count(e, failed, firstFailure));
            }

            @Override
            public void commit() {
                producer.commitTransaction();
            }

            @Override
            public void close() {
                producer.close();
            }
        };
    }
}
