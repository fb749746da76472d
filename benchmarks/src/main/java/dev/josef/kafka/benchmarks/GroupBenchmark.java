package dev.josef.kafka.benchmarks;

import dev.josef.kafka.benchmarks.Trials.Client;
import dev.josef.kafka.benchmarks.Trials.Trial;
import dev.josef.kafka.testkit.KafkaCluster;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.AppInfoParser;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Consumer groups end to end: Josef's group consumer against kafka-clients'
 * KafkaConsumer (classic protocol) on the same real broker, every member in its
 * own JVM so that each client's whole-process CPU is measured.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.josef.kafka.benchmarks.GroupBenchmark [options]
 * </pre>
 *
 * <p>Scenarios, each one discarded warm-up per client then alternating pairs,
 * kafka-clients then Josef, medians: (a) a fresh group of 1 and of 3 members reads
 * a written topic from the beginning; (b) 3 members read a steady stream and a 4th
 * joins, eager (range) and cooperative (cooperative-sticky); (c) one of 2 static
 * members is restarted ({@link StreamScenarios}). Tables go to standard output,
 * trials to standard error; the benchmarks README says what each number is. A
 * member runs as this class with {@code --member} ({@link GroupMember}).
 */
public final class GroupBenchmark {
    static final int SESSION_TIMEOUT_MS = 10_000;
    static final int HEARTBEAT_INTERVAL_MS = 1_000;
    static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration CONSUME_TIMEOUT = Duration.ofMinutes(3);
    private static final String USAGE = "usage: GroupBenchmark [--bootstrap HOST:PORT] [--pairs N] [--records N] "
            + "[--partitions N] [--rate RECORDS_PER_S] [--scenarios a,b,c]";

    final String bootstrap;
    final ProducerEndToEnd.Topics topics;
    final int partitions;
    final int pairs;
    final int rate;
    final Path logDir;
    private final String runId = Long.toString(System.currentTimeMillis(), 36);
    private int trialCount;

