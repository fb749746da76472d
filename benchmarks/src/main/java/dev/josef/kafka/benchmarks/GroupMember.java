package dev.josef.kafka.benchmarks;

import dev.josef.kafka.consumer.Consumer;
import dev.josef.kafka.consumer.ConsumerRecords;
import dev.josef.kafka.consumer.spi.RebalanceHook;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * One member of a consumer group in its own JVM: the {@code --member} mode of
 * {@link GroupBenchmark}. It builds one client from a map of kafka-clients
 * properties, subscribes to one topic (after the parent's {@code go} on standard
 * input, or at once with {@code --no-wait}), reads until {@code stop} (or the end
 * of standard input), closes, and exits.
 *
 * <p>It reports on standard output, one event a line, each with the wall clock in
 * epoch microseconds (every member runs on the same machine, so the parent can
 * compare them): READY, SUBSCRIBE, ASSIGNED/REVOKED/LOST with the partitions,
 * FIRST (the first record of a partition after the member got it), PROGRESS (the
 * next offset of each partition read so far), and at the end one RESULT line:
 * records, first and last record, the process CPU from the first poll that
 * returned records to the last one (and from just before subscribe(), which adds
 * joining the group), and the whole process's CPU after close, after a
 * THREADS line with each thread's CPU before close.
 *
 * <p>Threads: the main thread polls and runs the rebalance callbacks (both
 * clients call them inside poll), so the tracking state is confined to it; the
 * stdin thread only flips {@link #stop} and counts down {@link #go}.
 */
final class GroupMember {
    /** A member that outlives any sane trial is an orphan: it ends itself. */
    private static final long MAX_LIFETIME_NANOS = TimeUnit.MINUTES.toNanos(10);
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(200);
    private static final long PROGRESS_EVERY_MICROS = 250_000;

    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private final CountDownLatch go = new CountDownLatch(1);
    private volatile boolean stop;

    private final Map<Integer, Long> nextOffset = new TreeMap<>();
    private final Set<Integer> awaitingFirst = new TreeSet<>();
    private long records;
    private long touched;
    private long firstMicros;
    private long lastMicros;
    private long cpuAtSubscribe;
    private long cpuAtFirst;
    private long cpuAtLast;
    private long subscribeMicros;
    private long lastProgressMicros;
    private boolean progressChanged;
    private long errors;
    /** CPU per thread when the member was told to stop, before close: see {@link #threadCpu()}. */
    private String threads = "-";

    private GroupMember() {
    }

    /** {@code args} are the member's options, without the leading {@code --member}. */
    static void main(String[] args) {
        String client = null;
        String bootstrap = null;
        String topic = null;
        boolean noWait = false;
        Map<String, Object> p = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--client" -> { client = v; i++; }
                case "--bootstrap" -> { bootstrap = v; i++; }
                case "--topic" -> { topic = v; i++; }
                case "--no-wait" -> noWait = true;
                case "--property" -> {
                    int eq = v.indexOf('=');
                    p.put(v.substring(0, eq), v.substring(eq + 1));
                    i++;
                }
                default -> throw new IllegalArgumentException("unknown member option " + args[i]);
            }
        }
        p.put("bootstrap.servers", bootstrap);
        p.put("enable.auto.commit", "true");
        p.putIfAbsent("group.protocol", "classic");
        p.put("key.deserializer", ByteArrayDeserializer.class.getName());
        p.put("value.deserializer", ByteArrayDeserializer.class.getName());
        GroupMember member = new GroupMember();
        try {
            member.run(client, topic, p, noWait);
            System.exit(0);
        } catch (Throwable t) {
            emit("FAILED " + now() + " " + t.toString().replace('\n', ' '));
            t.printStackTrace();
            System.exit(1);
        }
    }

    private void run(String client, String topic, Map<String, Object> properties, boolean noWait) throws Exception {
        long born = System.nanoTime();
        Thread stdin = new Thread(() -> readCommands(born), "member-stdin");
        stdin.setDaemon(true);
        stdin.start();
        if (noWait) {
            go.countDown();
        }
        long closeMicros;
        if ("kafka-clients".equals(client)) {
            closeMicros = runKafkaClients(topic, properties);
        } else if ("josef".equals(client)) {
            closeMicros = runJosef(topic, properties);
        } else {
            throw new IllegalArgumentException("--client kafka-clients|josef, not " + client);
        }
        long cpuExit = os.getProcessCpuTime();
        if (touched == 42) {
            System.err.print(""); // keeps the sum alive
        }
        emit("THREADS " + threads);
        emit("RESULT records=" + records + " firstMicros=" + firstMicros + " lastMicros=" + lastMicros
 + " subscribeMicros=" + subscribeMicros
                + " cpuConsumeNanos=" + (records == 0 ? 0 : cpuAtLast - cpuAtFirst)
                + " cpuJoinConsumeNanos=" + (records == 0 ? 0 : cpuAtLast - cpuAtSubscribe)
                + " cpuExitNanos=" + cpuExit + " closeMicros=" + closeMicros + " errors=" + errors);
    }

    /** Returns how long close() took, in microseconds. */
    private long runKafkaClients(String topic, Map<String, Object> properties) throws InterruptedException {
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties);
        try {
            emit("READY " + now());
            go.await();
            subscribed();
            consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    changed("REVOKED", partitions.stream().map(TopicPartition::partition).toList());
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    changed("ASSIGNED", partitions.stream().map(TopicPartition::partition).toList());
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    changed("LOST", partitions.stream().map(TopicPartition::partition).toList());
                }
            });
            while (!stop) {
                org.apache.kafka.clients.consumer.ConsumerRecords<byte[], byte[]> polled = consumer.poll(POLL_TIMEOUT);
                polling(polled.count());
                int n = 0;
                for (org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> r : polled) {
                    record(r.partition(), r.offset(), r.key().length + r.value().length);
                    n++;
                }
                polled(n);
            }
            threads = threadCpu();
        } catch (RuntimeException | InterruptedException e) {
            consumer.close();
            throw e;
        }
        long start = System.nanoTime();
        consumer.close();
        return (System.nanoTime() - start) / 1000;
    }

    private long runJosef(String topic, Map<String, Object> properties) throws InterruptedException {
        Consumer consumer = Consumer.create(properties);
        try {
            emit("READY " + now());
            go.await();
            subscribed();
            consumer.subscribe(List.of(topic), new RebalanceHook() {
                @Override
                public void onAssigned(Consumer c, Set<dev.josef.kafka.protocol.TopicPartition> partitions) {
                    changed("ASSIGNED", partitions.stream().map(dev.josef.kafka.protocol.TopicPartition::partition)
                            .toList());
                }

                @Override
                public void onRevoked(Consumer c, Set<dev.josef.kafka.protocol.TopicPartition> partitions) {
                    changed("REVOKED", partitions.stream().map(dev.josef.kafka.protocol.TopicPartition::partition)
                            .toList());
                }

                @Override
                public void onLost(Consumer c, Set<dev.josef.kafka.protocol.TopicPartition> partitions) {
                    changed("LOST", partitions.stream().map(dev.josef.kafka.protocol.TopicPartition::partition)
                            .toList());
                }
            });
            while (!stop) {
                ConsumerRecords polled = consumer.poll(POLL_TIMEOUT);
                if (!polled.errors().isEmpty()) {
                    errors += polled.errors().size();
                    System.err.println("poll errors: " + polled.errors());
                }
                polling(polled.count());
                int n = 0;
                for (dev.josef.kafka.consumer.ConsumerRecord r : polled) {
                    record(r.topicPartition().partition(), r.offset(), r.key().length + r.value().length);
                    n++;
                }
                polled(n);
            }
            threads = threadCpu();
        } catch (RuntimeException | InterruptedException e) {
            consumer.close();
            throw e;
        }
        long start = System.nanoTime();
        consumer.close();
        return (System.nanoTime() - start) / 1000;
    }

    private void subscribed() {
        cpuAtSubscribe = os.getProcessCpuTime();
        subscribeMicros = now();
        emit("SUBSCRIBE " + subscribeMicros);
    }

    private void changed(String kind, List<Integer> partitions) {
        if (kind.equals("ASSIGNED")) {
            awaitingFirst.addAll(partitions);
        } else {
            awaitingFirst.removeAll(partitions);
        }
        emit(kind + " " + now() + " " + (partitions.isEmpty() ? "-"
                : new TreeSet<>(partitions).stream().map(String::valueOf).collect(Collectors.joining(","))));
    }

    private void record(int partition, long offset, int bytes) {
        touched += bytes + offset;
        records++;
        nextOffset.merge(partition, offset + 1, Math::max);
        progressChanged = true;
        if (awaitingFirst.remove(partition)) {
            emit("FIRST " + now() + " " + partition + " " + offset);
        }
    }

    /** Called after a poll returned {@code n} records, before they are read: the first poll's CPU is the start. */
    private void polling(int n) {
        if (n > 0 && firstMicros == 0) {
            cpuAtFirst = os.getProcessCpuTime();
            firstMicros = now();
        }
    }

    private void polled(int n) {
        long now = now();
        if (n > 0) {
            cpuAtLast = os.getProcessCpuTime();
            lastMicros = now;
        }
        if (progressChanged && now - lastProgressMicros >= PROGRESS_EVERY_MICROS) {
            progressChanged = false;
            lastProgressMicros = now;
            emit("PROGRESS " + now + " " + records + " " + nextOffset.entrySet().stream()
                    .map(e -> e.getKey() + ":" + e.getValue()).collect(Collectors.joining(",")));
        }
    }

    /** {@code go} starts the member, {@code stop} or the end of input stops it; it never outlives its parent. */
    private void readCommands(long born) {
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(TimeUnit.NANOSECONDS.toMillis(MAX_LIFETIME_NANOS - (System.nanoTime() - born)));
            } catch (InterruptedException e) {
                return;
            }
            System.err.println("member alive for 10 minutes: exiting");
            Runtime.getRuntime().halt(3);
        }, "member-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.equals("go")) {
                    go.countDown();
                } else if (line.equals("stop")) {
                    break;
                }
            }
        } catch (IOException e) {
            // the parent is gone: stop
        }
        stop = true;
        go.countDown();
    }

    /**
     * CPU milliseconds per thread so far, by name ({@code name=ms,...}, digits
     * as {@code #}), from Linux's /proc, which also shows the JVM's compiler and
     * GC threads: where a member's CPU went. Read before close, while the
     * client's threads are all alive; the names are cut at 15 characters.
     */
    private static String threadCpu() {
        Map<String, Long> byName = new TreeMap<>();
        try (java.util.stream.Stream<java.nio.file.Path> tasks = java.nio.file.Files.list(
                java.nio.file.Path.of("/proc/self/task"))) {
            for (java.nio.file.Path task : (Iterable<java.nio.file.Path>) tasks::iterator) {
                try {
                    String stat = java.nio.file.Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    // utime and stime, fields 14 and 15 of stat (the 12th and 13th after the name), in ticks
                    // of USER_HZ, which is 100 on Linux
                    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                    byName.merge(name.replaceAll("[0-9]+", "#"), ticks * 10, Long::sum);
                } catch (IOException | RuntimeException gone) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException | RuntimeException e) {
            return "-";
        }
        return byName.entrySet().stream().filter(e -> e.getValue() > 0).sorted(Map.Entry.comparingByValue(
                java.util.Comparator.reverseOrder())).map(e -> e.getKey().replace(' ', '_') + "=" + e.getValue())
                .collect(Collectors.joining(","));
    }

    static long now() {
        Instant i = Instant.now();
        return i.getEpochSecond() * 1_000_000 + i.getNano() / 1000;
    }

    private static void emit(String line) {
        synchronized (System.out) {
            System.out.println(line);
            System.out.flush();
        }
    }
}
