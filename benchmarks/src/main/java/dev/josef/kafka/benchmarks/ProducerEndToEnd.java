package dev.josef.kafka.benchmarks;

import dev.josef.kafka.testkit.KafkaCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.AppInfoParser;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * End to end: Josef's producer against kafka-clients' KafkaProducer on the same
 * real broker, in one run.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.josef.kafka.benchmarks.ProducerEndToEnd [options]
 * </pre>
 *
 * <p>For each row (value size times compression) it runs a discarded warm-up
 * trial per client, then alternating trials, kafka-clients then Josef, each on a
 * fresh topic with a fresh producer built from one map of kafka-clients
 * properties. It prints a markdown table per row (medians of the trials and
 * Josef / kafka-clients) on standard output and its progress on standard error.
 * The broker is one Apache Kafka broker from kafka-testkit in a child JVM, unless
 * {@code --bootstrap} names one. See the benchmarks README for what each column
 * measures.
 */
public final class ProducerEndToEnd {
    static final int DEFAULT_PAIRS = 3;
    static final int DEFAULT_PARTITIONS = 6;
    static final int DEFAULT_REPLICATION_FACTOR = 1;
    static final int DEFAULT_LINGER_MS = 5;
    /** kafka-clients' default, and Josef's. */
    static final int DEFAULT_BATCH_SIZE = 16 * 1024;
    /** kafka-clients' default, and Josef's. */
    static final long DEFAULT_BUFFER_MEMORY = 32L * 1024 * 1024;
    static final List<Integer> DEFAULT_VALUE_SIZES = List.of(100, 1024);
    static final List<String> DEFAULT_COMPRESSIONS = List.of("none", "lz4", "zstd");
    /** Longer than the default delivery timeout (2 minutes) of both clients. */
    static final Duration OUTCOME_TIMEOUT = Duration.ofMinutes(3);
    /** After a topic is deleted, time for the broker to remove its log before the next trial. */
    static final Duration SETTLE = Duration.ofSeconds(2);
    static final int MAX_VALUE_SIZE = 16 * 1024;

    private static final double[] QUANTILES = {0.50, 0.99};
    private static final Metric PROCESS_CPU = new Metric("process CPU s (whole JVM)", "processCpuSeconds", "%,.2f",
            false, Trial::processCpuSeconds);
    private static final List<Metric> METRICS = List.of(
            new Metric("records/s", "recordsPerSecond", "%,.0f", true, Trial::recordsPerSecond),
            new Metric("MB/s (key + value)", "megabytesPerSecond", "%,.1f", true, Trial::megabytesPerSecond),
            new Metric("p50 latency (ms)", "p50LatencyMillis", "%,.2f", false, Trial::p50Millis),
            new Metric("p99 latency (ms)", "p99LatencyMillis", "%,.2f", false, Trial::p99Millis),
            new Metric("CPU s / M records", "cpuSecondsPerMillionRecords", "%,.2f", false, Trial::cpuSecondsPerMillion),
            new Metric("B allocated / record", "allocatedBytesPerRecord", "%,.0f", false, Trial::bytesPerRecord));

    private final Options options;
    private final String bootstrap;
    private final Topics topics;
    private final String brokerDescription;
    private final Workload workload;
    private final int[] partitionOfSlot;
    private final AckRecorder recorder;
    private final ResourceMeter meter = new ResourceMeter();
    private final String runId = Long.toString(System.currentTimeMillis(), 36);
    private int topicCount;
    /** What the tables show: with a JVM per trial, the child's whole-process CPU too. */
    private final List<Metric> metrics;
    /** In a trial's own JVM ({@code --child}): the topic the parent made; no topic is made or deleted here. */
    private String childTopic;

    private ProducerEndToEnd(Options options, String bootstrap, KafkaCluster cluster) {
        this.options = options;
        this.bootstrap = bootstrap;
        this.topics = new Topics(cluster, bootstrap, options.partitions, (short) options.replicationFactor);
        this.brokerDescription = cluster != null
                ? "one Apache Kafka broker started by kafka-testkit (child JVM on 127.0.0.1, " + bootstrap + ")"
                : "external, " + bootstrap;
        this.workload = new Workload(options.partitions);
        this.partitionOfSlot = workload.partitions();
        int maxRecords = 0;
        for (int size : options.valueSizes) {
            maxRecords = Math.max(maxRecords, Math.max(options.records(size), options.warmupRecords(size)));
        }
        this.recorder = new AckRecorder(partitionOfSlot, options.partitions, maxRecords);
        List<Metric> shown = new ArrayList<>(METRICS);
        if (options.jvmPerTrial) {
            shown.add(PROCESS_CPU);
        }
        this.metrics = List.copyOf(shown);
    }