    private GroupBenchmark(String bootstrap, KafkaCluster cluster, int partitions, int pairs, int rate)
            throws Exception {
        this.bootstrap = bootstrap;
        this.partitions = partitions;
        this.pairs = pairs;
        this.rate = rate;
        this.topics = new ProducerEndToEnd.Topics(cluster, bootstrap, partitions, (short) 1);
        this.logDir = Files.createTempDirectory("josef-group-bench-");
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--member")) {
            GroupMember.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        // endOffsets() of partitions the consumer does not read warns once per partition.
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka.clients.consumer.internals.OffsetFetcherUtils",
                "error");
        String bootstrap = null;
        int pairs = 5;
        int partitions = 12;
        int records = 1_000_000;
        int rate = 5_000;
        List<String> scenarios = List.of("a", "b", "c");
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--bootstrap" -> { bootstrap = v; i++; }
                case "--pairs" -> { pairs = Integer.parseInt(v); i++; }
                case "--partitions" -> { partitions = Integer.parseInt(v); i++; }
                case "--records" -> { records = Integer.parseInt(v.replace(",", "").replace("_", "")); i++; }
                case "--rate" -> { rate = Integer.parseInt(v.replace(",", "").replace("_", "")); i++; }
                case "--scenarios" -> { scenarios = List.of(v.split(",")); i++; }
                default -> {
                    System.err.println("unknown option " + args[i] + "\n" + USAGE);
                    System.exit(2);
                }
            }
        }
        long start = System.nanoTime();
        KafkaCluster cluster = null;
        try {
            if (bootstrap == null) {
                System.err.println("starting a broker with kafka-testkit");
                // Kafka's own default initial delay (the kit sets 0), so that members that subscribe together
                // form the group's first generation together.
                cluster = KafkaCluster.builder().brokers(1).brokerProperty("log.segment.delete.delay.ms", "1000")
                        .brokerProperty("group.initial.rebalance.delay.ms", "3000")
                        // KIP-848 members beat at the broker's interval (5 s by default, and never below
                        // group.consumer.min.heartbeat.interval.ms): 1 s, as the classic members are given.
                        .brokerProperty("group.consumer.heartbeat.interval.ms", "1000")
                        .brokerProperty("group.consumer.min.heartbeat.interval.ms", "1000").start();
                bootstrap = cluster.bootstrapServers();
            }
            GroupBenchmark benchmark = new GroupBenchmark(bootstrap, cluster, partitions, pairs, rate);
            benchmark.header(records, scenarios);
            if (scenarios.contains("a")) {
                benchmark.consuming(records);
            }
            if (scenarios.contains("b") || scenarios.contains("c")) {
                new StreamScenarios(benchmark).run(scenarios);
            }
        } finally {
            if (cluster != null) {
                cluster.close();
            }
            System.err.printf(Locale.ROOT, "run took %.1f minutes%n", (System.nanoTime() - start) / 60e9);
        }
    }

    private void header(int records, List<String> scenarios) {
        System.out.print(String.format(Locale.ROOT, """
                ## Consumer groups: Josef vs kafka-clients

                - broker: %s; topics of %d partitions
                - kafka-clients %s (group.protocol=classic unless a row says consumer); every member in its own JVM (%s), JVM %s %s, \
                %d processors
                - scenarios %s; (a) %,d records of 100 B; (b) and (c) a steady stream of %,d records/s, \
                session.timeout.ms=%d, heartbeat.interval.ms=%d
                - trials: one warm-up per client (discarded), then %d pairs kafka-clients, Josef; medians shown
                - member logs: %s

                """, bootstrap, partitions, AppInfoParser.getVersion(), String.join(" ", MemberProcess.JVM_OPTIONS),
                System.getProperty("java.vm.name"), System.getProperty("java.runtime.version"),
                Runtime.getRuntime().availableProcessors(), String.join(",", scenarios), records, rate,
                SESSION_TIMEOUT_MS, HEARTBEAT_INTERVAL_MS, pairs, logDir));
        System.out.flush();
    }

    // ---- (a) consuming in a group ----

    private void consuming(int records) throws Exception {
        String topic = topic("a");
        topics.create(topic);
        Map<Integer, Long> ends = fill(topic, records);
        long total = ends.values().stream().mapToLong(Long::longValue).sum();
        progress("(a) wrote " + total + " records to " + topic);
        System.out.print("### (a) Consuming in a group (" + String.format(Locale.ROOT, "%,d", total) + " records)\n\n"
                + "| members | records/s kafka-clients | records/s Josef | records/s ratio | CPU s/M records "
                + "kafka-clients | CPU s/M Josef | CPU ratio | process CPU s/member kafka-clients "
                + "| process CPU s/member Josef | process CPU ratio |\n"
                + "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        System.out.flush();
        for (int members : List.of(1, 3)) {
            List<Trial> trials = Trials.run(pairs, "(a) group of " + members,
                    (client, pair) -> consumeTrial(client, members, topic, ends, total),
                    t -> String.format(Locale.ROOT, "%,12.0f records/s %6.2f CPU s/M (%5.2f from subscribe()) "
                                    + "%6.2f process CPU s/member  span %,8.1f ms  received %,d  slowest close() "
                                    + "%,6.1f ms%n      CPU s/member before close: main thread %.2f, client's threads "
                                    + "%.2f, JIT %.2f, GC %.2f, other %.2f", t.get("rps"), t.get("cpu"),
                            t.get("joinCpu"), t.get("exitCpu"), t.get("spanMs"), (long) t.get("received"),
                            t.get("closeMs"), t.values().getOrDefault("thMain", 0.0),
                            t.values().getOrDefault("thClient", 0.0), t.values().getOrDefault("thJit", 0.0),
                            t.values().getOrDefault("thGc", 0.0), t.values().getOrDefault("thOther", 0.0)));
            double kr = Trials.median(trials, Client.KAFKA_CLIENTS, t -> t.get("rps"));
            double jr = Trials.median(trials, Client.JOSEF, t -> t.get("rps"));
            double kc = Trials.median(trials, Client.KAFKA_CLIENTS, t -> t.get("cpu"));
            double jc = Trials.median(trials, Client.JOSEF, t -> t.get("cpu"));
            double ke = Trials.median(trials, Client.KAFKA_CLIENTS, t -> t.get("exitCpu"));
            double je = Trials.median(trials, Client.JOSEF, t -> t.get("exitCpu"));
            System.out.printf(Locale.ROOT, "| %d | %,.0f | %,.0f | %s | %.2f | %.2f | %s | %.2f | %.2f | %s |%s%n",
                    members, kr, jr, ProducerEndToEnd.ratio(jr, kr), kc, jc, ProducerEndToEnd.ratio(jc, kc), ke, je,
                    ProducerEndToEnd.ratio(je, ke), Trials.failures(trials));
            System.out.flush();
        }
        System.out.println();
        topics.delete(topic);
    }

    private Trial consumeTrial(Client client, int size, String topic, Map<Integer, Long> ends, long total)
            throws Exception {
        String group = newGroup("a");
        Map<String, String> p = new LinkedHashMap<>();
        p.put("group.id", group);
        p.put("auto.offset.reset", "earliest");
        try (GroupTrial trial = new GroupTrial(logDir, partitions)) {
            List<MemberProcess> members = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                members.add(trial.launch(group + "-" + client.arg + "-" + i, memberArgs(client, topic, p, i, false),
                        START_TIMEOUT));
            }
            members.forEach(MemberProcess::go);
            Map<Integer, Long> reached = new HashMap<>();
            trial.awaitUntil(() -> ends.entrySet().stream()
                            .allMatch(e -> reached.getOrDefault(e.getKey(), 0L) >= e.getValue()), CONSUME_TIMEOUT,
                    "every record to be read", e -> {
                        if (e.kind().equals("PROGRESS")) {
                            MemberProcess.progress(e).forEach((partition, next) -> reached.merge(partition, next,
                                    Math::max));
                        }
                    });
            List<Map<String, Long>> results = trial.stopAll(members);
            Map<String, Double> values = new HashMap<>();
            for (MemberProcess m : members) {
                m.threadCpu().forEach((name, ms) -> values.merge(threadKind(name), ms / 1e3 / size, Double::sum));
            }
            long first = Long.MAX_VALUE;
            long last = Long.MIN_VALUE;
            double cpu = 0;
            double joinCpu = 0;
            double exitCpu = 0;
            long received = 0;
            long close = 0;
            for (Map<String, Long> r : results) {
                if (r.get("records") > 0) {
                    first = Math.min(first, r.get("firstMicros"));
                    last = Math.max(last, r.get("lastMicros"));
                }
                cpu += r.get("cpuConsumeNanos");
                joinCpu += r.get("cpuJoinConsumeNanos");
                exitCpu += r.get("cpuExitNanos");
                received += r.get("records");
                close = Math.max(close, r.get("closeMicros"));
            }
            double span = (last - first) / 1e6;
            values.putAll(Map.of("rps", total / span, "cpu", cpu / 1e9 / total * 1e6,
                    "joinCpu", joinCpu / 1e9 / total * 1e6, "exitCpu", exitCpu / 1e9 / size, "spanMs", span * 1e3,
                    "received", (double) received, "closeMs", close / 1e3));
            return new Trial(client, values, null);
        }
    }

    /**
     * Which kind of thread a name from /proc is: the JVM's main thread (where both
     * clients poll; kafka-clients' classic consumer also does its network I/O and
     * fetching there), the client's own threads, the JIT compilers, GC, or other.
     */
    private static String threadKind(String name) {
        if (name.equals("java")) {
            return "thMain";
        } else if (name.startsWith("kafka-") || name.startsWith("josef-")) {
            return "thClient";
        } else if (name.contains("CompilerThre")) {
            return "thJit";
        } else if (name.startsWith("GC ") || name.startsWith("G1 ")) {
            return "thGc";
        }
        return "thOther";
    }

    /** Writes {@code records} records of 100 B round the partitions; returns each partition's end offset. */
    private Map<Integer, Long> fill(String topic, int records) throws Exception {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("bootstrap.servers", bootstrap);
        p.put("linger.ms", 5);
        p.put("acks", "1");
        p.put("enable.idempotence", "false");
        AtomicReference<Exception> failure = new AtomicReference<>();
        Workload workload = new Workload(partitions);
        byte[][] values = Workload.values(100);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < records; i++) {
                int slot = i & workload.slotMask();
                producer.send(new ProducerRecord<>(topic, i % partitions, workload.key(slot), values[slot]), (m, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    }
                });
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("writing the records failed", failure.get());
        }
        List<TopicPartition> tps = new ArrayList<>();
        for (int i = 0; i < partitions; i++) {
            tps.add(new TopicPartition(topic, i));
        }
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap,
                "key.deserializer", ByteArrayDeserializer.class.getName(),
                "value.deserializer", ByteArrayDeserializer.class.getName()))) {
            Map<Integer, Long> ends = new HashMap<>();
            consumer.endOffsets(tps).forEach((tp, end) -> ends.put(tp.partition(), end));
            return ends;
        }
    }

    /** A fresh group id for a trial of {@code scenario}. */
    String newGroup(String scenario) {
        return "group-bench-" + scenario + "-" + runId + "-" + (++trialCount);
    }

    /** The topic of {@code scenario} in this run. */
    String topic(String scenario) {
        return "josef-group-" + scenario + "-" + runId;
    }

    List<String> memberArgs(Client client, String topic, Map<String, String> properties, int index,
                                    boolean noWait) {
        // A short client.id keeps the role in Josef's thread names, which /proc cuts at 15 characters.
        List<String> args = new ArrayList<>(List.of("--client", client.arg, "--bootstrap", bootstrap, "--topic", topic,
                "--property", "client.id=m" + index));
        properties.forEach((k, v) -> {
            args.add("--property");
            args.add(k + "=" + v);
        });
        if (noWait) {
            args.add("--no-wait");
        }
        return args;
    }

    static void progress(String line) {
        System.err.println(line);
        System.err.flush();
    }
}
