package dev.josef.kafka.cli;

import dev.josef.kafka.admin.Admin;
import dev.josef.kafka.producer.Producer;
import dev.josef.kafka.producer.ProducerConfig;
import dev.josef.kafka.producer.ProducerRecord;
import dev.josef.kafka.producer.TransactionAbortableException;
import dev.josef.kafka.protocol.Header;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code josef produce}: one record per line of standard input, through Josef's
 * producer; a one-line summary on stderr. Exit 1 when any record failed.
 */
final class ProduceCommand {
    static final String USAGE = "usage: josef produce -b HOST:PORT -t TOPIC [-K DELIM] [--partition N] "
            + "[--codec none|gzip|snappy|lz4|zstd] [--acks 0|1|all] [-H key=value]... "
            + "[--transactional-id ID [--transaction-size N]] [-X key=value]... [--config FILE]";
    private static final String HELP = String.join("\n", USAGE,
            "Reads records from standard input, one per line: the value alone, or KEY<DELIM>VALUE with -K.",
            "  -t, --topic TOPIC        the topic to write to",
            "  -K, --key-delimiter D    split each line at the first D into key and value",
            "  -p, --partition N        write every record to partition N (default: by key, or spread)",
            "  -z, --codec CODEC        compression: none, gzip, snappy, lz4 or zstd (default none)",
            "  -a, --acks ACKS          0, 1 or all (default all)",
            "  -H, --header key=value   a header on every record (repeatable)",
            "      --transactional-id ID  write in transactions: each batch of lines the input delivers",
            "                           together (up to --transaction-size) commits as one; a batch with a",
            "                           failed record is aborted, and none of its records is read_committed",
            "      --transaction-size N at most N records per transaction (default 10000)",
            "  -b, --bootstrap-server   the cluster: comma-separated host:port addresses",
            "  -X key=value             a kafka-clients producer property (repeatable)",
            "      --config FILE        kafka-clients producer properties from a file");

    private ProduceCommand() {
    }

    static int run(String[] argv, InputStream in, PrintStream out, PrintStream err) {
        return Cli.run("produce", USAGE, err, () -> {
            Args args = new Args.Spec()
                    .value("topic", "-t", "--topic")
                    .value("delimiter", "-K", "--key-delimiter")
                    .value("partition", "-p", "--partition")
                    .value("codec", "-z", "--codec")
                    .value("acks", "-a", "--acks")
                    .repeatable("header", "-H", "--header")
                    .value("transactional-id", "--transactional-id")
                    .value("transaction-size", "--transaction-size")
                    .parse(argv);
            if (args.has("help")) {
                out.println(HELP);
                return Josef.OK;
            }
            args.expectNoArguments();
            String topic = args.topic();
            String delimiter = args.value("delimiter");
            if (delimiter != null && delimiter.isEmpty()) {
                throw new Args.UsageException("the key delimiter is empty");
            }
            delimiter = delimiter == null ? null : Cli.unescape(delimiter);
            Integer partition = args.has("partition")
                    ? Args.integer("--partition", args.value("partition"), 0, Integer.MAX_VALUE) : null;
            List<Header> headers = new ArrayList<>();
            for (String h : args.values("header")) {
                int eq = h.indexOf('=');
                if (eq <= 0) {
                    throw new Args.UsageException("-H needs key=value, not '" + h + "'");
                }
                headers.add(new Header(h.substring(0, eq), h.substring(eq + 1).getBytes(StandardCharsets.UTF_8)));
            }
            Map<String, Object> properties = Cli.properties(args, "josef-produce");
            properties.putIfAbsent("delivery.timeout.ms", "30000");
            if (args.has("codec")) {
                properties.put("compression.type", args.value("codec"));
            }
            if (args.has("acks")) {
                properties.put("acks", args.value("acks"));
            }
            if (args.has("transactional-id")) {
                properties.put("transactional.id", args.value("transactional-id"));
            } else if (args.has("transaction-size")) {
                throw new Args.UsageException("--transaction-size needs --transactional-id");
            }
            int transactionSize = args.has("transaction-size")
                    ? Args.integer("--transaction-size", args.value("transaction-size"), 1, Integer.MAX_VALUE)
                    : 10_000;
            ProducerConfig config = ProducerConfig.fromProperties(properties);
            try (Admin admin = Admin.create(config.network())) {
                Cli.reach(admin, properties);
            }
            return produce(config, topic, delimiter, partition, headers, in, err, transactionSize);
        });
    }

