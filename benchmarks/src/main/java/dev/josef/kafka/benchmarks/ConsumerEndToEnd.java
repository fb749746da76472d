package dev.josef.kafka.benchmarks;

import dev.josef.kafka.consumer.Consumer;
import dev.josef.kafka.consumer.ConsumerRecords;
import dev.josef.kafka.testkit.KafkaCluster;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.AppInfoParser;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * End to end: Josef's consumer against kafka-clients' KafkaConsumer, reading the
 * same records from the same real broker, in one run.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.josef.kafka.benchmarks.ConsumerEndToEnd [options]
 * </pre>
 *
 * <p>For each row (value size times compression) it writes one topic with
 * kafka-clients' producer (the workload of {@link ProducerEndToEnd}: 16-byte
 * keys, log-line values, linger.ms=5, batch.size=16384), then reads all of it
 * with a fresh consumer per trial, assigned every partition from the beginning:
 * one discarded warm-up per client, then alternating pairs, kafka-clients then
 * Josef. Both consumers are built from one map of kafka-clients properties and
 * touch every key and value. A trial is timed from its first poll to its last
 * record; CPU and allocation are the benchmark JVM's over the same span.
 */
public final class ConsumerEndToEnd {
    private static final Duration TRIAL_TIMEOUT = Duration.ofMinutes(3);

    private enum Client { KAFKA_CLIENTS("kafka-clients"), JOSEF("Josef");
        final String label;

        Client(String label) {
            this.label = label;
        }
    }

    private record Trial(Client client, double recordsPerSecond, double megabytesPerSecond, double cpuPerMillion,
                         double bytesPerRecord) {
    }

    private final String bootstrap;
    private final ProducerEndToEnd.Topics topics;
    private final ResourceMeter meter = new ResourceMeter();
    private final int partitions;
    private final int pairs;
    private final String runId = Long.toString(System.currentTimeMillis(), 36);

    private ConsumerEndToEnd(String bootstrap, KafkaCluster cluster, int partitions, int pairs) {
        this.bootstrap = bootstrap;
        this.partitions = partitions;
        this.pairs = pairs;
        this.topics = new ProducerEndToEnd.Topics(cluster, bootstrap, partitions, (short) 1);
    }

