package dev.josef.kafka.benchmarks;

import dev.josef.kafka.producer.ProduceFuture;
import dev.josef.kafka.producer.Producer;
import dev.josef.kafka.producer.ProducerRecord;
import dev.josef.kafka.testkit.KafkaCluster;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What tracing costs: producer and consumer throughput and CPU per record with
 * OpenTelemetry (the SDK, every trace sampled, exporters that drop what they
 * get) against without, for Josef with kafka-otel and for kafka-clients with
 * OpenTelemetry's own {@code opentelemetry-kafka-clients-2.6}, on one broker.
 * Each trial is a {@link TelemetryTrial} in a JVM of its own; the four
 * variants alternate in each round; medians over the rounds.
 *
 * <pre>
 * mvn -B -DskipTests package -pl benchmarks -am
 * java -cp benchmarks/target/benchmarks.jar dev.josef.kafka.benchmarks.TelemetryBenchmark &gt; otel.md 2&gt; otel.log
 * </pre>
 */
public final class TelemetryBenchmark {
    private static final int PARTITIONS = 6;

    enum Variant {
        KAFKA_CLIENTS("kafka-clients"), KAFKA_CLIENTS_OTEL("kafka-clients-otel"), JOSEF("josef"),
        JOSEF_OTEL("josef-otel");

        final String arg;

        Variant(String arg) {
            this.arg = arg;
        }
    }