    private static int produce(ProducerConfig config, String topic, String delimiter, Integer partition,
                               List<Header> headers, InputStream in, PrintStream err, int transactionSize)
            throws java.io.IOException, InterruptedException {
        boolean transactional = config.transactionalId().isPresent();
        AtomicLong transactions = new AtomicLong();
        AtomicLong aborted = new AtomicLong();
        long start = System.nanoTime();
        AtomicLong read = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicReference<Throwable> firstFailure = new AtomicReference<>();
        TreeSet<Integer> partitions = new TreeSet<>();
        Producer producer = Producer.create(config);
        AtomicBoolean reported = new AtomicBoolean();
        Runnable summary = () -> {
            if (reported.compareAndSet(false, true)) {
                long ok = read.get() - failed.get();
                String where;
                synchronized (partitions) {
                    where = partitions.isEmpty() ? "" : " (partition" + (partitions.size() == 1 ? " " : "s ")
                            + String.join(",", partitions.stream().map(String::valueOf).toList()) + ")";
                }
                String inTransactions = !transactional ? "" : " in " + transactions.get() + " transaction"
                        + (transactions.get() == 1 ? "" : "s") + (aborted.get() == 0 ? "" : " (" + aborted.get()
                        + " aborted)");
                err.printf("josef produce: %d record%s to %s%s%s in %s%s%n", ok, ok == 1 ? "" : "s", topic, where,
                        inTransactions, Cli.seconds(System.nanoTime() - start), failed.get() == 0 ? "" : ", "
                                + failed.get() + " failed: " + Cli.message(firstFailure.get()));
            }
        };
        // Ctrl-C (a producer fed by tail -f, say): what was read is sent before the JVM goes, and summed up.
        Thread onExit = new Thread(() -> {
            producer.flush(Duration.ofSeconds(5));
            summary.run();
        }, "josef-produce-stop");
        Runtime.getRuntime().addShutdownHook(onExit);
        Transaction txn = transactional ? new Transaction(producer, transactions, aborted, failed, firstFailure)
                : null;
        if (txn != null) {
            producer.initTransactions();
        }
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16)) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (txn != null) {
                    txn.begin();
                }
                byte[] key = null;
                String value = line;
                if (delimiter != null) {
                    int at = line.indexOf(delimiter);
                    if (at >= 0) {
                        key = line.substring(0, at).getBytes(StandardCharsets.UTF_8);
                        value = line.substring(at + delimiter.length());
                    }
                }
                ProducerRecord record = ProducerRecord.of(topic, key, value.getBytes(StandardCharsets.UTF_8));
                if (partition != null) {
                    record = record.withPartition(partition);
                }
                if (!headers.isEmpty()) {
                    record = record.withHeaders(headers);
                }
                read.incrementAndGet();
                try {
                    producer.produce(record, (metadata, error) -> {
                        if (error != null) {
                            if (!transactional) {
                                failed.incrementAndGet(); // in a transaction, its abort counts the records
                            }
                            firstFailure.compareAndSet(null, error);
                        } else {
                            synchronized (partitions) {
                                partitions.add(metadata.partition());
                            }
                        }
                    });
                } catch (IllegalArgumentException e) {
                    // This line alone is refused (a record too large, say); the others go on.
                    failed.incrementAndGet();
                    firstFailure.compareAndSet(null, e);
                    if (txn != null) {
                        txn.records--; // not part of the transaction
                    }
                }
                if (txn != null && (txn.records >= transactionSize || !lines.ready())) {
                    txn.end(); // the input paused (or the transaction is full): what came together commits together
                }
            }
            if (txn != null) {
                txn.end();
            }
            if (!producer.flush(config.deliveryTimeout().plus(Duration.ofSeconds(5)))) {
                firstFailure.compareAndSet(null, new IllegalStateException("records without an outcome after "
                        + config.deliveryTimeout()));
                failed.compareAndSet(0, 1);
            }
        } finally {
            producer.close(Duration.ofSeconds(5));
            try {
                Runtime.getRuntime().removeShutdownHook(onExit);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs now and prints the summary
            }
        }
        summary.run();
        return failed.get() == 0 ? Josef.OK : Josef.FAILED;
    }

    /** The open transaction of {@code --transactional-id}: begun at a line, ended when the input pauses. */
    private static final class Transaction {
        private final Producer producer;
        private final AtomicLong transactions;
        private final AtomicLong aborted;
        private final AtomicLong failed;
        private final AtomicReference<Throwable> firstFailure;
        private boolean open;
        int records;

        Transaction(Producer producer, AtomicLong transactions, AtomicLong aborted, AtomicLong failed,
                    AtomicReference<Throwable> firstFailure) {
            this.producer = producer;
            this.transactions = transactions;
            this.aborted = aborted;
            this.failed = failed;
            this.firstFailure = firstFailure;
        }

        void begin() {
            if (!open) {
                producer.beginTransaction();
                open = true;
                records = 0;
            }
            records++;
        }

        /** Commits; a transaction that cannot commit is aborted, and all its records count as failed. */
        void end() {
            if (!open) {
                return;
            }
            open = false;
            transactions.incrementAndGet();
            try {
                producer.commitTransaction();
            } catch (TransactionAbortableException e) {
                firstFailure.compareAndSet(null, e);
                producer.abortTransaction();
                aborted.incrementAndGet();
                failed.addAndGet(records);
            }
        }
    }
}
