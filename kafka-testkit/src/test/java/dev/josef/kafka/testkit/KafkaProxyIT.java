package dev.josef.kafka.testkit;

import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.ErrorCode;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.zip.ZipException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every proxy rule, observed by kafka-clients talking through the proxy to a
 * real broker. What the log holds afterwards is read straight from the broker,
 * around the proxy.
 */
@Timeout(60)
class KafkaProxyIT {
    private static final AtomicInteger TOPICS = new AtomicInteger();
    private static KafkaCluster cluster;

    private String topic;

    @BeforeAll
    static void startCluster() {
        cluster = KafkaCluster.start();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @BeforeEach
    void createTopic(TestInfo test) {
        topic = test.getTestMethod().orElseThrow().getName().toLowerCase(Locale.ROOT) + "-" + TOPICS.incrementAndGet();
        cluster.createTopic(topic, 1, 1);
    }

    // ---- errors in responses

    @Test
    void injectedNotLeaderOrFollowerIsRetriedByTheProducer() throws Exception {
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers());
             KafkaProducer<String, String> producer = producer(proxy, Map.of())) {
            ProxyRule notLeader = proxy.add(ProxyRule.on(ApiKey.PRODUCE).topic(topic).partition(0).times(1)
                    .replaceError(ErrorCode.NOT_LEADER_OR_FOLLOWER));

            RecordMetadata sent = send(producer, "v");

            assertThat(notLeader.fired()).isEqualTo(1);
            assertThat(metric(producer, "record-retry-total")).isGreaterThanOrEqualTo(1);
            // The broker appended the first attempt; idempotence made the retry a duplicate it recognised.
            assertThat(sent.offset()).isZero();
            assertThat(log()).containsExactly("v");
        }
    }

    /**
     * With log start offset -1 the broker could not tell, and kafka-clients resends as
     * it was: the broker, which had appended the batch before its answer was replaced,
     * recognises the duplicate. With 1, past the producer's last acknowledged offset (0),
     * the producer's state was lost to retention: kafka-clients bumps its epoch (locally,
     * as KIP-360 lets an idempotent producer do) and resends from sequence 0, which the
     * broker takes for a new write.
     */
    @ParameterizedTest(name = "logStartOffset {0}")
    @CsvSource({"-1, 'v0,v1'", "1, 'v0,v1,v1'"})
    void injectedUnknownProducerIdIsHandledByTheLogStartOffsetItCarries(long logStartOffset, String expectedLog)
            throws Exception {
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers());
             KafkaProducer<String, String> producer = producer(proxy, Map.of())) {
            send(producer, "v0");
            ProxyRule unknownProducer = proxy.add(ProxyRule.on(ApiKey.PRODUCE).topic(topic).partition(0).times(1)
                    .replaceError(ErrorCode.UNKNOWN_PRODUCER_ID).logStartOffset(logStartOffset));

            send(producer, "v1");

            assertThat(unknownProducer.fired()).isEqualTo(1);
            assertThat(log()).containsExactly(expectedLog.split(","));
        }
    }

    /**
     * As above with log start offset 1, but the broker really refused the batch (its
     * CRC broken on the way in), as a broker that lost the producer's state would:
     * the resend from sequence 0 under a new epoch is then the only copy.
     */
    @Test
    void refusedRecordsAreNotAppendedAndTheClientSeesTheChosenError() throws Exception {
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers());
             KafkaProducer<String, String> producer = producer(proxy, Map.of())) {
            send(producer, "v0");
            ProxyRule lostState = proxy.add(ProxyRule.on(ApiKey.PRODUCE).topic(topic).partition(0).times(1)
                    .refuseRecords().replaceError(ErrorCode.UNKNOWN_PRODUCER_ID).logStartOffset(1));

            send(producer, "v1");

            assertThat(lostState.fired()).isEqualTo(1);
            assertThat(log()).containsExactly("v0", "v1");
        }
    }

    @Test
    void refusedRecordsWithoutAReplacedErrorShowTheBrokersCorruptMessage() throws Exception {
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers());
             KafkaProducer<String, String> producer = producer(proxy, Map.of(ProducerConfig.RETRIES_CONFIG, 0))) {
            ProxyRule refuse = proxy.add(ProxyRule.on(ApiKey.PRODUCE).topic(topic).times(1).refuseRecords());

            Future<RecordMetadata> sent = producer.send(new ProducerRecord<>(topic, "v"));

            assertThatThrownBy(() -> sent.get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(org.apache.kafka.common.errors.CorruptRecordException.class);
            assertThat(refuse.fired()).isEqualTo(1);
            assertThat(log()).isEmpty();
        }
    }

    @Test
    void injectedOutOfOrderSequenceNumberMakesTheProducerBumpItsEpoch() throws Exception {
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers());
             KafkaProducer<String, String> producer = producer(proxy, Map.of())) {
            send(producer, "v0");
            ProxyRule outOfOrder = proxy.add(ProxyRule.on(ApiKey.PRODUCE).topic(topic).partition(0).times(1)
                    .replaceError(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER));

            send(producer, "v1");

            assertThat(outOfOrder.fired()).isEqualTo(1);
            // A gap right after the last acknowledged sequence is real to kafka-clients: it
            // bumps its epoch and resends v1 as a new write (the first one had landed).
            assertThat(log()).containsExactly("v0", "v1", "v1");
        }
    }

    @Test
    void injectedRequestTimedOutIsRetriedByTheProducer() throws Exception {
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers());
             KafkaProducer<String, String> producer = producer(proxy, Map.of())) {
            ProxyRule timedOut = proxy.add(ProxyRule.on(ApiKey.PRODUCE).topic(topic).times(2)
                    .replaceError(ErrorCode.REQUEST_TIMED_OUT));

            send(producer, "v");

            assertThat(timedOut.fired()).isEqualTo(2);
            assertThat(metric(producer, "record-retry-total")).isGreaterThanOrEqualTo(2);
            assertThat(log()).containsExactly("v");
        }
    }

    @Test
    void injectedTopLevelErrorIsRetriedByTheProducer() throws Exception {
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers())) {
            ProxyRule initProducerId = proxy.add(ProxyRule.on(ApiKey.INIT_PRODUCER_ID).countOnly());
            ProxyRule loading = proxy.add(ProxyRule.on(ApiKey.INIT_PRODUCER_ID).times(1)
                    .replaceError(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS));

            try (KafkaProducer<String, String> producer = producer(proxy, Map.of())) {
                send(producer, "v");
            }

            assertThat(loading.fired()).isEqualTo(1);
            assertThat(initProducerId.fired()).isEqualTo(2);
            assertThat(log()).containsExactly("v");
        }
    }

    @Test
    void injectedFetchErrorIsRetriedByTheConsumer() throws Exception {
        produceDirectly(false, "a", "b");
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers());
             KafkaConsumer<String, String> consumer = consumer(proxy)) {
            ProxyRule notLeader = proxy.add(ProxyRule.on(ApiKey.FETCH).topic(topic).partition(0).times(1)
                    .replaceError(ErrorCode.NOT_LEADER_OR_FOLLOWER));

            assertThat(poll(consumer, 2)).containsExactly("a", "b");
            assertThat(notLeader.fired()).isEqualTo(1);
        }
    }

    // ---- lost answers and connections

    @Test
    void swallowedResponseTimesTheRequestOut() throws Exception {
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers());
             KafkaProducer<String, String> producer = producer(proxy, Map.of(
                     ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false,
                     ProducerConfig.ACKS_CONFIG, "1",
                     ProducerConfig.RETRIES_CONFIG, 0,
                     ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 1500,
                     ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 5000))) {
            producer.partitionsFor(topic);
            ProxyRule swallow = proxy.add(ProxyRule.on(ApiKey.PRODUCE).topic(topic).times(1).swallowResponse());

            long start = System.nanoTime();
            Future<RecordMetadata> sent = producer.send(new ProducerRecord<>(topic, "v"));

            assertThatThrownBy(() -> sent.get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(TimeoutException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(1500));
            assertThat(swallow.fired()).isEqualTo(1);
            assertThat(log()).as("the broker did get it").containsExactly("v");
        }
    }

    @Test
    void cutBeforeTheRequestIsRetriedAndTheBrokerNeverSawTheFirstAttempt() throws Exception {
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers());
             KafkaProducer<String, String> producer = producer(proxy, Map.of(
                     ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false,
                     ProducerConfig.ACKS_CONFIG, "1"))) {
            ProxyRule cut = proxy.add(ProxyRule.on(ApiKey.PRODUCE).topic(topic).times(1).cutBeforeRequest());

            send(producer, "v");

            assertThat(cut.fired()).isEqualTo(1);
            assertThat(metric(producer, "record-retry-total")).isGreaterThanOrEqualTo(1);
            // Without idempotence a second copy would show if the first attempt had arrived.
            assertThat(log()).containsExactly("v");
        }
    }

    @Test
    void cutAfterTheRequestLosesTheAnswerButNotTheRecord() throws Exception {
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers());
             KafkaProducer<String, String> producer = producer(proxy, Map.of(
                     ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false,
                     ProducerConfig.ACKS_CONFIG, "1",
                     ProducerConfig.RETRIES_CONFIG, 0))) {
            ProxyRule cut = proxy.add(ProxyRule.on(ApiKey.PRODUCE).topic(topic).times(1).cutAfterRequest());

            Future<RecordMetadata> sent = producer.send(new ProducerRecord<>(topic, "v"));

            assertThatThrownBy(() -> sent.get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(NetworkException.class);
            assertThat(cut.fired()).isEqualTo(1);
            assertThat(log()).containsExactly("v");
        }
    }

    // ---- slow answers

    @Test
    void delayedResponseShowsAsRequestLatency() throws Exception {
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers());
             KafkaProducer<String, String> producer = producer(proxy, Map.of())) {
            producer.partitionsFor(topic);
            ProxyRule delay = proxy.add(ProxyRule.on(ApiKey.PRODUCE).topic(topic).times(1).delay(Duration.ofMillis(1200)));

            long start = System.nanoTime();
            send(producer, "v");

            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(1200));
            assertThat(delay.fired()).isEqualTo(1);
        }
    }

    @Test
    void throttledResponseShowsInTheProducersThrottleMetric() throws Exception {
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers());
             KafkaProducer<String, String> producer = producer(proxy, Map.of())) {
            ProxyRule throttle = proxy.add(ProxyRule.on(ApiKey.PRODUCE).topic(topic).times(1).throttle(Duration.ofMillis(800)));

            send(producer, "v0");
            long start = System.nanoTime();
            send(producer, "v1");

            assertThat(throttle.fired()).isEqualTo(1);
            assertThat(metric(producer, "produce-throttle-time-max")).isGreaterThanOrEqualTo(800);
            // KIP-219: the client holds back its next request to the broker for the throttle time.
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(500));
        }
    }

    // ---- corrupt batches

    @Test
    void batchFailingItsCrcIsReportedCorruptByTheConsumer() throws Exception {
        produceDirectly(false, "a", "b", "c");
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers());
             KafkaConsumer<String, String> consumer = consumer(proxy)) {
            ProxyRule corrupt = proxy.add(ProxyRule.on(ApiKey.FETCH).topic(topic).partition(0).times(1).corruptBatchCrc());

            KafkaException failure = pollUntilFailure(consumer);

            assertThat(corrupt.fired()).isEqualTo(1);
            // kafka-clients 4.3 reports it as a KafkaException (not CorruptRecordException) under the poll's own.
            assertThat(causes(failure)).anySatisfy(cause -> assertThat(cause)
                    .hasMessageContaining("at offset 0 is invalid").hasMessageContaining("Record is corrupt (stored crc"));
        }
        assertThat(readThroughANewConsumer()).as("the fault was in transit only").containsExactly("a", "b", "c");
    }

    @Test
    void compressedBatchThatWillNotDecompressFailsInTheConsumer() throws Exception {
        produceDirectly(true, "a", "b", "c");
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers());
             KafkaConsumer<String, String> consumer = consumer(proxy)) {
            ProxyRule corrupt = proxy.add(ProxyRule.on(ApiKey.FETCH).topic(topic).partition(0).times(1).corruptBatchPayload());

            KafkaException failure = pollUntilFailure(consumer);

            assertThat(corrupt.fired()).isEqualTo(1);
            // The CRC matched (check.crcs is on), so the failure is the gzip stream's.
            assertThat(causes(failure)).noneSatisfy(cause -> assertThat(cause).hasMessageContaining("crc"));
            assertThat(causes(failure)).anySatisfy(cause -> assertThat(cause).isInstanceOf(ZipException.class));
        }
        assertThat(readThroughANewConsumer()).as("the fault was in transit only").containsExactly("a", "b", "c");
    }

    // ---- addresses and chaos

    @Test
    void everyBrokerAddressTheClientsSeeIsTheProxys() throws Exception {
        produceDirectly(false, "a");
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers())) {
            ProxyRule joinGroup = proxy.add(ProxyRule.on(ApiKey.JOIN_GROUP).countOnly());
            ProxyRule noCoordinator = proxy.add(ProxyRule.on(ApiKey.FIND_COORDINATOR).times(1)
                    .replaceError(ErrorCode.COORDINATOR_NOT_AVAILABLE));

            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, proxy.bootstrapServers()))) {
                Collection<Node> nodes = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS);
                List<String> addresses = nodes.stream().map(n -> n.host() + ":" + n.port()).collect(Collectors.toList());
                assertThat(addresses).isNotEmpty().allSatisfy(a -> assertThat(proxy.routes()).containsValue(a));
            }
            Map<String, Object> group = Map.of(ConsumerConfig.GROUP_ID_CONFIG, topic, ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
            try (KafkaConsumer<String, String> consumer = consumer(proxy, group)) {
                consumer.subscribe(List.of(topic));
                assertThat(poll(consumer, 1)).containsExactly("a");
            }
            assertThat(noCoordinator.fired()).isEqualTo(1);
            assertThat(joinGroup.fired()).as("the group coordinator was reached through the proxy").isPositive();
            assertThat(proxy.routes().keySet()).as("only the one broker").hasSize(1);
        }
    }

    @Test
    void underChaosAnIdempotentProducerStillDeliversEveryRecordOnce() throws Exception {
        int count = 300;
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers());
             KafkaProducer<String, String> producer = producer(proxy, Map.of(
                     ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000,
                     ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 45_000))) {
            producer.partitionsFor(topic);
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            try (KafkaProxy.Chaos chaos = proxy.chaos(Duration.ofMillis(150), Duration.ofMillis(500))) {
                for (int i = 0; i < count; i++) {
                    sent.add(producer.send(new ProducerRecord<>(topic, Integer.toString(i))));
                    Thread.sleep(10);
                }
                for (Future<RecordMetadata> f : sent) {
                    f.get(45, TimeUnit.SECONDS);
                }
                assertThat(chaos.cuts()).isGreaterThanOrEqualTo(3);
            }
            List<String> expected = IntStream.range(0, count).mapToObj(Integer::toString).collect(Collectors.toList());
            assertThat(log()).containsExactlyElementsOf(expected);
        }
    }

    // ---- helpers

    private KafkaProducer<String, String> producer(KafkaProxy proxy, Map<String, Object> extra) {
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, proxy.bootstrapServers());
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        config.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 50);
        config.put(ProducerConfig.RECONNECT_BACKOFF_MS_CONFIG, 20);
        config.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200);
        config.putAll(extra);
        return new KafkaProducer<>(config);
    }

    private KafkaConsumer<String, String> consumer(KafkaProxy proxy) {
        KafkaConsumer<String, String> consumer = consumer(proxy, Map.of());
        TopicPartition partition = new TopicPartition(topic, 0);
        consumer.assign(List.of(partition));
        consumer.seekToBeginning(List.of(partition));
        return consumer;
    }

    private static KafkaConsumer<String, String> consumer(KafkaProxy proxy, Map<String, Object> extra) {
        return consumer(proxy.bootstrapServers(), extra);
    }

    private static KafkaConsumer<String, String> consumer(String bootstrapServers, Map<String, Object> extra) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
        config.put(ConsumerConfig.RETRY_BACKOFF_MS_CONFIG, 50);
        config.putAll(extra);
        return new KafkaConsumer<>(config);
    }

    private RecordMetadata send(KafkaProducer<String, String> producer, String value) throws Exception {
        return producer.send(new ProducerRecord<>(topic, value)).get(30, TimeUnit.SECONDS);
    }

    /** Writes {@code values} straight to the broker, as one batch. */
    private void produceDirectly(boolean gzip, String... values) throws Exception {
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.LINGER_MS_CONFIG, 1000);
        config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, gzip ? "gzip" : "none");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (String value : values) {
                sent.add(producer.send(new ProducerRecord<>(topic, 0, null, value)));
            }
            producer.flush();
            for (Future<RecordMetadata> f : sent) {
                f.get(30, TimeUnit.SECONDS);
            }
        }
    }

    /** Polls until {@code count} values arrived, within a bounded time. */
    private static List<String> poll(KafkaConsumer<String, String> consumer, int count) {
        List<String> values = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (values.size() < count && System.nanoTime() < deadline) {
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                values.add(record.value());
            }
        }
        return values;
    }

    /** Reads partition 0 through a fresh proxy and consumer; kafka-clients re-raises a failed batch until a seek past it. */
    private List<String> readThroughANewConsumer() {
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers());
             KafkaConsumer<String, String> consumer = consumer(proxy)) {
            return poll(consumer, 3);
        }
    }

    private static KafkaException pollUntilFailure(KafkaConsumer<String, String> consumer) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                int polled = consumer.poll(Duration.ofMillis(200)).count();
                assertThat(polled).as("records polled before the corrupt batch failed").isZero();
            } catch (KafkaException e) {
                return e;
            }
        }
        throw new AssertionError("the consumer raised nothing within 30 s");
    }

    private static List<Throwable> causes(Throwable failure) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = failure; t != null && chain.size() < 20; t = t.getCause()) {
            chain.add(t);
        }
        return chain;
    }

    /** Every value of partition 0 from the start to the end offset, read from the broker directly. */
    private List<String> log() {
        TopicPartition partition = new TopicPartition(topic, 0);
        try (KafkaConsumer<String, String> consumer = consumer(cluster.bootstrapServers(), Map.of())) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition), Duration.ofSeconds(30)).get(partition);
            List<String> values = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (consumer.position(partition) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
            }
            return values;
        }
    }

    private static double metric(KafkaProducer<String, String> producer, String name) {
        for (Map.Entry<MetricName, ? extends Metric> entry : producer.metrics().entrySet()) {
            if (entry.getKey().name().equals(name) && entry.getKey().group().equals("producer-metrics")) {
                return ((Number) entry.getValue().metricValue()).doubleValue();
            }
        }
        throw new AssertionError("the producer has no metric " + name);
    }
}
