package dev.josef.kafka.cli;

import dev.josef.kafka.admin.Admin;
import dev.josef.kafka.admin.CreateTopicResult;
import dev.josef.kafka.admin.NewTopic;
import dev.josef.kafka.admin.TopicDescription;
import dev.josef.kafka.consumer.Consumer;
import dev.josef.kafka.consumer.ConsumerConfig;
import dev.josef.kafka.consumer.ConsumerRecord;
import dev.josef.kafka.consumer.ConsumerRecords;
import dev.josef.kafka.consumer.StartPosition;
import dev.josef.kafka.producer.Producer;
import dev.josef.kafka.producer.ProducerConfig;
import dev.josef.kafka.producer.ProducerRecord;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.TopicPartition;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code josef bench produce|consume}: throughput, latency and client CPU of
 * Josef's producer or consumer against a cluster.
 */
final class BenchCommand {
    static final String USAGE = "usage: josef bench produce|consume -b HOST:PORT [-t TOPIC] [--size BYTES] [--count N] "
            + "[--codec CODEC] [--acks ACKS] [--linger MS] [--batch-size BYTES] [--partitions N] [-X key=value]...";
    private static final String HELP = String.join("\n", USAGE,
            "  produce   writes --count records of --size bytes (created topic: --partitions, default 6)",
            "  consume   reads --count records (default: all) of the topic from its beginning",
            "  -t, --topic TOPIC     default josef-bench",
            "  -s, --size BYTES      value size (default 100)",
            "  -c, --count N         records (default 1,000,000 for produce)",
            "  -z, --codec CODEC     none (default), gzip, snappy, lz4 or zstd",
            "  -a, --acks ACKS       0, 1 or all (default all)",
            "      --linger MS       linger.ms (default 5)",
            "      --batch-size N    batch.size (default 16384)",
            "      --partitions N    partitions of a topic the benchmark creates (default 6)",
            "Prints records/s, MB/s, latency percentiles (produce) and the client's CPU seconds per million records;",
            "a progress line while it runs on a terminal.");

    private BenchCommand() {
    }

    static int run(String[] argv, PrintStream out, PrintStream err) {
        return Cli.run("bench", USAGE, err, () -> {
            Args args = new Args.Spec()
                    .value("topic", "-t", "--topic")
                    .value("size", "-s", "--size")
                    .value("count", "-c", "--count")
                    .value("codec", "-z", "--codec")
                    .value("acks", "-a", "--acks")
                    .value("linger", "--linger")
                    .value("batchSize", "--batch-size")
                    .value("partitions", "--partitions")
                    .parse(argv);
            if (args.has("help")) {
                out.println(HELP);
                return Josef.OK;
            }
            if (args.positional.size() != 1 || !List.of("produce", "consume").contains(args.positional.get(0))) {
                throw new Args.UsageException("bench what? produce or consume");
            }
            String topic = args.value("topic", "josef-bench");
            Map<String, Object> properties = Cli.properties(args, "josef-bench");
            boolean produce = args.positional.get(0).equals("produce");
            if (produce) {
                int size = args.integer("size", 100, 0, 10 << 20);
                int count = args.integer("count", 1_000_000, 1, Integer.MAX_VALUE);
                int partitions = args.integer("partitions", 6, 1, 100_000);
                properties.put("compression.type", args.value("codec", "none"));
                properties.put("acks", args.value("acks", "all"));
                properties.put("linger.ms", args.value("linger", "5"));
                properties.put("batch.size", args.value("batchSize", "16384"));
                ProducerConfig config = ProducerConfig.fromProperties(properties);
                try (Admin admin = Admin.create(config.network())) {
                    Cli.reach(admin, properties);
                    ensureTopic(admin, topic, partitions);
                }
                return produce(config, topic, size, count, out, err);
            }
            for (String producerOnly : List.of("size", "codec", "acks", "linger", "batchSize", "partitions")) {
                if (args.has(producerOnly)) {
                    throw new Args.UsageException("--" + producerOnly + " is for bench produce");
                }
            }
            long count = args.has("count") ? args.integer("count", 0, 1, Integer.MAX_VALUE) : -1;
            properties.putIfAbsent("auto.offset.reset", "earliest");
            ConsumerConfig config = ConsumerConfig.fromProperties(properties);
            List<TopicPartition> tps = new ArrayList<>();
            try (Admin admin = Admin.create(config.network())) {
                Cli.reach(admin, properties);
                TopicDescription d = Cli.describe(admin, topic);
                d.partitions().forEach(p -> tps.add(new TopicPartition(topic, p.partition())));
            }
            return consume(config, tps, count, out, err);
        });
    }

