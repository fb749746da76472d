package dev.josef.kafka.benchmarks;

import dev.josef.kafka.benchmarks.Trials.Client;
import dev.josef.kafka.benchmarks.Trials.Trial;
import dev.josef.kafka.testkit.KafkaCluster;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.RangeAssignor;
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
 * members is restarted. Tables go to standard output, trials to standard error;
 * the benchmarks README says what each number is. A member runs as this class with
 * {@code --member} ({@link GroupMember}).
 */
public final class GroupBenchmark {
    static final int SESSION_TIMEOUT_MS = 10_000;
    static final int HEARTBEAT_INTERVAL_MS = 1_000;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration CONSUME_TIMEOUT = Duration.ofMinutes(3);
    private static final String USAGE = "usage: GroupBenchmark [--bootstrap HOST:PORT] [--pairs N] [--records N] "
            + "[--partitions N] [--rate RECORDS_PER_S] [--scenarios a,b,c]";

    private final String bootstrap;
    private final ProducerEndToEnd.Topics topics;
    private final int partitions;
    private final int pairs;
    private final int rate;
    private final Path logDir;
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
                        .brokerProperty("group.initial.rebalance.delay.ms", "3000").start();
                bootstrap = cluster.bootstrapServers();
            }
            GroupBenchmark benchmark = new GroupBenchmark(bootstrap, cluster, partitions, pairs, rate);
            benchmark.header(records, scenarios);
            if (scenarios.contains("a")) {
                benchmark.consuming(records);
            }
            if (scenarios.contains("b") || scenarios.contains("c")) {
                benchmark.steadyScenarios(scenarios);
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
                - kafka-clients %s (group.protocol=classic); every member in its own JVM (%s), JVM %s %s, \
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
        String topic = "josef-group-a-" + runId;
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
                    client -> consumeTrial(client, members, topic, ends, total),
                    t -> String.format(Locale.ROOT, "%,12.0f records/s %6.2f CPU s/M (%5.2f from subscribe()) "
                                    + "%6.2f process CPU s/member  span %,8.1f ms  received %,d  slowest close() "
                                    + "%,6.1f ms", t.get("rps"), t.get("cpu"), t.get("joinCpu"), t.get("exitCpu"),
                            t.get("spanMs"), (long) t.get("received"), t.get("closeMs")));
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
        String group = "group-bench-a-" + runId + "-" + (++trialCount);
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
            return new Trial(client, Map.of("rps", total / span, "cpu", cpu / 1e9 / total * 1e6,
                    "joinCpu", joinCpu / 1e9 / total * 1e6, "exitCpu", exitCpu / 1e9 / size, "spanMs", span * 1e3,
                    "received", (double) received, "closeMs", close / 1e3), null);
        }
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

    // ---- (b) and (c): a steady stream ----

    private void steadyScenarios(List<String> scenarios) throws Exception {
        String topic = "josef-group-steady-" + runId;
        topics.create(topic);
        try (SteadyStream stream = new SteadyStream(bootstrap, topic, partitions, rate)) {
            if (scenarios.contains("b")) {
                rebalancing(stream, topic);
            }
            if (scenarios.contains("c")) {
                staticRestart(stream, topic);
            }
        } finally {
            topics.delete(topic);
        }
    }

    private void rebalancing(SteadyStream stream, String topic) throws Exception {
        System.out.print("### (b) A 4th member joins 3 (ms from its subscribe() until every partition is fetched "
                + "again by its final owner; lower is better)\n\n| strategy | partitions paused kafka-clients "
                + "| partitions paused Josef | kafka-clients ms | Josef ms | ratio |\n"
                + "|---|---:|---:|---:|---:|---:|\n");
        System.out.flush();
        for (Class<?> strategy : List.of(RangeAssignor.class, CooperativeStickyAssignor.class)) {
            String label = strategy == RangeAssignor.class ? "eager (range)" : "cooperative (cooperative-sticky)";
            List<Trial> trials = Trials.run(pairs, "(b) " + label, client -> rebalanceTrial(client, topic, strategy),
                    t -> String.format(Locale.ROOT, "rebalance %,9.1f ms  %2.0f partitions paused  4th member's "
                            + "first record at %,9.1f ms", t.get("ms"), t.get("paused"), t.get("fourthFirstMs")));
            stream.check();
            double km = Trials.median(trials, Client.KAFKA_CLIENTS, t -> t.get("ms"));
            double jm = Trials.median(trials, Client.JOSEF, t -> t.get("ms"));
            System.out.printf(Locale.ROOT, "| %s | %.0f | %.0f | %,.0f | %,.0f | %s |%s%n", label,
                    Trials.median(trials, Client.KAFKA_CLIENTS, t -> t.get("paused")),
                    Trials.median(trials, Client.JOSEF, t -> t.get("paused")), km, jm,
                    ProducerEndToEnd.ratio(jm, km), Trials.failures(trials));
            System.out.flush();
        }
        System.out.println();
    }

    private void staticRestart(SteadyStream stream, String topic) throws Exception {
        System.out.print("### (c) A static member's process restarts (ms until the new process's first record; "
                + "lower is better)\n\n| from | kafka-clients ms | Josef ms | ratio |\n|---|---:|---:|---:|\n");
        System.out.flush();
        List<Trial> trials = Trials.run(pairs, "(c) static restart", client -> staticTrial(client, topic),
                t -> String.format(Locale.ROOT, "first record %,8.1f ms after subscribe(), %,8.1f ms after launch; "
                                + "other member rebalanced: %s; same partitions: %s", t.get("subscribeMs"),
                        t.get("launchMs"), t.get("otherRebalanced") > 0 ? "yes" : "no",
                        t.get("samePartitions") > 0 ? "yes" : "no"));
        stream.check();
        for (String[] from : List.of(new String[]{"subscribe()", "subscribeMs"},
                new String[]{"process launch", "launchMs"})) {
            double k = Trials.median(trials, Client.KAFKA_CLIENTS, t -> t.get(from[1]));
            double j = Trials.median(trials, Client.JOSEF, t -> t.get(from[1]));
            System.out.printf(Locale.ROOT, "| %s | %,.0f | %,.0f | %s |%s%n", from[0], k, j,
                    ProducerEndToEnd.ratio(j, k), Trials.failures(trials));
        }
        System.out.println();
        System.out.flush();
    }

    private Map<String, String> sessionProperties(String group) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("group.id", group);
        p.put("auto.offset.reset", "latest");
        p.put("session.timeout.ms", Integer.toString(SESSION_TIMEOUT_MS));
        p.put("heartbeat.interval.ms", Integer.toString(HEARTBEAT_INTERVAL_MS));
        return p;
    }

    private Trial rebalanceTrial(Client client, String topic, Class<?> strategy) throws Exception {
        String group = "group-bench-b-" + runId + "-" + (++trialCount);
        Map<String, String> p = sessionProperties(group);
        p.put("partition.assignment.strategy", strategy.getName());
        try (GroupTrial trial = new GroupTrial(logDir, partitions)) {
            List<MemberProcess> members = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                members.add(trial.launch(group + "-" + client.arg + "-" + i, memberArgs(client, topic, p, i, false),
                        START_TIMEOUT));
            }
            members.forEach(MemberProcess::go);
            trial.awaitSettled(members, SETTLE_TIMEOUT);
            trial.view.mark();
            MemberProcess fourth = trial.launch(group + "-" + client.arg + "-3", memberArgs(client, topic, p, 3, false),
                    START_TIMEOUT);
            members.add(fourth);
            fourth.go();
            trial.awaitSettled(members, SETTLE_TIMEOUT);
            long subscribed = trial.view.subscribedAt(fourth);
            long resumed = trial.view.lastResumed().orElseThrow(() -> new IllegalStateException("no partition moved"));
            return new Trial(client, Map.of("ms", (resumed - subscribed) / 1e3,
                    "paused", (double) trial.view.interruptedCount(),
                    "fourthFirstMs", (trial.view.firstRecordAt(fourth) - subscribed) / 1e3), null);
        }
    }

    private Trial staticTrial(Client client, String topic) throws Exception {
        String group = "group-bench-c-" + runId + "-" + (++trialCount);
        Map<String, String> p = sessionProperties(group);
        try (GroupTrial trial = new GroupTrial(logDir, partitions)) {
            // The first member forms the group alone and leads it; the second, restarted, is a follower.
            Map<String, String> p0 = new LinkedHashMap<>(p);
            p0.put("group.instance.id", group + "-static-0");
            MemberProcess leader = trial.launch(group + "-" + client.arg + "-0",
                    memberArgs(client, topic, p0, 0, false), START_TIMEOUT);
            leader.go();
            trial.awaitSettled(List.of(leader), SETTLE_TIMEOUT);
            Map<String, String> p1 = new LinkedHashMap<>(p);
            p1.put("group.instance.id", group + "-static-1");
            MemberProcess follower = trial.launch(group + "-" + client.arg + "-1", memberArgs(client, topic, p1, 1,
                    false), START_TIMEOUT);
            follower.go();
            trial.awaitSettled(List.of(leader, follower), SETTLE_TIMEOUT);
            var before = List.copyOf(trial.view.owned(follower));
            trial.view.mark();
            trial.stop(follower);
            MemberProcess restarted = trial.launchNow(group + "-" + client.arg + "-1-restarted",
                    memberArgs(client, topic, p1, 1, true));
            trial.awaitUntil(() -> trial.view.firstRecordAt(restarted) != null, SETTLE_TIMEOUT,
                    "the restarted member's first record", e -> { });
            long first = trial.view.firstRecordAt(restarted);
            long subscribed = trial.view.subscribedAt(restarted);
            // Whether the group rebalanced shows in the other member's callbacks, which may come a little later.
            trial.awaitSettled(List.of(leader, restarted), SETTLE_TIMEOUT);
            return new Trial(client, Map.of("subscribeMs", (first - subscribed) / 1e3,
                    "launchMs", (first - restarted.launchMicros) / 1e3,
                    "otherRebalanced", trial.view.rebalancedSinceMark(leader) ? 1.0 : 0.0,
                    "samePartitions", List.copyOf(trial.view.owned(restarted)).equals(before) ? 1.0 : 0.0), null);
        }
    }

    private List<String> memberArgs(Client client, String topic, Map<String, String> properties, int index,
                                    boolean noWait) {
        List<String> args = new ArrayList<>(List.of("--client", client.arg, "--bootstrap", bootstrap, "--topic", topic,
                "--property", "client.id=group-bench-" + client.arg + "-" + index));
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
