package dev.josef.kafka.benchmarks;

import dev.josef.kafka.testkit.KafkaCluster;

import java.util.List;
import java.util.Locale;

/**
 * Transactional produce, Josef against kafka-clients on the same broker: for
 * transactions of 1, 100 and 10,000 records, throughput and commit latency,
 * each trial a {@link TransactionTrial} in a JVM of its own (so the CPU
 * reported is the whole client process's), kafka-clients and Josef
 * alternating, medians over the pairs.
 *
 * <pre>
 * mvn -B -DskipTests package -pl benchmarks -am
 * java -cp benchmarks/target/benchmarks.jar dev.josef.kafka.benchmarks.TransactionBenchmark &gt; txn.md 2&gt; txn.log
 * </pre>
 */
public final class TransactionBenchmark {
    /** Transaction sizes, and how many transactions a trial times at each. */
    private static final int[][] ROWS = {{1, 1_000}, {100, 300}, {10_000, 10}};

    private TransactionBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = null;
        int pairs = 3;
        int valueSize = 100;
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--bootstrap" -> { bootstrap = v; i++; }
                case "--pairs" -> { pairs = Integer.parseInt(v); i++; }
                case "--value-size" -> { valueSize = Integer.parseInt(v); i++; }
                default -> {
                    System.err.println("unknown option " + args[i]
                            + "\nusage: TransactionBenchmark [--bootstrap HOST:PORT] [--pairs N] [--value-size B]");
                    System.exit(2);
                }
            }
        }
        long start = System.nanoTime();
        KafkaCluster cluster = null;
        try {
            if (bootstrap == null) {
                System.err.println("starting a broker with kafka-testkit");
                cluster = KafkaCluster.builder().brokers(1).brokerProperty("log.segment.delete.delay.ms", "1000")
                        .start();
                bootstrap = cluster.bootstrapServers();
            }
            ProducerEndToEnd.Topics topics = new ProducerEndToEnd.Topics(cluster, bootstrap, 6, (short) 1);
            System.out.printf(Locale.ROOT, """
                    ## Transactional produce: Josef vs kafka-clients

                    - broker: %s; topics of 6 partitions; %d B values, 16 B keys; acks=all, linger.ms=5
                    - each trial a JVM of its own (-Xms512m -Xmx512m), kafka-clients then Josef, %d pairs after a \
                    warm-up pair; medians
                    - JVM %s %s, %d processors

                    | records per transaction | transactions timed | records/s kafka-clients | records/s Josef | ratio \
                    | commit p50 ms k-c / Josef | commit p99 ms k-c / Josef | CPU ms per transaction (timed) k-c / Josef \
                    | ratio | process CPU s (whole JVM) k-c / Josef | ratio |
                    |---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
                    """, cluster != null ? "Apache Kafka from kafka-testkit, 1 broker" : bootstrap, valueSize, pairs,
                    System.getProperty("java.vm.name"), System.getProperty("java.version"),
                    Runtime.getRuntime().availableProcessors());
            for (int[] row : ROWS) {
                int size = row[0];
                int transactions = row[1];
                String b = bootstrap;
                int vs = valueSize;
                List<Trials.Trial> trials = Trials.run(pairs, "txn " + size, (client, pair) -> {
                    String topic = "txn-bench-" + size + "-" + client.arg + "-" + pair;
                    topics.create(topic);
                    try {
                        return trial(client, b, topic, size, pair == 0 ? Math.max(1, transactions / 3)
                                : transactions, vs);
                    } finally {
                        topics.delete(topic);
                    }
                }, t -> String.format(Locale.ROOT, "%.0f records/s, commit p50 %.2f ms p99 %.2f ms, cpu %.1f s",
                        t.get("recordsPerSecond"), t.get("commitP50Ms"), t.get("commitP99Ms"),
                        t.get("processCpuSeconds")));
                System.out.printf(Locale.ROOT, "| %,d | %,d | %s | %s | %.2f× | %s | %s | %s | %.2f× | %s | %.2f× |%s%n",
                        size, transactions,
                        number(median(trials, Trials.Client.KAFKA_CLIENTS, "recordsPerSecond")),
                        number(median(trials, Trials.Client.JOSEF, "recordsPerSecond")),
                        ratio(trials, "recordsPerSecond"),
                        pairOf(trials, "commitP50Ms"), pairOf(trials, "commitP99Ms"),
                        pairOf(trials, "cpuMsPerTransaction"), ratio(trials, "cpuMsPerTransaction"),
                        pairOf(trials, "processCpuSeconds"), ratio(trials, "processCpuSeconds"),
                        Trials.failures(trials));
                System.out.flush();
            }
        } finally {
            if (cluster != null) {
                cluster.close();
            }
            System.err.printf(Locale.ROOT, "run took %.1f minutes%n", (System.nanoTime() - start) / 60e9);
        }
    }

    /** One trial in a child JVM ({@link ChildJvm}). */
    private static Trials.Trial trial(Trials.Client client, String bootstrap, String topic, int size,
                                      int transactions, int valueSize) throws Exception {
        ChildJvm.Result r = ChildJvm.run(TransactionTrial.class, List.of(), List.of(client.arg, bootstrap, topic,
                Integer.toString(size), Integer.toString(transactions), Integer.toString(valueSize)));
        return new Trials.Trial(client, r.values(), r.failure());
    }

    private static double median(List<Trials.Trial> trials, Trials.Client client, String name) {
        return Trials.median(trials, client, t -> t.get(name));
    }

    private static double ratio(List<Trials.Trial> trials, String name) {
        return median(trials, Trials.Client.JOSEF, name) / median(trials, Trials.Client.KAFKA_CLIENTS, name);
    }

    private static String pairOf(List<Trials.Trial> trials, String name) {
        return String.format(Locale.ROOT, "%s / %s", number(median(trials, Trials.Client.KAFKA_CLIENTS, name)),
                number(median(trials, Trials.Client.JOSEF, name)));
    }

    private static String number(double v) {
        if (Double.isNaN(v)) {
            return "–";
        }
        return v >= 1000 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.2f", v);
    }
}