    public static void main(String[] args) throws Exception {
        // kafka-otel is in the benchmarks jar for TelemetryBenchmark: here Josef is measured without it.
        System.setProperty("josef.otel.auto", "false");
        // Before any logger exists: kafka-clients logs its whole configuration at
        // INFO for every producer and admin client, once per trial.
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(Options.USAGE);
            System.exit(2);
            return;
        }
        if (options.help) {
            System.out.println(Options.USAGE);
            return;
        }
        if (options.childClient != null) {
            System.exit(runChild(options));
        }
        KafkaCluster cluster = null;
        Thread hook = null;
        try {
            String bootstrap = options.bootstrap;
            if (bootstrap == null) {
                progress("starting a broker with kafka-testkit");
                cluster = KafkaCluster.builder()
                        .brokers(1)
                        // Deleted topics' logs go within a second, not a minute, so a
                        // run needs the disk of one trial, not of all of them.
                        .brokerProperty("log.segment.delete.delay.ms", "1000")
                        .start();
                KafkaCluster started = cluster;
                hook = new Thread(started::close, "producer-end-to-end-shutdown");
                Runtime.getRuntime().addShutdownHook(hook);
                bootstrap = cluster.bootstrapServers();
                progress("broker up at " + bootstrap + ", logs in " + cluster.directory());
            }
            new ProducerEndToEnd(options, bootstrap, cluster).run();
        } finally {
            if (cluster != null) {
                cluster.close();
            }
            if (hook != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook runs (or ran) and finds the cluster closed
                }
            }
        }
    }

    private void run() throws Exception {
        StringBuilder header = new StringBuilder();
        header.append("## End-to-end producer: Josef vs kafka-clients\n\n")
                .append("- broker: ").append(brokerDescription).append('\n')
                .append("- topics: ").append(options.partitions).append(" partitions, replication factor ")
                .append(options.replicationFactor).append(", a fresh one per trial\n")
                .append("- both producers: acks=all, enable.idempotence=true, linger.ms=").append(options.lingerMs)
                .append(", batch.size=").append(options.batchSize).append(", buffer.memory=").append(options.bufferMemory)
                .append("; ").append(Workload.KEY_SIZE).append("-byte keys; each record's partition is set to the one")
                .append(" kafka-clients' default partitioner picks for its key\n")
                .append("- kafka-clients ").append(AppInfoParser.getVersion()).append("; JVM ")
                .append(System.getProperty("java.vm.name")).append(' ').append(System.getProperty("java.runtime.version"))
                .append(", ").append(Runtime.getRuntime().availableProcessors()).append(" processors\n")
                .append("- trials: one warm-up per client (discarded), then ").append(options.pairs)
                .append(" pairs kafka-clients, Josef; tables show the median of each client's trials\n")
                .append(options.jvmPerTrial ? "- each trial in a JVM of its own (" + String.join(" ",
                        MemberProcess.JVM_OPTIONS) + "), which first runs a warm-up trial on the same topic; "
                        + "process CPU s is that JVM's whole CPU time (start-up, class loading, JIT, warm-up and GC "
                        + "included)\n" : "")
                .append("- CPU: ").append(meter.measuresCpu() ? "process CPU time of the "
                        + (options.jvmPerTrial ? "trial's" : "benchmark") + " JVM over the measured part"
                        : "not supported")
                .append("; allocation: ").append(meter.allocationMethod()).append("\n\n");
        System.out.print(header);
        System.out.flush();

        List<RowResult> results = new ArrayList<>();
        for (int size : options.valueSizes) {
            byte[][] values = Workload.values(size);
            for (String compression : options.compressions) {
                Row row = new Row(size, compression, options.records(size), options.warmupRecords(size));
                RowResult result = runRow(row, values);
                results.add(result);
                System.out.print(table(result));
                System.out.flush();
                if (options.json != null) {
                    writeJson(results);
                }
            }
        }
        System.out.print(summary(results));
        System.out.flush();
        if (options.json != null) {
            progress("wrote " + options.json);
        }
    }

    private RowResult runRow(Row row, byte[][] values) throws Exception {
        progress("== " + row.label() + ", " + String.format(Locale.ROOT, "%,d", row.records) + " records per trial");
        for (Client client : Client.values()) {
            report(trial(client, row, values, row.warmupRecords, 0), "warm-up");
        }
        List<Trial> trials = new ArrayList<>();
        for (int pair = 1; pair <= options.pairs; pair++) {
            for (Client client : Client.values()) {
                Trial trial = trial(client, row, values, row.records, pair);
                report(trial, "trial " + pair);
                trials.add(trial);
            }
        }
        return new RowResult(row, trials);
    }

    /** One producer on one fresh topic; a trial with any error is failed, with no numbers. */
    private Trial trial(Client client, Row row, byte[][] values, int records, int pair) throws InterruptedException {
        if (options.jvmPerTrial && childTopic == null) {
            return childTrial(client, row, records, pair);
        }
        String topic = childTopic != null ? childTopic : "josef-e2e-" + runId + "-" + (++topicCount);
        String failure = null;
        ResourceMeter.Reading before = null;
        ResourceMeter.Reading after = null;
        long start = 0;
        try {
            if (childTopic == null) {
                topics.create(topic);
            }
            recorder.reset(records);
            try (EndToEndDriver driver = client.open(producerProperties(client, row.compression), topic, workload,
                    values, recorder)) {
                driver.prime(options.partitions);
                System.gc();
                int mask = workload.slotMask();
                int sent = 0;
                before = meter.read();
                start = System.nanoTime();
                try {
                    for (; sent < records; sent++) {
                        int slot = sent & mask;
                        recorder.sent(partitionOfSlot[slot]);
                        driver.send(slot);
                    }
                } catch (RuntimeException e) {
                    failure = "sending failed after " + sent + " records: " + e;
                }
                boolean flushed = driver.flush(OUTCOME_TIMEOUT);
                boolean complete = recorder.awaitCompleted(sent, OUTCOME_TIMEOUT);
                after = meter.read();
                if (failure == null && !flushed) {
                    failure = "flush did not finish within " + OUTCOME_TIMEOUT;
                }
                if (failure == null && !complete) {
                    failure = "only " + recorder.completed() + " of " + records + " records had an outcome after "
                            + OUTCOME_TIMEOUT;
                }
                if (failure == null && recorder.errors() > 0) {
                    failure = recorder.errors() + " of " + records + " records failed, the first: " + recorder.firstError();
                }
            }
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            if (failure == null) {
                failure = e.toString();
            }
        } finally {
            if (childTopic == null) {
                topics.delete(topic);
                Thread.sleep(SETTLE.toMillis());
            }
        }
        if (failure != null) {
            return Trial.failed(client, pair, records, failure);
        }
        double seconds = (recorder.lastAckNanos() - start) / 1e9;
        long[] latency = recorder.latencyQuantiles(QUANTILES);
        long cpu = ResourceMeter.cpuNanos(before, after);
        long allocated = meter.allocatedBytes(before, after);
        return new Trial(client, pair, records, null,
                records / seconds,
                (double) records * (Workload.KEY_SIZE + row.valueSize) / seconds / 1e6,
                latency[0] / 1e6,
                latency[1] / 1e6,
                cpu < 0 ? Double.NaN : cpu / 1e9 / records * 1e6,
                allocated < 0 ? Double.NaN : (double) allocated / records, Double.NaN);
    }

    /**
     * With {@code --jvm-per-trial}: the trial in a JVM of its own ({@link ChildJvm}),
     * which warms up on the topic, then runs the measured trial, and also reports
     * its whole process's CPU time (start-up, class loading, JIT, warm-up and GC
     * included), as a user's producer process would spend it.
     */
    private Trial childTrial(Client client, Row row, int records, int pair) throws InterruptedException {
        String topic = "josef-e2e-" + runId + "-" + (++topicCount);
        String warmTopic = topic + "-warm-up"; // the recorder checks each trial's offsets from the topic's start
        try {
            topics.create(warmTopic);
            topics.create(topic);
            ChildJvm.Result r = ChildJvm.run(ProducerEndToEnd.class, List.of(), List.of(
                    "--bootstrap", bootstrap, "--sizes", Integer.toString(row.valueSize()),
                    "--compression", row.compression(), "--records", Integer.toString(records),
                    "--warmup-records", Integer.toString(row.warmupRecords()),
                    "--partitions", Integer.toString(options.partitions),
                    "--linger-ms", Integer.toString(options.lingerMs),
                    "--batch-size", Integer.toString(options.batchSize),
                    "--buffer-memory", Long.toString(options.bufferMemory),
                    "--jvm-per-trial", "--child", client.id, warmTopic, topic, Integer.toString(pair)));
            if (r.failure() != null) {
                return Trial.failed(client, pair, records, r.failure());
            }
            Map<String, Double> v = r.values();
            return new Trial(client, pair, records, null, v.get("recordsPerSecond"), v.get("megabytesPerSecond"),
                    v.get("p50Millis"), v.get("p99Millis"), v.get("cpuSecondsPerMillion"), v.get("bytesPerRecord"),
                    v.get("processCpuSeconds"));
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            return Trial.failed(client, pair, records, e.toString());
        } finally {
            topics.delete(warmTopic);
            topics.delete(topic);
            Thread.sleep(SETTLE.toMillis());
        }
    }

    /** {@code --child CLIENT WARM-UP-TOPIC TOPIC PAIR}: a warm-up and one measured trial in this JVM; prints its RESULT. */
    private static int runChild(Options options) throws InterruptedException {
        Client client = options.childClient.equals(Client.JOSEF.id) ? Client.JOSEF : Client.KAFKA_CLIENTS;
        ProducerEndToEnd bench = new ProducerEndToEnd(options, options.bootstrap, null);
        int size = options.valueSizes.get(0);
        Row row = new Row(size, options.compressions.get(0), options.records(size), options.warmupRecords(size));
        byte[][] values = Workload.values(size);
        bench.childTopic = options.childWarmTopic;
        Trial warm = bench.trial(client, row, values, row.warmupRecords(), 0);
        bench.childTopic = options.childTopic;
        Trial t = warm.failure != null ? warm : bench.trial(client, row, values, row.records(), options.childPair);
        if (t.failure != null) {
            System.out.println("FAILED " + t.failure);
            return 1;
        }
        long processCpu = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
        System.out.printf(Locale.ROOT, "RESULT recordsPerSecond=%.3f megabytesPerSecond=%.4f p50Millis=%.4f "
                        + "p99Millis=%.4f cpuSecondsPerMillion=%.5f bytesPerRecord=%.2f processCpuSeconds=%.4f%n",
                t.recordsPerSecond, t.megabytesPerSecond, t.p50Millis, t.p99Millis, t.cpuSecondsPerMillion,
                t.bytesPerRecord, processCpu / 1e9);
        return 0;
    }

    /** The one map both producers are built from; only client.id differs. */
    private Map<String, Object> producerProperties(Client client, String compression) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("bootstrap.servers", bootstrap);
        p.put("client.id", "e2e-" + client.id);
        p.put("acks", "all");
        p.put("enable.idempotence", "true");
        p.put("linger.ms", Integer.toString(options.lingerMs));
        p.put("batch.size", Integer.toString(options.batchSize));
        p.put("buffer.memory", Long.toString(options.bufferMemory));
        p.put("compression.type", compression);
        p.put("key.serializer", ByteArraySerializer.class.getName());
        p.put("value.serializer", ByteArraySerializer.class.getName());
        return p;
    }

    private static void report(Trial t, String what) {
        if (t.failure != null) {
            progress(String.format(Locale.ROOT, "%-13s %-8s FAILED: %s", t.client.label, what, t.failure));
            return;
        }
        progress(String.format(Locale.ROOT,
                "%-13s %-8s %,10.0f records/s %8.1f MB/s  p50 %7.2f ms  p99 %8.2f ms  %6.2f CPU s/M  %,8.0f B/record%s",
                t.client.label, what, t.recordsPerSecond, t.megabytesPerSecond, t.p50Millis, t.p99Millis,
                t.cpuSecondsPerMillion, t.bytesPerRecord, Double.isNaN(t.processCpuSeconds) ? ""
                        : String.format(Locale.ROOT, "  process CPU %.2f s", t.processCpuSeconds)));
    }

    private static void progress(String line) {
        System.err.println(line);
    }

    private String table(RowResult r) {
        StringBuilder s = new StringBuilder();
        s.append("### ").append(r.row.label()).append("\n\n")
                .append(String.format(Locale.ROOT, "%,d", r.row.records)).append(" records per trial; median of ")
                .append(succeeded(r.trials, Client.KAFKA_CLIENTS)).append(" kafka-clients and ")
                .append(succeeded(r.trials, Client.JOSEF)).append(" Josef trials of ").append(options.pairs)
                .append(" each").append(failures(r.trials)).append(".\n\n")
                .append("| | kafka-clients | Josef | Josef / kafka-clients |\n")
                .append("|---|---:|---:|---:|\n");
        for (Metric m : metrics) {
            double kafka = median(r.trials, Client.KAFKA_CLIENTS, m.value);
            double josef = median(r.trials, Client.JOSEF, m.value);
            s.append("| ").append(m.name).append(m.higherIsBetter ? " (higher is better)" : " (lower is better)")
                    .append(" | ").append(format(m.format, kafka, r.trials, Client.KAFKA_CLIENTS))
                    .append(" | ").append(format(m.format, josef, r.trials, Client.JOSEF))
                    .append(" | ").append(ratio(josef, kafka)).append(" |\n");
        }
        return s.append('\n').toString();
    }

    private String summary(List<RowResult> results) {
        StringBuilder s = new StringBuilder("### Josef / kafka-clients, all rows\n\n"
                + "records/s above 1 is better; latency, CPU and allocation below 1 are better.\n\n"
                + "| value | compression | records/s | p50 latency | p99 latency | CPU / record | B / record |"
                + (options.jvmPerTrial ? " process CPU (whole JVM) |\n" : "\n")
                + "|---|---|---:|---:|---:|---:|---:|" + (options.jvmPerTrial ? "---:|\n" : "\n"));
        for (RowResult r : results) {
            s.append("| ").append(r.row.valueSize).append(" B | ").append(r.row.compression);
            for (Metric m : metrics) {
                if (m.json.equals("megabytesPerSecond")) {
                    continue; // the same ratio as records/s: both send the same bytes
                }
                s.append(" | ").append(ratio(median(r.trials, Client.JOSEF, m.value),
                        median(r.trials, Client.KAFKA_CLIENTS, m.value)));
            }
            s.append(" |\n");
        }
        return s.append('\n').toString();
    }

    private static long succeeded(List<Trial> trials, Client client) {
        return trials.stream().filter(t -> t.client == client && t.failure == null).count();
    }

    private static String failures(List<Trial> trials) {
        StringBuilder s = new StringBuilder();
        for (Trial t : trials) {
            if (t.failure != null) {
                s.append("; ").append(t.client.label).append(" trial ").append(t.pair).append(" failed: ")
                        .append(t.failure.replace('|', '/').replace('\n', ' '));
            }
        }
        return s.toString();
    }

    private static String format(String format, double value, List<Trial> trials, Client client) {
        if (succeeded(trials, client) == 0) {
            return "failed";
        }
        return Double.isNaN(value) ? "n/a" : String.format(Locale.ROOT, format, value);
    }

    static String ratio(double josef, double kafka) {
        if (Double.isNaN(josef) || Double.isNaN(kafka) || kafka == 0) {
            return "n/a";
        }
        return String.format(Locale.ROOT, "**%.2f×**", josef / kafka);
    }

    /** The median of one client's successful trials, NaN if none succeeded. */
    static double median(List<Trial> trials, Client client, ToDoubleFunction<Trial> metric) {
        double[] xs = trials.stream().filter(t -> t.client == client && t.failure == null)
                .mapToDouble(metric).sorted().toArray();
        if (xs.length == 0) {
            return Double.NaN;
        }
        int m = xs.length / 2;
        return xs.length % 2 == 1 ? xs[m] : (xs[m - 1] + xs[m]) / 2;
    }

    private void writeJson(List<RowResult> results) throws IOException {
        StringBuilder s = new StringBuilder("{\n  \"settings\": {")
                .append("\"broker\": ").append(jsonString(brokerDescription))
                .append(", \"partitions\": ").append(options.partitions)
                .append(", \"replicationFactor\": ").append(options.replicationFactor)
                .append(", \"acks\": \"all\", \"idempotence\": true")
                .append(", \"lingerMs\": ").append(options.lingerMs)
                .append(", \"batchSize\": ").append(options.batchSize)
                .append(", \"bufferMemory\": ").append(options.bufferMemory)
                .append(", \"keySize\": ").append(Workload.KEY_SIZE)
                .append(", \"pairs\": ").append(options.pairs)
                .append(", \"kafkaClientsVersion\": ").append(jsonString(AppInfoParser.getVersion()))
                .append(", \"jvm\": ").append(jsonString(System.getProperty("java.vm.name") + " "
                        + System.getProperty("java.runtime.version")))
                .append(", \"processors\": ").append(Runtime.getRuntime().availableProcessors())
                .append(", \"allocation\": ").append(jsonString(meter.allocationMethod()))
                .append("},\n  \"rows\": [");
        for (int i = 0; i < results.size(); i++) {
            RowResult r = results.get(i);
            s.append(i == 0 ? "\n" : ",\n")
                    .append("    {\"valueSize\": ").append(r.row.valueSize)
                    .append(", \"compression\": ").append(jsonString(r.row.compression))
                    .append(", \"records\": ").append(r.row.records)
                    .append(",\n      \"median\": {");
            for (Client c : Client.values()) {
                s.append(c.ordinal() == 0 ? "" : ", ").append(jsonString(c.id)).append(": {");
                for (int m = 0; m < metrics.size(); m++) {
                    s.append(m == 0 ? "" : ", ").append(jsonString(metrics.get(m).json)).append(": ")
                            .append(jsonNumber(median(r.trials, c, metrics.get(m).value)));
                }
                s.append('}');
            }
            s.append("},\n      \"ratio\": {");
            for (int m = 0; m < metrics.size(); m++) {
                Metric metric = metrics.get(m);
                double josef = median(r.trials, Client.JOSEF, metric.value);
                double kafka = median(r.trials, Client.KAFKA_CLIENTS, metric.value);
                s.append(m == 0 ? "" : ", ").append(jsonString(metric.json)).append(": ")
                        .append(jsonNumber(kafka == 0 ? Double.NaN : josef / kafka));
            }
            s.append("},\n      \"trials\": [");
            for (int t = 0; t < r.trials.size(); t++) {
                Trial trial = r.trials.get(t);
                s.append(t == 0 ? "\n" : ",\n").append("        {\"client\": ").append(jsonString(trial.client.id))
                        .append(", \"pair\": ").append(trial.pair)
                        .append(", \"failure\": ").append(trial.failure == null ? "null" : jsonString(trial.failure));
                if (trial.failure == null) {
                    for (Metric metric : metrics) {
                        s.append(", ").append(jsonString(metric.json)).append(": ")
                                .append(jsonNumber(metric.value.applyAsDouble(trial)));
                    }
                }
                s.append('}');
            }
            s.append("\n      ]}");
        }
        s.append("\n  ]\n}\n");
        Files.writeString(options.json, s, StandardCharsets.UTF_8);
    }

    private static String jsonNumber(double value) {
        return Double.isNaN(value) || Double.isInfinite(value) ? "null" : String.format(Locale.ROOT, "%.4f", value);
    }

    private static String jsonString(String value) {
        StringBuilder s = new StringBuilder("\"");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> s.append("\\\"");
                case '\\' -> s.append("\\\\");
                case '\n' -> s.append("\\n");
                case '\r' -> s.append("\\r");
                case '\t' -> s.append("\\t");
                default -> {
                    if (c < 0x20) {
                        s.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        s.append(c);
                    }
                }
            }
        }
        return s.append('"').toString();
    }

    enum Client {
        KAFKA_CLIENTS("kafka-clients", "kafka-clients"),
        JOSEF("Josef", "josef");

        final String label;
        final String id;

        Client(String label, String id) {
            this.label = label;
            this.id = id;
        }

        EndToEndDriver open(Map<String, Object> properties, String topic, Workload workload, byte[][] values,
                            AckRecorder recorder) {
            return this == JOSEF ? new JosefDriver(properties, topic, workload, values, recorder)
                    : new KafkaClientsDriver(properties, topic, workload, values, recorder);
        }
    }

    record Row(int valueSize, String compression, int records, int warmupRecords) {
        String label() {
            return valueSize + " B values, compression " + compression;
        }
    }

    record RowResult(Row row, List<Trial> trials) {
    }

    /** One trial's numbers; when {@code failure} is set, they are NaN and not reported. */
    /** @param processCpuSeconds the trial's whole JVM's CPU time, with a JVM per trial; NaN otherwise */
    record Trial(Client client, int pair, int records, String failure, double recordsPerSecond,
                 double megabytesPerSecond, double p50Millis, double p99Millis, double cpuSecondsPerMillion,
                 double bytesPerRecord, double processCpuSeconds) {
        static Trial failed(Client client, int pair, int records, String failure) {
            return new Trial(client, pair, records, failure, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                    Double.NaN, Double.NaN, Double.NaN);
        }
    }

    record Metric(String name, String json, String format, boolean higherIsBetter, ToDoubleFunction<Trial> value) {
    }

    /**
     * Creates and deletes the trials' topics: through the kit when it runs the
     * broker, else through an Admin client. Each Admin client is closed before
     * the trial starts, so that its thread adds nothing to the trial's CPU time
     * or allocation.
     */
    static final class Topics {
        private final KafkaCluster cluster;
        private final String bootstrap;
        private final int partitions;
        private final short replicationFactor;

        Topics(KafkaCluster cluster, String bootstrap, int partitions, short replicationFactor) {
            this.cluster = cluster;
            this.bootstrap = bootstrap;
            this.partitions = partitions;
            this.replicationFactor = replicationFactor;
        }

        void create(String name) throws Exception {
            if (cluster != null) {
                cluster.createTopic(name, partitions, replicationFactor);
                return;
            }
            try (Admin admin = admin()) {
                admin.createTopics(List.of(new NewTopic(name, partitions, replicationFactor))).all()
                        .get(30, TimeUnit.SECONDS);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (true) {
                    try {
                        TopicDescription topic = admin.describeTopics(List.of(name)).allTopicNames()
                                .get(30, TimeUnit.SECONDS).get(name);
                        if (topic.partitions().size() == partitions && topic.partitions().stream()
                                .allMatch(p -> p.leader() != null && !p.leader().isEmpty())) {
                            return;
                        }
                    } catch (ExecutionException notYet) {
                        // the topic is not in the metadata yet
                    }
                    if (System.nanoTime() - deadline > 0) {
                        throw new IllegalStateException("topic " + name + " has no leader for every partition after 30 s");
                    }
                    Thread.sleep(50);
                }
            }
        }

        void delete(String name) {
            try (Admin admin = admin()) {
                admin.deleteTopics(List.of(name)).all().get(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                progress("warning: could not delete topic " + name + ": " + e);
            }
        }

        private Admin admin() {
            return Admin.create(Map.<String, Object>of(
                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    AdminClientConfig.CLIENT_ID_CONFIG, "e2e-admin"));
        }
    }

    /** The command line. */
    static final class Options {
        static final String USAGE = """
                usage: java -cp benchmarks/target/benchmarks.jar dev.josef.kafka.benchmarks.ProducerEndToEnd [options]
                  --bootstrap HOST:PORT   use this broker instead of starting one with kafka-testkit
                  --pairs N               measured kafka-clients/Josef trial pairs per row (default 3)
                  --records N             records per trial for every row (default 1,000,000 up to
                                          100 B values, 300,000 at 1 KiB, fewer above)
                  --warmup-records N      records of each warm-up trial (default: as --records)
                  --sizes A,B,...         value sizes in bytes, at most 16384 (default 100,1024)
                  --compression A,B,...   none, gzip, snappy, lz4, zstd (default none,lz4,zstd)
                  --partitions N          partitions of each trial's topic (default 6)
                  --replication-factor N  of each trial's topic (default 1)
                  --linger-ms N           linger.ms of both producers (default 5)
                  --batch-size N          batch.size of both producers (default 16384)
                  --buffer-memory N       buffer.memory of both producers (default 33554432)
                  --json FILE             also write the results, with every trial, as JSON
                  --jvm-per-trial         run each trial's producer in a JVM of its own (warm-up and measured
                                          trial there), and report that JVM's whole CPU time too
                """;

        String bootstrap;
        int pairs = DEFAULT_PAIRS;
        Integer records;
        Integer warmupRecords;
        List<Integer> valueSizes = DEFAULT_VALUE_SIZES;
        List<String> compressions = DEFAULT_COMPRESSIONS;
        int partitions = DEFAULT_PARTITIONS;
        int replicationFactor = DEFAULT_REPLICATION_FACTOR;
        int lingerMs = DEFAULT_LINGER_MS;
        int batchSize = DEFAULT_BATCH_SIZE;
        long bufferMemory = DEFAULT_BUFFER_MEMORY;
        Path json;
        boolean help;
        boolean jvmPerTrial;
        String childClient;
        String childWarmTopic;
        String childTopic;
        int childPair;

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String name = args[i];
                switch (name) {
                    case "--help", "-h" -> o.help = true;
                    case "--bootstrap" -> o.bootstrap = value(args, ++i, name);
                    case "--pairs" -> o.pairs = positive(args, ++i, name);
                    case "--records" -> o.records = positive(args, ++i, name);
                    case "--warmup-records" -> o.warmupRecords = positive(args, ++i, name);
                    case "--sizes" -> o.valueSizes = sizes(value(args, ++i, name));
                    case "--compression" -> o.compressions = compressions(value(args, ++i, name));
                    case "--partitions" -> o.partitions = positive(args, ++i, name);
                    case "--replication-factor" -> o.replicationFactor = positive(args, ++i, name);
                    case "--linger-ms" -> o.lingerMs = nonNegative(args, ++i, name);
                    case "--batch-size" -> o.batchSize = positive(args, ++i, name);
                    case "--buffer-memory" -> o.bufferMemory = positive(args, ++i, name);
                    case "--json" -> o.json = Path.of(value(args, ++i, name));
                    case "--jvm-per-trial" -> o.jvmPerTrial = true;
                    case "--child" -> {
                        o.childClient = value(args, ++i, name);
                        o.childWarmTopic = value(args, ++i, name);
                        o.childTopic = value(args, ++i, name);
                        o.childPair = nonNegative(args, ++i, name);
                    }
                    default -> throw new IllegalArgumentException("unknown option '" + name + "'");
                }
            }
            if (o.replicationFactor > Short.MAX_VALUE) {
                throw new IllegalArgumentException("--replication-factor must be at most " + Short.MAX_VALUE);
            }
            return o;
        }

        /** Records per trial: enough that a trial takes some seconds on a small machine. */
        int records(int valueSize) {
            if (records != null) {
                return records;
            }
            if (valueSize <= 100) {
                return 1_000_000;
            }
            return valueSize <= 1024 ? 300_000 : Math.max(10_000, 300_000_000 / valueSize);
        }

        int warmupRecords(int valueSize) {
            return warmupRecords != null ? warmupRecords : records(valueSize);
        }

        private static String value(String[] args, int i, String name) {
            if (i >= args.length) {
                throw new IllegalArgumentException(name + " needs a value");
            }
            return args[i];
        }

        private static int positive(String[] args, int i, String name) {
            int n = nonNegative(args, i, name);
            if (n == 0) {
                throw new IllegalArgumentException(name + " must be positive");
            }
            return n;
        }

        private static int nonNegative(String[] args, int i, String name) {
            String text = value(args, i, name).replace("_", "").replace(",", "");
            try {
                int n = Integer.parseInt(text);
                if (n < 0) {
                    throw new IllegalArgumentException(name + " must not be negative, was " + n);
                }
                return n;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " must be a number, was '" + args[i] + "'", e);
            }
        }

        private static List<Integer> sizes(String text) {
            List<Integer> sizes = new ArrayList<>();
            for (String part : text.split(",")) {
                try {
                    int size = Integer.parseInt(part.trim());
                    if (size < 1 || size > MAX_VALUE_SIZE) {
                        throw new IllegalArgumentException("--sizes: each size must be 1 to " + MAX_VALUE_SIZE
                                + ", was " + size);
                    }
                    sizes.add(size);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--sizes must be numbers separated by commas, was '" + text + "'", e);
                }
            }
            return List.copyOf(sizes);
        }

        private static List<String> compressions(String text) {
            List<String> compressions = new ArrayList<>();
            for (String part : text.split(",")) {
                String name = part.trim().toLowerCase(Locale.ROOT);
                if (!List.of("none", "gzip", "snappy", "lz4", "zstd").contains(name)) {
                    throw new IllegalArgumentException("--compression: '" + part + "' is not none, gzip, snappy, lz4 or zstd");
                }
                compressions.add(name);
            }
            return List.copyOf(compressions);
        }
    }
}
