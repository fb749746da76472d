package dev.josef.kafka.consumer;

import dev.josef.kafka.protocol.IsolationLevel;
import dev.josef.kafka.consumer.spi.ConsumerHook;
import dev.josef.kafka.net.NetworkConfig;
import dev.josef.kafka.protocol.KafkaException;
import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.testkit.KafkaCluster;
import dev.josef.kafka.testkit.KafkaClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The consumer against a real broker, reading what kafka-clients' producer wrote. */
@ExtendWith(KafkaClusterExtension.class)
class ConsumerIT {

    static ConsumerConfig.Builder config(String bootstrap, String clientId) {
        return ConsumerConfig.builder()
                .network(NetworkConfig.builder().bootstrapServers(bootstrap).clientId(clientId).build())
                .offsetReset(OffsetReset.EARLIEST);
    }

    /**
     * kafka-clients' producer for writing test data. Outside a transaction, closing
     * it fails the test, naming the cause, if any send failed: a record that never
     * reached the log must not look like a record the consumer missed.
     */
    static KafkaProducer<byte[], byte[]> kafkaProducer(KafkaCluster cluster, Map<String, Object> extra) {
        Map<String, Object> p = new HashMap<>();
        p.put("bootstrap.servers", cluster.bootstrapServers());
        p.put("linger.ms", 5);
        p.putAll(extra);
        return extra.containsKey("transactional.id")
                ? new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())
                : new CheckedProducer(p);
    }

    /** A producer whose close says which send failed, if one did. */
    static final class CheckedProducer extends KafkaProducer<byte[], byte[]> {
        private final List<Future<RecordMetadata>> sent = java.util.Collections.synchronizedList(new ArrayList<>());

        CheckedProducer(Map<String, Object> properties) {
            super(properties, new ByteArraySerializer(), new ByteArraySerializer());
        }

        @Override
        public Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record,
                                           org.apache.kafka.clients.producer.Callback callback) {
            Future<RecordMetadata> f = super.send(record, callback);
            sent.add(f);
            return f;
        }

        @Override
        public void close() {
            AssertionError failed = null;
            try {
                flush();
                synchronized (sent) {
                    for (int i = 0; i < sent.size() && failed == null; i++) {
                        try {
                            sent.get(i).get();
                        } catch (java.util.concurrent.ExecutionException e) {
                            failed = new AssertionError("kafka-clients' producer failed to write the test data ("
                                    + "send " + (i + 1) + " of " + sent.size() + "): " + e.getCause(), e.getCause());
                        }
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failed = new AssertionError("interrupted while checking the sends", e);
            } finally {
                super.close();
            }
            if (failed != null) {
                throw failed;
            }
        }
    }

    /** A record as both sides see it. */
    record Seen(int partition, long offset, long timestamp, String key, String value, List<String> headers) {
        static Seen of(ConsumerRecord r) {
            return new Seen(r.partition(), r.offset(), r.timestamp(), text(r.key()), text(r.value()),
                    r.headers().stream().map(h -> h.key() + "=" + text(h.value())).toList());
        }
    }

    static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    static byte[] bytes(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    /** Polls until {@code count} records came, failing on any partition error. */
    static List<ConsumerRecord> readAll(Consumer consumer, int count, Duration within) {
        List<ConsumerRecord> got = new ArrayList<>();
        long deadline = System.nanoTime() + within.toNanos();
        while (got.size() < count && System.nanoTime() < deadline) {
            ConsumerRecords polled = consumer.poll(Duration.ofMillis(200));
            assertThat(polled.errors()).as("partition errors").isEmpty();
            polled.forEach(got::add);
        }
        assertThat(got).as("records read within " + within + ": " + consumer).hasSize(count);
        return got;
    }

    /** Polls (expecting nothing) until the position reaches {@code expected}. */
    static void awaitPosition(Consumer consumer, TopicPartition tp, long expected) {
        for (int i = 0; i < 200 && consumer.position(tp) != expected; i++) {
            assertThat(consumer.poll(Duration.ofMillis(100)).count()).isZero();
        }
        assertThat(consumer.position(tp)).isEqualTo(expected);
    }

    static List<TopicPartition> partitions(String topic, int count) {
        return IntStream.range(0, count).mapToObj(p -> new TopicPartition(topic, p)).toList();
    }

    @ParameterizedTest(name = "compression {0}")
    @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
    void readsBackEverythingKafkaClientsWroteIdenticallyAndInOrder(String compression, KafkaCluster cluster)
            throws Exception {
        String topic = "consumer-it-readback-" + compression;
        cluster.createTopic(topic, 3, 1);
        List<Seen> expected = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = kafkaProducer(cluster, Map.of("compression.type", compression))) {
            List<Future<RecordMetadata>> futures = new ArrayList<>();
            List<ProducerRecord<byte[], byte[]>> sent = new ArrayList<>();
            for (int i = 0; i < 3000; i++) {
                String key = i % 5 == 0 ? null : "key-" + (i % 41);
                String value = i % 7 == 0 ? null : "value-" + i + "-" + "x".repeat(i % 50);
                ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, null, 1_700_000_000_000L + i,
                        bytes(key), bytes(value));
                if (i % 3 == 0) {
                    r.headers().add(new RecordHeader("n", bytes(Integer.toString(i))));
                    r.headers().add(new RecordHeader("empty", i % 2 == 0 ? null : new byte[0]));
                }
                sent.add(r);
                futures.add(producer.send(r));
            }
            producer.flush();
            for (int i = 0; i < sent.size(); i++) {
                RecordMetadata m = futures.get(i).get();
                ProducerRecord<byte[], byte[]> r = sent.get(i);
                List<String> headers = new ArrayList<>();
                r.headers().forEach(h -> headers.add(h.key() + "=" + text(h.value())));
                expected.add(new Seen(m.partition(), m.offset(), r.timestamp(), text(r.key()), text(r.value()), headers));
            }
        }
        try (Consumer consumer = Consumer.create(config(cluster.bootstrapServers(), "readback-" + compression).build())) {
            consumer.assign(partitions(topic, 3));
            List<ConsumerRecord> read = readAll(consumer, expected.size(), Duration.ofSeconds(30));
            Map<Integer, List<Seen>> byPartition = new TreeMap<>();
            read.forEach(r -> byPartition.computeIfAbsent(r.partition(), k -> new ArrayList<>()).add(Seen.of(r)));
            Map<Integer, List<Seen>> expectedByPartition = new TreeMap<>();
            expected.stream().sorted(java.util.Comparator.comparingLong(Seen::offset))
                    .forEach(s -> expectedByPartition.computeIfAbsent(s.partition(), k -> new ArrayList<>()).add(s));
            assertThat(byPartition).isEqualTo(expectedByPartition);
            assertThat(consumer.poll(Duration.ofMillis(300)).count()).as("nothing more").isZero();
            for (int p = 0; p < 3; p++) {
                TopicPartition tp = new TopicPartition(topic, p);
                assertThat(consumer.position(tp)).isEqualTo(expectedByPartition.get(p).size());
                assertThat(consumer.lag(tp)).hasValue(0);
            }
        }
    }

    @Test
    void readCommittedReturnsOnlyCommittedTransactionsAndReadUncommittedTheAbortedToo(KafkaCluster cluster)
            throws Exception {
        String topic = "consumer-it-transactions";
        cluster.createTopic(topic, 1, 1);
        List<String> committed = new ArrayList<>();
        List<String> all = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> plain = kafkaProducer(cluster, Map.of());
             KafkaProducer<byte[], byte[]> tx = kafkaProducer(cluster, Map.of("transactional.id", "consumer-it-tx",
                     "compression.type", "lz4"))) {
            tx.initTransactions();
            for (int round = 0; round < 6; round++) {
                boolean abort = round % 2 == 1;
                tx.beginTransaction();
                for (int i = 0; i < 50; i++) {
                    String v = (abort ? "aborted-" : "committed-") + round + "-" + i;
                    tx.send(new ProducerRecord<>(topic, 0, null, bytes(v)));
                    all.add(v);
                    if (!abort) {
                        committed.add(v);
                    }
                    if (i == 25) {
                        // A non-transactional record in the middle of the transaction is read either way.
                        tx.flush();
                        String p = "plain-" + round;
                        plain.send(new ProducerRecord<>(topic, 0, null, bytes(p))).get();
                        all.add(p);
                        committed.add(p);
                    }
                }
                tx.flush(); // an abort drops records not sent yet; these must be in the log
                if (abort) {
                    tx.abortTransaction();
                } else {
                    tx.commitTransaction();
                }
            }
        }
        TopicPartition tp = new TopicPartition(topic, 0);
        try (Consumer committedReader = Consumer.create(config(cluster.bootstrapServers(), "read-committed")
                .isolationLevel(IsolationLevel.READ_COMMITTED).maxPartitionFetchBytes(1024).build());
             Consumer uncommittedReader = Consumer.create(config(cluster.bootstrapServers(), "read-uncommitted")
                     .build())) {
            committedReader.assign(List.of(tp));
            uncommittedReader.assign(List.of(tp));
            List<String> readCommitted = readAll(committedReader, committed.size(), Duration.ofSeconds(30)).stream()
                    .map(r -> text(r.value())).toList();
            assertThat(readCommitted).isEqualTo(committed);
            List<ConsumerRecord> uncommitted = readAll(uncommittedReader, all.size(), Duration.ofSeconds(30));
            assertThat(uncommitted.stream().map(r -> text(r.value())).sorted().toList())
                    .isEqualTo(all.stream().sorted().toList());
            // Six control records (one marker per transaction) are in the log and never returned.
            assertThat(committedReader.poll(Duration.ofMillis(300)).count()).isZero();
            assertThat(uncommittedReader.poll(Duration.ofMillis(300)).count()).isZero();
            awaitPosition(uncommittedReader, tp, all.size() + 6);
            awaitPosition(committedReader, tp, all.size() + 6);
            assertThat(uncommitted).extracting(ConsumerRecord::offset).doesNotHaveDuplicates().isSorted();
        }
    }

    @Test
    void readCommittedWaitsForAnOpenTransaction(KafkaCluster cluster) throws Exception {
        String topic = "consumer-it-open-transaction";
        cluster.createTopic(topic, 1, 1);
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaProducer<byte[], byte[]> tx = kafkaProducer(cluster, Map.of("transactional.id", "consumer-it-open"));
             KafkaProducer<byte[], byte[]> plain = kafkaProducer(cluster, Map.of());
             Consumer consumer = Consumer.create(config(cluster.bootstrapServers(), "open-tx")
                     .isolationLevel(IsolationLevel.READ_COMMITTED).build())) {
            plain.send(new ProducerRecord<>(topic, 0, null, bytes("before"))).get();
            tx.initTransactions();
            tx.beginTransaction();
            tx.send(new ProducerRecord<>(topic, 0, null, bytes("in-transaction"))).get();
            plain.send(new ProducerRecord<>(topic, 0, null, bytes("after"))).get();
            consumer.assign(List.of(tp));
            assertThat(readAll(consumer, 1, Duration.ofSeconds(20))).extracting(r -> text(r.value()))
                    .containsExactly("before");
            assertThat(consumer.poll(Duration.ofSeconds(1)).count()).as("nothing past the open transaction").isZero();
            tx.commitTransaction();
            assertThat(readAll(consumer, 2, Duration.ofSeconds(20))).extracting(r -> text(r.value()))
                    .containsExactly("in-transaction", "after");
        }
    }

    @Test
    void startPositionsSeeksPauseAndResume(KafkaCluster cluster) throws Exception {
        String topic = "consumer-it-positions";
        cluster.createTopic(topic, 2, 1);
        TopicPartition p0 = new TopicPartition(topic, 0);
        TopicPartition p1 = new TopicPartition(topic, 1);
        try (KafkaProducer<byte[], byte[]> producer = kafkaProducer(cluster, Map.of())) {
            for (int i = 0; i < 100; i++) {
                producer.send(new ProducerRecord<>(topic, i % 2, 1_000_000L + i * 1000L, null, bytes("v" + i)));
            }
            producer.flush();
        }
        try (Consumer consumer = Consumer.create(config(cluster.bootstrapServers(), "positions")
                .offsetReset(OffsetReset.LATEST).build())) {
            consumer.assign(List.of(p0, p1));
            assertThat(consumer.position(p0)).as("latest by default here").isEqualTo(50);
            consumer.seek(p0, 10);
            consumer.seek(p1, StartPosition.timestamp(1_000_000L + 81 * 1000L)); // p1 holds odd i: 81 is its offset 40
            Map<TopicPartition, List<Long>> offsets = new ConcurrentHashMap<>();
            readAll(consumer, 40 + 10, Duration.ofSeconds(20))
                    .forEach(r -> offsets.computeIfAbsent(r.topicPartition(), k -> new ArrayList<>()).add(r.offset()));
            assertThat(offsets.get(p0)).containsExactlyElementsOf(range(10, 50));
            assertThat(offsets.get(p1)).containsExactlyElementsOf(range(40, 50));

            consumer.seekToBeginning(List.of(p0, p1));
            consumer.pause(List.of(p1));
            assertThat(consumer.paused()).containsExactly(p1);
            List<ConsumerRecord> first = readAll(consumer, 50, Duration.ofSeconds(20));
            assertThat(first).allMatch(r -> r.partition() == 0);
            assertThat(consumer.poll(Duration.ofMillis(300)).count()).as("p1 is paused").isZero();
            consumer.resume(List.of(p1));
            assertThat(readAll(consumer, 50, Duration.ofSeconds(20))).allMatch(r -> r.partition() == 1);

            consumer.seekToTimestamp(List.of(p0), 5_000_000L);
            consumer.seekToEnd(List.of(p1));
            assertThat(consumer.position(p0)).as("no record at or after the timestamp: the end").isEqualTo(50);
            assertThat(consumer.position(p1)).isEqualTo(50);
        }
    }

    private static List<Long> range(long from, long to) {
        List<Long> list = new ArrayList<>();
        for (long i = from; i < to; i++) {
            list.add(i);
        }
        return list;
    }

    @Test
    void anOffsetOutOfRangeIsResetOrReportedByThePolicy(KafkaCluster cluster) throws Exception {
        String topic = "consumer-it-out-of-range";
        cluster.createTopic(topic, 1, 1);
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaProducer<byte[], byte[]> producer = kafkaProducer(cluster, Map.of())) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(topic, 0, null, bytes("v" + i)));
            }
            producer.flush();
        }
        try (Consumer earliest = Consumer.create(config(cluster.bootstrapServers(), "oor-earliest").build());
             Consumer none = Consumer.create(config(cluster.bootstrapServers(), "oor-none")
                     .offsetReset(OffsetReset.NONE).build())) {
            earliest.assign(List.of(tp));
            earliest.seek(tp, 1_000);
            assertThat(readAll(earliest, 10, Duration.ofSeconds(20)).get(0).offset()).isZero();

            none.assign(List.of(tp));
            ConsumerRecords first = none.poll(Duration.ofSeconds(5));
            assertThat(first.errors().get(tp)).as("no position and no reset policy").isNotNull()
                    .hasMessageContaining("no position");
            assertThatThrownBy(() -> none.position(tp)).isInstanceOf(IllegalStateException.class);
            none.seek(tp, 1_000);
            KafkaException error = null;
            for (int i = 0; i < 100 && error == null; i++) {
                error = none.poll(Duration.ofMillis(200)).errors().get(tp);
            }
            assertThat(error).isInstanceOf(OffsetOutOfRangeException.class).hasMessageContaining("offset 1000");
            assertThat(none.poll(Duration.ofMillis(500)).isEmpty()).as("stopped until a seek").isTrue();
            none.seek(tp, 4);
            assertThat(readAll(none, 6, Duration.ofSeconds(20))).extracting(ConsumerRecord::offset)
                    .containsExactly(4L, 5L, 6L, 7L, 8L, 9L);
        }
    }

    @Test
    void subscribedTopicsAndPatternsFollowTopicsCreatedLater(KafkaCluster cluster) throws Exception {
        String prefix = "consumer-it-pattern-";
        cluster.createTopic(prefix + "a", 2, 1);
        cluster.createTopic("consumer-it-named", 1, 1);
        NetworkConfig network = NetworkConfig.builder().bootstrapServers(cluster.bootstrapServers())
                .clientId("pattern").metadataMaxAge(Duration.ofSeconds(1)).build();
        try (KafkaProducer<byte[], byte[]> producer = kafkaProducer(cluster, Map.of());
             Consumer byPattern = Consumer.create(ConsumerConfig.builder().network(network)
                     .offsetReset(OffsetReset.EARLIEST).build());
             Consumer byName = Consumer.create(config(cluster.bootstrapServers(), "named").build())) {
            byPattern.subscribe(Pattern.compile(Pattern.quote(prefix) + ".*"));
            byName.subscribe(List.of("consumer-it-named"));
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(prefix + "a", i % 2, null, bytes("a" + i)));
                producer.send(new ProducerRecord<>("consumer-it-named", null, bytes("n" + i)));
            }
            producer.flush();
            assertThat(readAll(byName, 10, Duration.ofSeconds(20))).extracting(r -> text(r.value()))
                    .containsExactlyElementsOf(IntStream.range(0, 10).mapToObj(i -> "n" + i).toList());
            assertThat(readAll(byPattern, 10, Duration.ofSeconds(20))).allMatch(r -> r.topic().equals(prefix + "a"));

            cluster.createTopic(prefix + "b", 1, 1);
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord<>(prefix + "b", null, bytes("b" + i)));
            }
            producer.flush();
            assertThat(readAll(byPattern, 5, Duration.ofSeconds(30))).extracting(r -> text(r.value()))
                    .containsExactly("b0", "b1", "b2", "b3", "b4");
            assertThat(byPattern.assignment()).containsExactlyInAnyOrder(new TopicPartition(prefix + "a", 0),
                    new TopicPartition(prefix + "a", 1), new TopicPartition(prefix + "b", 0));
        }
    }

    /**
     * kafka-clients' {@code allow.auto.create.topics}: a subscribed topic that
     * does not exist is created by the broker (auto-creation is on in the kit's
     * shared cluster, as by default), and read once written; with the setting
     * off, the consumer waits for the topic and never has it created.
     */
    @Test
    void aSubscribedTopicIsCreatedByTheBrokerUnlessAutoCreationIsOff(KafkaCluster cluster) throws Exception {
        try (Consumer created = Consumer.create(config(cluster.bootstrapServers(), "auto-create")
                     .offsetReset(OffsetReset.EARLIEST).build());
             Consumer waiting = Consumer.create(config(cluster.bootstrapServers(), "no-auto-create")
                     .allowAutoCreateTopics(false).build());
             org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                     Map.of("bootstrap.servers", cluster.bootstrapServers()))) {
            created.subscribe(List.of("consumer-it-auto-created"));
            waiting.subscribe(List.of("consumer-it-not-created"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!admin.listTopics().names().get(30, TimeUnit.SECONDS).contains("consumer-it-auto-created")
                    && System.nanoTime() < deadline) {
                created.poll(Duration.ofMillis(200));
                waiting.poll(Duration.ofMillis(200));
            }
            try (KafkaProducer<byte[], byte[]> producer = kafkaProducer(cluster, Map.of())) {
                producer.send(new ProducerRecord<>("consumer-it-auto-created", bytes("first"))).get(30, TimeUnit.SECONDS);
            }
            assertThat(readAll(created, 1, Duration.ofSeconds(30))).extracting(r -> text(r.value()))
                    .containsExactly("first");
            for (int i = 0; i < 5; i++) {
                waiting.poll(Duration.ofMillis(200));
            }
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS))
                    .contains("consumer-it-auto-created").doesNotContain("consumer-it-not-created");
        }
    }

    @Test
    void badInputGetsClearErrors(KafkaCluster cluster) {
        String topic = "consumer-it-bad-input";
        cluster.createTopic(topic, 1, 1);
        TopicPartition tp = new TopicPartition(topic, 0);
        Consumer consumer = Consumer.create(config(cluster.bootstrapServers(), "bad-input").build());
        try {
            consumer.assign(List.of(tp, new TopicPartition("consumer-it-no-such-topic", 0)));
            assertThatThrownBy(() -> consumer.seek(tp, -1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("offset -1");
            assertThatThrownBy(() -> consumer.seek(new TopicPartition("other", 0), 0))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("not assigned");
            assertThatThrownBy(() -> consumer.assign(List.of(new TopicPartition("bad topic!", 0))))
                    .isInstanceOf(IllegalArgumentException.class);
            KafkaException unknown = null;
            for (int i = 0; i < 100 && unknown == null; i++) {
                unknown = consumer.poll(Duration.ofMillis(200)).errors()
                        .get(new TopicPartition("consumer-it-no-such-topic", 0));
            }
            assertThat(unknown).isNotNull().hasMessageContaining("UNKNOWN_TOPIC_OR_PARTITION")
                    .hasMessageContaining("topic 'consumer-it-no-such-topic' does not exist");
        } finally {
            consumer.close();
        }
        consumer.close(); // idempotent
        assertThatThrownBy(() -> consumer.poll(Duration.ZERO)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> consumer.assign(List.of(tp))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void recordsIterableHooksAndThreads(KafkaCluster cluster) throws Exception {
        String topic = "consumer-it-iterable";
        cluster.createTopic(topic, 1, 1);
        try (KafkaProducer<byte[], byte[]> producer = kafkaProducer(cluster, Map.of("compression.type", "lz4"))) {
            for (int i = 0; i < 1000; i++) {
                producer.send(new ProducerRecord<>(topic, 0, null, bytes("v" + i)));
            }
            producer.flush();
        }
        AtomicInteger fetches = new AtomicInteger();
        AtomicLong batchRecords = new AtomicLong();
        AtomicLong polled = new AtomicLong();
        Set<String> hookThreads = ConcurrentHashMap.newKeySet();
        // Recorded here and asserted below: a hook that throws is only logged, so an assertion inside one could not fail.
        AtomicLong nonPositiveLatencies = new AtomicLong();
        Set<Integer> codecs = ConcurrentHashMap.newKeySet();
        ConsumerHook hook = new ConsumerHook() {
            @Override
            public void onFetch(String clientId, int nodeId, int partitions, long bytes, long latencyNanos) {
                fetches.incrementAndGet();
                hookThreads.add(Thread.currentThread().getName());
                if (latencyNanos <= 0) {
                    nonPositiveLatencies.incrementAndGet();
                }
            }

            @Override
            public void onBatchFetched(String clientId, TopicPartition partition, long baseOffset, int records,
                                       int bytes, int compression) {
                batchRecords.addAndGet(records);
                codecs.add(compression);
            }

            @Override
            public void onRecordsPolled(String clientId, ConsumerRecords records) {
                polled.addAndGet(records.count());
            }
        };
        try (Consumer consumer = Consumer.create(config(cluster.bootstrapServers(), "iterable").hook(hook).build())) {
            consumer.assign(List.of(new TopicPartition(topic, 0)));
            List<String> values = new ArrayList<>();
            for (ConsumerRecord r : consumer.records(Duration.ofSeconds(5))) {
                values.add(text(r.value()));
            }
            assertThat(values).containsExactlyElementsOf(IntStream.range(0, 1000).mapToObj(i -> "v" + i).toList());
            assertThat(fetches.get()).isPositive();
            assertThat(batchRecords.get()).isEqualTo(1000);
            assertThat(polled.get()).isEqualTo(1000);
            assertThat(hookThreads).containsExactly("josef-iterable-fetcher");
            assertThat(nonPositiveLatencies.get()).as("fetches with a latency of 0 or less").isZero();
            assertThat(codecs).as("the batches' codec ids: lz4 only").containsExactly(3);
            consumer.seekToBeginning(List.of(new TopicPartition(topic, 0)));
            assertThat(consumer.stream(Duration.ofSeconds(5)).count()).isEqualTo(1000);
        }
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("josef-iterable-"));
    }

    @Test
    void fetchAnswersStayWithinMaxBufferedBytes(KafkaCluster cluster) throws Exception {
        String topic = "consumer-it-buffer-bound";
        cluster.createTopic(topic, 3, 1);
        int perPartition = 1000; // 1 KiB values in batches of at most 16 KiB: about 1 MiB a partition
        try (KafkaProducer<byte[], byte[]> producer = kafkaProducer(cluster, Map.of("batch.size", 16_384))) {
            for (int i = 0; i < 3 * perPartition; i++) {
                producer.send(new ProducerRecord<>(topic, i % 3, null, bytes(i + ":" + "x".repeat(1000))));
            }
            producer.flush();
        }
        long maxBuffered = 64 * 1024;
        List<Long> answerBytes = java.util.Collections.synchronizedList(new ArrayList<>());
        ConsumerHook hook = new ConsumerHook() {
            @Override
            public void onFetch(String clientId, int nodeId, int partitions, long bytes, long latencyNanos) {
                answerBytes.add(bytes);
            }
        };
        try (Consumer consumer = Consumer.create(config(cluster.bootstrapServers(), "buffer-bound")
                .maxBufferedBytes(maxBuffered).hook(hook).build())) {
            consumer.assign(partitions(topic, 3));
            List<ConsumerRecord> read = readAll(consumer, 3 * perPartition, Duration.ofSeconds(60));
            Map<Integer, List<Long>> offsets = new TreeMap<>();
            read.forEach(r -> offsets.computeIfAbsent(r.partition(), k -> new ArrayList<>()).add(r.offset()));
            for (List<Long> o : offsets.values()) {
                assertThat(o).containsExactlyElementsOf(LongStream.range(0, perPartition).boxed().toList());
            }
        }
        // Without the bound an answer holds up to max.partition.fetch.bytes (1 MiB) of each of the three
        // partitions. With it, an answer fills at most the room left, plus a first batch that does not fit.
        assertThat(answerBytes).isNotEmpty();
        assertThat(answerBytes).allSatisfy(b -> assertThat(b).isLessThanOrEqualTo(maxBuffered + 17 * 1024));
    }

    @Test
    void kafkaClientsPropertiesConfigureTheConsumer(KafkaCluster cluster) throws Exception {
        String topic = "consumer-it-properties";
        cluster.createTopic(topic, 1, 1);
        try (KafkaProducer<byte[], byte[]> producer = kafkaProducer(cluster, Map.of())) {
            producer.send(new ProducerRecord<>(topic, 0, bytes("k"), bytes("v"))).get();
        }
        try (Consumer consumer = Consumer.create(Map.of("bootstrap.servers", cluster.bootstrapServers(),
                "client.id", "props", "auto.offset.reset", "earliest", "fetch.max.wait.ms", "100",
                "key.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer",
                "value.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer"))) {
            consumer.subscribe(List.of(topic));
            ConsumerRecord r = readAll(consumer, 1, Duration.ofSeconds(20)).get(0);
            assertThat(text(r.key())).isEqualTo("k");
            assertThat(text(r.value())).isEqualTo("v");
            assertThat(consumer.config().fetchMaxWait()).isEqualTo(Duration.ofMillis(100));
        }
    }
}