    private static void ensureTopic(Admin admin, String topic, int partitions) throws Cli.Failure {
        CreateTopicResult r = Cli.await(admin.createTopics(List.of(new NewTopic(topic, partitions,
                (short) NewTopic.BROKER_DEFAULT, Map.of(), Map.of()))), "cannot create topic " + topic).get(topic);
        if (!r.succeeded() && r.error() != ErrorCode.TOPIC_ALREADY_EXISTS) {
            throw new Cli.Failure("cannot create topic " + topic + ": " + r.error());
        }
    }

    private static int produce(ProducerConfig config, String topic, int size, int count, PrintStream out,
                               PrintStream err) throws InterruptedException {
        // Up to 1024 distinct values, in at most 64 MiB.
        byte[][] values = new byte[Math.max(1, Math.min(1024, (64 << 20) / Math.max(1, size)))][];
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < values.length; i++) {
            byte[] v = new byte[size];
            for (int j = 0; j < size; j++) {
                v[j] = (byte) ('a' + random.nextInt(16)); // text-like, so codecs have something to do
            }
            values[i] = v;
        }
        // Latencies of every record up to a million, then of a regular sample, so memory stays bounded.
        int every = Math.max(1, count / 1_000_000);
        long[] latencies = new long[(count + every - 1) / every];
        AtomicLong done = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicReference<Throwable> firstFailure = new AtomicReference<>();
        Progress progress = Progress.start(err, done, count);
        long cpuBefore = cpuNanos();
        long start = System.nanoTime();
        try (Producer producer = Producer.create(config)) {
            for (int i = 0; i < count; i++) {
                int n = i;
                long sent = System.nanoTime();
                producer.produce(ProducerRecord.of(topic, values[i % values.length]), (m, e) -> {
                    if (n % every == 0) {
                        latencies[n / every] = System.nanoTime() - sent;
                    }
                    if (e != null) {
                        failed.incrementAndGet();
                        firstFailure.compareAndSet(null, e);
                    }
                    done.incrementAndGet();
                });
            }
            if (!producer.flush(config.deliveryTimeout().plus(Duration.ofSeconds(5)))) {
                progress.stop();
                err.println("josef bench: records without an outcome after " + config.deliveryTimeout());
                producer.close(Duration.ZERO);
                return Josef.FAILED;
            }
        }
        long nanos = System.nanoTime() - start;
        long cpu = cpuNanos() - cpuBefore;
        progress.stop();
        Arrays.sort(latencies);
        out.printf(Locale.ROOT, "produced %,d records of %d bytes to %s in %s%n", count - failed.get(), size, topic,
                Cli.seconds(nanos));
        int k = latencies.length;
        out.printf(Locale.ROOT, "  %,.0f records/s, %.1f MB/s, latency p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, max %.1f ms%n",
                count / (nanos / 1e9), (double) count * size / (nanos / 1e9) / 1e6, latencies[k / 2] / 1e6,
                latencies[(int) (k * 0.99)] / 1e6, latencies[Math.min(k - 1, (int) (k * 0.999))] / 1e6,
                latencies[k - 1] / 1e6);
        out.printf(Locale.ROOT, "  client CPU %.2f s per million records%n", cpu / 1e9 / count * 1e6);
        if (failed.get() > 0) {
            err.println("josef bench: " + failed.get() + " records failed, the first: " + Cli.message(firstFailure.get()));
            return Josef.FAILED;
        }
        return Josef.OK;
    }

    private static int consume(ConsumerConfig config, List<TopicPartition> tps, long count, PrintStream out,
                               PrintStream err) {
        AtomicLong done = new AtomicLong();
        long bytes = 0;
        Progress progress = Progress.start(err, done, count);
        long cpuBefore = cpuNanos();
        long start = System.nanoTime();
        long last = start;
        try (Consumer consumer = Consumer.create(config)) {
            consumer.assign(tps);
            tps.forEach(tp -> consumer.seek(tp, StartPosition.earliest()));
            long idleSince = System.nanoTime();
            while (count < 0 || done.get() < count) {
                ConsumerRecords polled = consumer.poll(Duration.ofMillis(500));
                polled.errors().values().forEach(e -> err.println("josef bench: " + e.getMessage()));
                if (polled.count() == 0) {
                    if (System.nanoTime() - idleSince > Duration.ofSeconds(2).toNanos()) {
                        break; // the end of the topic, as far as the benchmark waits
                    }
                    continue;
                }
                idleSince = System.nanoTime();
                for (ConsumerRecord r : polled) {
                    if (count >= 0 && done.get() >= count) {
                        break; // exactly --count records are measured
                    }
                    bytes += (r.key() == null ? 0 : r.key().length) + (r.value() == null ? 0 : r.value().length);
                    done.incrementAndGet();
                }
                last = System.nanoTime();
            }
        }
        long cpu = cpuNanos() - cpuBefore;
        progress.stop();
        long n = done.get();
        double seconds = Math.max(1, last - start) / 1e9;
        out.printf(Locale.ROOT, "consumed %,d records (%,d bytes of keys and values) in %s%n", n, bytes,
                Cli.seconds(last - start));
        out.printf(Locale.ROOT, "  %,.0f records/s, %.1f MB/s%n", n / seconds, bytes / seconds / 1e6);
        out.printf(Locale.ROOT, "  client CPU %.2f s per million records%n", n == 0 ? 0 : cpu / 1e9 / n * 1e6);
        return Josef.OK;
    }

    private static long cpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return 0;
    }

    /** A live progress line on a terminal; nothing when the output is piped. */
    private static final class Progress {
        private final Thread thread;

        private Progress(Thread thread) {
            this.thread = thread;
        }

        static Progress start(PrintStream err, AtomicLong done, long total) {
            if (!onTerminal()) {
                return new Progress(null);
            }
            long start = System.nanoTime();
            Thread t = new Thread(() -> {
                try {
                    while (!Thread.currentThread().isInterrupted()) {
                        Thread.sleep(500);
                        long n = done.get();
                        err.printf(Locale.ROOT, "\r  %,d%s records, %,.0f records/s   ", n,
                                total > 0 ? " of " + String.format(Locale.ROOT, "%,d", total) : "",
                                n / ((System.nanoTime() - start) / 1e9));
                    }
                } catch (InterruptedException e) {
                    // stopped
                }
                err.print("\r" + " ".repeat(60) + "\r");
            }, "josef-bench-progress");
            t.setDaemon(true);
            t.start();
            return new Progress(t);
        }

        /**
         * Whether standard output and error go to a terminal. From Java 22 a
         * Console exists even when they are redirected; Console.isTerminal()
         * (Java 22+, called by reflection for a Java 17 build) tells.
         */
        private static boolean onTerminal() {
            java.io.Console console = System.console();
            if (console == null) {
                return false;
            }
            try {
                return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
            } catch (ReflectiveOperationException e) {
                return true; // before Java 22, a console means a terminal
            }
        }

        void stop() {
            if (thread != null) {
                thread.interrupt();
                try {
                    thread.join(1000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