    private TelemetryBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = null;
        int rounds = 3;
        int valueSize = 100;
        long records = 1_000_000;
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--bootstrap" -> { bootstrap = v; i++; }
                case "--rounds" -> { rounds = Integer.parseInt(v); i++; }
                case "--value-size" -> { valueSize = Integer.parseInt(v); i++; }
                case "--records" -> { records = Long.parseLong(v); i++; }
                default -> {
                    System.err.println("unknown option " + args[i] + "\nusage: TelemetryBenchmark [--bootstrap "
                            + "HOST:PORT] [--rounds N] [--records N] [--value-size B]");
                    System.exit(2);
                }
            }
        }
        System.setProperty("josef.otel.auto", "false"); // this process's own producer fills topics, untraced
        long warmup = records / 5;
        long start = System.nanoTime();
        KafkaCluster cluster = null;
        try {
            if (bootstrap == null) {
                GroupBenchmark.progress("starting a broker with kafka-testkit");
                cluster = KafkaCluster.builder().brokers(1).brokerProperty("log.segment.delete.delay.ms", "1000")
                        .start();
                bootstrap = cluster.bootstrapServers();
            }
            ProducerEndToEnd.Topics topics = new ProducerEndToEnd.Topics(cluster, bootstrap, PARTITIONS, (short) 1);
            System.out.printf(Locale.ROOT, """
                    ## Telemetry: what tracing costs, Josef (kafka-otel) and kafka-clients (OpenTelemetry's \
                    instrumentation)

                    - broker: %s; topics of %d partitions; %d B values, 16 B keys; producers acks=all, linger.ms=5;\
                     consumers assigned every partition, from the start
                    - %,d records timed after %,d warm-up records; each trial a JVM of its own \
                    (-Xms512m -Xmx512m); the four variants alternate, %d rounds after a warm-up round; medians
                    - with OpenTelemetry: the SDK, every trace sampled, spans batched to an exporter that drops \
                    them, metrics read every 10 s
                    - JVM %s %s, %d processors

                    | | records/s k-c | records/s k-c + OTel | cost | records/s Josef | records/s Josef + OTel | cost \
                    | CPU ns/record k-c / + OTel | CPU ns/record Josef / + OTel | Josef + OTel vs k-c + OTel records/s \
                    | CPU | process CPU s k-c / + OTel / Josef / + OTel |
                    |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
                    """, cluster != null ? "Apache Kafka from kafka-testkit, 1 broker" : bootstrap, PARTITIONS,
                    valueSize, records, warmup, rounds, System.getProperty("java.vm.name"),
                    System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
            String consumed = "telemetry-bench-consume";
            topics.create(consumed);
            fill(bootstrap, consumed, records + warmup, valueSize);
            try {
                for (String mode : List.of("produce", "consume")) {
                    Map<Variant, List<ChildJvm.Result>> results = new EnumMap<>(Variant.class);
                    for (int round = 0; round <= rounds; round++) {
                        for (Variant v : Variant.values()) {
                            String topic = mode.equals("consume") ? consumed
                                    : "telemetry-bench-" + v.arg + "-" + round;
                            if (mode.equals("produce")) {
                                topics.create(topic);
                            }
                            ChildJvm.Result r;
                            try {
                                // The member options switch kafka-otel's ServiceLoader hook off; on for josef-otel.
                                r = ChildJvm.run(TelemetryTrial.class, v == Variant.JOSEF_OTEL
                                                ? List.of("-Djosef.otel.auto=true") : List.of(),
                                        List.of(v.arg, mode, bootstrap, topic, Integer.toString(PARTITIONS),
                                                Long.toString(records), Long.toString(warmup),
                                                Integer.toString(valueSize)));
                            } finally {
                                if (mode.equals("produce")) {
                                    topics.delete(topic);
                                }
                            }
                            GroupBenchmark.progress(String.format(Locale.ROOT, "%s %-18s %-8s %s", mode, v.arg,
                                    round == 0 ? "warm-up" : "round " + round, r.failure() != null
                                            ? "FAILED: " + r.failure()
                                            : String.format(Locale.ROOT, "%.0f records/s, %.0f ns CPU/record, "
                                                    + "process CPU %.1f s", r.values().get("recordsPerSecond"),
                                            r.values().get("cpuNsPerRecord"), r.values().get("processCpuSeconds"))));
                            if (round > 0) {
                                results.computeIfAbsent(v, k -> new ArrayList<>()).add(r);
                            }
                        }
                    }
                    row(mode, results);
                }
            } finally {
                topics.delete(consumed);
            }
        } finally {
            if (cluster != null) {
                cluster.close();
            }
            GroupBenchmark.progress(String.format(Locale.ROOT, "run took %.1f minutes",
                    (System.nanoTime() - start) / 60e9));
        }
    }

    private static void row(String mode, Map<Variant, List<ChildJvm.Result>> results) {
        double kc = median(results, Variant.KAFKA_CLIENTS, "recordsPerSecond");
        double kcOtel = median(results, Variant.KAFKA_CLIENTS_OTEL, "recordsPerSecond");
        double josef = median(results, Variant.JOSEF, "recordsPerSecond");
        double josefOtel = median(results, Variant.JOSEF_OTEL, "recordsPerSecond");
        double kcCpu = median(results, Variant.KAFKA_CLIENTS, "cpuNsPerRecord");
        double kcOtelCpu = median(results, Variant.KAFKA_CLIENTS_OTEL, "cpuNsPerRecord");
        double josefCpu = median(results, Variant.JOSEF, "cpuNsPerRecord");
        double josefOtelCpu = median(results, Variant.JOSEF_OTEL, "cpuNsPerRecord");
        long failed = results.values().stream().flatMap(List::stream).filter(r -> r.failure() != null).count();
        System.out.printf(Locale.ROOT, "| %s | %,.0f | %,.0f | %.2f× | %,.0f | %,.0f | %.2f× | %,.0f / %,.0f "
                        + "| %,.0f / %,.0f | %.2f× | %.2f× | %.1f / %.1f / %.1f / %.1f |%s%n", mode, kc, kcOtel,
                kcOtel / kc, josef, josefOtel, josefOtel / josef, kcCpu, kcOtelCpu, josefCpu, josefOtelCpu,
                josefOtel / kcOtel, josefOtelCpu / kcOtelCpu,
                median(results, Variant.KAFKA_CLIENTS, "processCpuSeconds"),
                median(results, Variant.KAFKA_CLIENTS_OTEL, "processCpuSeconds"),
                median(results, Variant.JOSEF, "processCpuSeconds"),
                median(results, Variant.JOSEF_OTEL, "processCpuSeconds"),
                failed == 0 ? "" : " " + failed + " failed trial(s) left out");
        System.out.flush();
    }

    private static double median(Map<Variant, List<ChildJvm.Result>> results, Variant v, String name) {
        double[] xs = results.getOrDefault(v, List.of()).stream().filter(r -> r.failure() == null)
                .mapToDouble(r -> r.values().get(name)).sorted().toArray();
        if (xs.length == 0) {
            return Double.NaN;
        }
        int m = xs.length / 2;
        return xs.length % 2 == 1 ? xs[m] : (xs[m - 1] + xs[m]) / 2;
    }

    /**
     * Writes the records the consumer trials read, each with a W3C
     * {@code traceparent} header as a traced producer would leave, so both
     * instrumentations extract a context per record.
     */
    private static void fill(String bootstrap, String topic, long count, int valueSize) throws Exception {
        byte[] value = new byte[valueSize];
        Arrays.fill(value, (byte) 'v');
        byte[] traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
                .getBytes(StandardCharsets.US_ASCII);
        try (Producer producer = Producer.create(Map.of("bootstrap.servers", bootstrap, "linger.ms", "5"))) {
            ProduceFuture last = null;
            for (long i = 0; i < count; i++) {
                last = producer.produce(ProducerRecord.of(topic,
                                String.format(Locale.ROOT, "key-%011d", i & 1023).getBytes(StandardCharsets.US_ASCII),
                                value).withPartition((int) (i % PARTITIONS)).withHeader("traceparent", traceparent));
            }
            if (!producer.flush(Duration.ofMinutes(3))) {
                throw new IllegalStateException("filling " + topic + " did not finish in 3 minutes");
            }
            last.get();
        }
        GroupBenchmark.progress("filled " + topic + " with " + count + " records");
    }
}