    public static void main(String[] args) throws Exception {
        // kafka-otel is in the benchmarks jar for TelemetryBenchmark: here Josef is measured without it.
        System.setProperty("josef.otel.auto", "false");
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        String bootstrap = null;
        int pairs = 3;
        int partitions = 6;
        Integer records = null;
        List<Integer> sizes = List.of(100, 1024);
        List<String> codecs = List.of("none", "lz4", "zstd");
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--bootstrap" -> { bootstrap = v; i++; }
                case "--pairs" -> { pairs = Integer.parseInt(v); i++; }
                case "--partitions" -> { partitions = Integer.parseInt(v); i++; }
                case "--records" -> { records = Integer.parseInt(v.replace(",", "").replace("_", "")); i++; }
                case "--sizes" -> { sizes = List.of(v.split(",")).stream().map(Integer::parseInt).toList(); i++; }
                case "--compression" -> { codecs = List.of(v.split(",")); i++; }
                default -> {
                    System.err.println("unknown option " + a + "\nusage: ConsumerEndToEnd [--bootstrap HOST:PORT] "
                            + "[--pairs N] [--partitions N] [--records N] [--sizes A,B] [--compression A,B]");
                    System.exit(2);
                }
            }
        }
        KafkaCluster cluster = null;
        try {
            if (bootstrap == null) {
                System.err.println("starting a broker with kafka-testkit");
                cluster = KafkaCluster.builder().brokers(1).brokerProperty("log.segment.delete.delay.ms", "1000").start();
                bootstrap = cluster.bootstrapServers();
            }
            new ConsumerEndToEnd(bootstrap, cluster, partitions, pairs).run(sizes, codecs, records);
        } finally {
            if (cluster != null) {
                cluster.close();
            }
        }
    }

    private void run(List<Integer> sizes, List<String> codecs, Integer recordsOption) throws Exception {
        System.out.print("## End-to-end consumer: Josef vs kafka-clients\n\n"
                + "- broker: " + bootstrap + "; topics of " + partitions + " partitions written once per row by "
                + "kafka-clients' producer\n"
                + "- both consumers: assign every partition, from the beginning, default fetch settings "
                + "(fetch.max.wait.ms=500, max.partition.fetch.bytes=1 MiB, max.poll.records=500)\n"
                + "- kafka-clients " + AppInfoParser.getVersion() + "; JVM " + System.getProperty("java.vm.name") + " "
                + System.getProperty("java.runtime.version") + ", " + Runtime.getRuntime().availableProcessors()
                + " processors\n- trials: one warm-up per client (discarded), then " + pairs
                + " pairs kafka-clients, Josef; medians shown\n- allocation: " + meter.allocationMethod() + "\n\n"
                + "| value | compression | records | records/s kafka-clients | records/s Josef | records/s ratio "
                + "| MB/s ratio | CPU s/M records kafka-clients | CPU s/M Josef | CPU ratio | B/record kafka-clients "
                + "| B/record Josef | B/record ratio |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        System.out.flush();
        Workload workload = new Workload(partitions);
        for (int size : sizes) {
            int records = recordsOption != null ? recordsOption : size <= 100 ? 2_000_000 : 500_000;
            byte[][] values = Workload.values(size);
            for (String codec : codecs) {
                String topic = "josef-consume-e2e-" + runId + "-" + size + "-" + codec;
                topics.create(topic);
                try {
                    int written = fill(topic, codec, workload, values, records);
                    List<Trial> trials = new ArrayList<>();
                    for (int pair = 0; pair <= pairs; pair++) {
                        for (Client client : Client.values()) {
                            Trial t = trial(client, topic, written, size);
                            System.err.printf(Locale.ROOT, "%s %s %-13s %s %,12.0f records/s %7.1f MB/s %6.2f CPU s/M "
                                            + "%,8.0f B/record%n", size + " B", codec, client.label,
                                    pair == 0 ? "warm-up" : "trial " + pair, t.recordsPerSecond, t.megabytesPerSecond,
                                    t.cpuPerMillion, t.bytesPerRecord);
                            if (pair > 0) {
                                trials.add(t);
                            }
                        }
                    }
                    double kr = median(trials, Client.KAFKA_CLIENTS, Trial::recordsPerSecond);
                    double jr = median(trials, Client.JOSEF, Trial::recordsPerSecond);
                    double km = median(trials, Client.KAFKA_CLIENTS, Trial::megabytesPerSecond);
                    double jm = median(trials, Client.JOSEF, Trial::megabytesPerSecond);
                    double kc = median(trials, Client.KAFKA_CLIENTS, Trial::cpuPerMillion);
                    double jc = median(trials, Client.JOSEF, Trial::cpuPerMillion);
                    double kb = median(trials, Client.KAFKA_CLIENTS, Trial::bytesPerRecord);
                    double jb = median(trials, Client.JOSEF, Trial::bytesPerRecord);
                    System.out.printf(Locale.ROOT, "| %d B | %s | %,d | %,.0f | %,.0f | %s | %s | %.2f | %.2f | %s "
                                    + "| %,.0f | %,.0f | %s |%n", size, codec, written, kr, jr,
                            ProducerEndToEnd.ratio(jr, kr), ProducerEndToEnd.ratio(jm, km), kc, jc,
                            ProducerEndToEnd.ratio(jc, kc), kb, jb, ProducerEndToEnd.ratio(jb, kb));
                    System.out.flush();
                } finally {
                    topics.delete(topic);
                    Thread.sleep(2000);
                }
            }
        }
    }

    /**
     * Writes the row's records and returns how many the topic holds. The writer is
     * not idempotent (a retry may write a record twice, which only adds records to
     * read); every send must succeed.
     */
    private int fill(String topic, String codec, Workload workload, byte[][] values, int records) throws Exception {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("bootstrap.servers", bootstrap);
        p.put("linger.ms", 5);
        p.put("acks", "1");
        p.put("enable.idempotence", "false");
        p.put("compression.type", codec);
        java.util.concurrent.atomic.AtomicReference<Exception> failure = new java.util.concurrent.atomic.AtomicReference<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            int mask = workload.slotMask();
            for (int i = 0; i < records; i++) {
                int slot = i & mask;
                producer.send(new ProducerRecord<>(topic, workload.partition(slot), workload.key(slot), values[slot]),
                        (m, e) -> {
                            if (e != null) {
                                failure.compareAndSet(null, e);
                            }
                        });
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("writing the row's records failed", failure.get());
        }
        Map<String, Object> c = properties(Client.KAFKA_CLIENTS);
        List<TopicPartition> tps = new ArrayList<>();
        for (int i = 0; i < partitions; i++) {
            tps.add(new TopicPartition(topic, i));
        }
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c)) {
            long total = consumer.endOffsets(tps).values().stream().mapToLong(Long::longValue).sum();
            return Math.toIntExact(total);
        }
    }

    /** The one map both consumers are built from; only client.id differs. */
    private Map<String, Object> properties(Client client) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("bootstrap.servers", bootstrap);
        p.put("client.id", "consume-e2e-" + client.name().toLowerCase(Locale.ROOT));
        p.put("auto.offset.reset", "earliest");
        p.put("key.deserializer", ByteArrayDeserializer.class.getName());
        p.put("value.deserializer", ByteArrayDeserializer.class.getName());
        return p;
    }

    private Trial trial(Client client, String topic, int records, int valueSize) {
        System.gc();
        long deadline = System.nanoTime() + TRIAL_TIMEOUT.toNanos();
        long touched = 0;
        int read = 0;
        ResourceMeter.Reading before;
        long start;
        if (client == Client.KAFKA_CLIENTS) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int i = 0; i < partitions; i++) {
                tps.add(new TopicPartition(topic, i));
            }
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties(client))) {
                consumer.assign(tps);
                before = meter.read();
                start = System.nanoTime();
                while (read < records) {
                    for (org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> r
                            : consumer.poll(Duration.ofMillis(500))) {
                        touched += r.key().length + r.value().length + r.offset();
                        read++;
                    }
                    check(deadline, read, records, client);
                }
                return finish(client, before, start, records, valueSize, touched);
            }
        }
        List<dev.josef.kafka.protocol.TopicPartition> tps = new ArrayList<>();
        for (int i = 0; i < partitions; i++) {
            tps.add(new dev.josef.kafka.protocol.TopicPartition(topic, i));
        }
        try (Consumer consumer = Consumer.create(properties(client))) {
            consumer.assign(tps);
            before = meter.read();
            start = System.nanoTime();
            while (read < records) {
                ConsumerRecords polled = consumer.poll(Duration.ofMillis(500));
                if (!polled.errors().isEmpty()) {
                    throw new IllegalStateException("Josef's consumer reported " + polled.errors());
                }
                for (dev.josef.kafka.consumer.ConsumerRecord r : polled) {
                    touched += r.key().length + r.value().length + r.offset();
                    read++;
                }
                check(deadline, read, records, client);
            }
            return finish(client, before, start, records, valueSize, touched);
        }
    }

    private static void check(long deadline, int read, int records, Client client) {
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException(client.label + " read " + read + " of " + records + " records in "
                    + TRIAL_TIMEOUT);
        }
    }

    private Trial finish(Client client, ResourceMeter.Reading before, long start, int records, int valueSize,
                         long touched) {
        long end = System.nanoTime();
        ResourceMeter.Reading after = meter.read();
        if (touched == 42) {
            System.err.print(""); // keeps the sum alive
        }
        double seconds = (end - start) / 1e9;
        long cpu = ResourceMeter.cpuNanos(before, after);
        long allocated = meter.allocatedBytes(before, after);
        return new Trial(client, records / seconds, (double) records * (Workload.KEY_SIZE + valueSize) / seconds / 1e6,
                cpu < 0 ? Double.NaN : cpu / 1e9 / records * 1e6, allocated < 0 ? Double.NaN : (double) allocated / records);
    }

    private static double median(List<Trial> trials, Client client, java.util.function.ToDoubleFunction<Trial> metric) {
        double[] xs = trials.stream().filter(t -> t.client == client).mapToDouble(metric).sorted().toArray();
        if (xs.length == 0) {
            return Double.NaN;
        }
        int m = xs.length / 2;
        return xs.length % 2 == 1 ? xs[m] : (xs[m - 1] + xs[m]) / 2;
    }
}
