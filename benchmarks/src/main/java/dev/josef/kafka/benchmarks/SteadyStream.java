package dev.josef.kafka.benchmarks;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Writes a steady stream to every partition of a topic with kafka-clients'
 * producer, on its own thread, so that a member that gets a partition finds a
 * record to read within a few milliseconds: {@code rate} records a second, one
 * tick every 10 ms, partitions taken in turn (each gets a record about every
 * {@code partitions / rate} seconds).
 */
final class SteadyStream implements AutoCloseable {
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final Thread thread;
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private final AtomicLong sent = new AtomicLong();
    private volatile boolean closed;

    SteadyStream(String bootstrap, String topic, int partitions, int rate) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("bootstrap.servers", bootstrap);
        p.put("client.id", "group-bench-stream");
        p.put("linger.ms", 0);
        p.put("acks", "1");
        p.put("enable.idempotence", "false");
        byte[][] values = Workload.values(100);
        Workload workload = new Workload(partitions);
        this.thread = new Thread(() -> {
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                long next = System.nanoTime();
                double perTick = rate * (TICK_NANOS / 1e9);
                double owed = 0;
                long i = 0;
                while (!closed) {
                    owed += perTick;
                    for (; owed >= 1; owed--, i++) {
                        int slot = (int) (i & workload.slotMask());
                        producer.send(new ProducerRecord<>(topic, (int) (i % partitions), workload.key(slot),
                                values[slot]), (m, e) -> {
                                    if (e != null) {
                                        failure.compareAndSet(null, e);
                                    }
                                });
                    }
                    sent.set(i);
                    next += TICK_NANOS;
                    LockSupport.parkNanos(next - System.nanoTime());
                }
            } catch (RuntimeException e) {
                failure.compareAndSet(null, e);
            }
        }, "steady-stream");
        thread.setDaemon(true);
        thread.start();
    }

    long sent() {
        return sent.get();
    }

    /** Throws if a send failed: a trial that ran without its stream measured nothing. */
    void check() {
        if (failure.get() != null) {
            throw new IllegalStateException("the steady stream failed", failure.get());
        }
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        thread.join(TimeUnit.SECONDS.toMillis(30));
    }
}
