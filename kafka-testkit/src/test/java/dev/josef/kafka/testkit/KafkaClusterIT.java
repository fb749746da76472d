package dev.josef.kafka.testkit;

import dev.josef.kafka.testkit.internal.BrokerConnection;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** One broker with every listener type, served to kafka-clients. */
class KafkaClusterIT {
    private static KafkaCluster cluster;

    @BeforeAll
    static void start() {
        cluster = KafkaCluster.builder()
                .listeners(Listener.SSL, Listener.SASL_PLAINTEXT, Listener.SASL_SSL)
                .user("alice", "alice-secret")
                .start();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "PLAINTEXT,",
            "SSL,",
            "SASL_PLAINTEXT, PLAIN",
            "SASL_PLAINTEXT, SCRAM-SHA-256",
            "SASL_PLAINTEXT, SCRAM-SHA-512",
            "SASL_SSL, PLAIN",
            "SASL_SSL, SCRAM-SHA-256",
            "SASL_SSL, SCRAM-SHA-512"})
    void everyListenerServesAProducerAndAConsumer(Listener listener, String mechanism) throws Exception {
        String topic = ("listener-" + listener + "-" + mechanism).toLowerCase().replace("null", "none");
        cluster.createTopic(topic, 1, 1);
        Map<String, String> client = cluster.clientProperties(listener, mechanism);
        try (KafkaProducer<String, String> producer = Clients.producer(client, Map.of())) {
            RecordMetadata sent = Clients.send(producer, topic, "k", "over " + listener);
            assertThat(sent.offset()).isZero();
        }
        List<ConsumerRecord<String, String>> read = Clients.read(client, topic, 1);
        assertThat(read).extracting(ConsumerRecord::value).containsExactly("over " + listener);
    }

    /**
     * createTopic returns once every leader has taken its partitions up, not only
     * once metadata names it: a Produce right after is not refused as
     * NOT_LEADER_OR_FOLLOWER (which would leave a pipelining idempotent producer
     * with a batch that is OUT_OF_ORDER_SEQUENCE_NUMBER until it expires).
     */
    @Test
    void aCreatedTopicIsServedByItsLeadersAtOnce() throws Exception {
        String topic = "served-at-once";
        cluster.createTopic(topic, 8, 1);
        int port = Integer.parseInt(cluster.bootstrapServers().split(",")[0].replaceFirst(".*:", ""));
        try (BrokerConnection broker = new BrokerConnection("127.0.0.1", port, Duration.ofSeconds(10))) {
            assertThat(broker.serves(topic, List.of(0, 1, 2, 3, 4, 5, 6, 7))).as("ListOffsets answered for each").isTrue();
        }
        try (KafkaProducer<String, String> producer = Clients.producer(cluster.clientProperties(Listener.PLAINTEXT),
                Map.of(ProducerConfig.LINGER_MS_CONFIG, 0))) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                sent.add(producer.send(new ProducerRecord<>(topic, i % 8, null, "v" + i)));
            }
            for (Future<RecordMetadata> f : sent) {
                f.get(30, TimeUnit.SECONDS);
            }
            double retries = producer.metrics().entrySet().stream()
                    .filter(e -> e.getKey().name().equals("record-retry-total")
                            && e.getKey().group().equals("producer-metrics"))
                    .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue()).sum();
            assertThat(retries).as("records sent again").isZero();
        }
    }

    @Test
    void aWrongPasswordIsRefusedAsAnAuthenticationFailure() {
        Map<String, String> client = new HashMap<>(cluster.clientProperties(Listener.SASL_PLAINTEXT, "SCRAM-SHA-256"));
        client.put("sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"alice\" password=\"wrong\";");
        cluster.createTopic("wrong-password", 1, 1);
        try (KafkaProducer<String, String> producer = Clients.producer(client, Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000))) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>("wrong-password", "v"))
                    .get(20, TimeUnit.SECONDS))
                    .hasRootCauseInstanceOf(SaslAuthenticationException.class);
        }
    }

    @Test
    void theBrokerLogIsKeptWhereTheClusterSays() throws Exception {
        assertThat(cluster.logFile(1)).exists();
        assertThat(Files.readString(cluster.logFile(1))).contains("Kafka Server started");
    }

    @Test
    void brokersRunWithoutRetentionByAge() throws Exception {
        // Tests write fixed timestamps from years ago; the default seven-day retention would delete them at
        // the broker's first retention check, under whoever reads them then.
        ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, "1");
        try (Admin admin = Admin.create(Map.<String, Object>copyOf(cluster.clientProperties(Listener.PLAINTEXT)))) {
            Config config = admin.describeConfigs(List.of(broker)).all().get(30, TimeUnit.SECONDS).get(broker);
            assertThat(config.get("log.retention.ms").value()).isEqualTo("-1");
        }
    }

    @Test
    void badSettingsAreErrorsThatNameThem() {
        assertThatThrownBy(() -> KafkaCluster.builder().brokers(4))
                .hasMessageContaining("brokers must be 1, 2 or 3, was 4");
        assertThatThrownBy(() -> KafkaCluster.builder().user("bob", "a,b"))
                .hasMessageContaining("password for 'bob'");
        assertThatThrownBy(() -> cluster.clientProperties(Listener.SASL_SSL))
                .hasMessageContaining("SASL_SSL needs a SASL mechanism");
    }

    @Test
    void aKilledAndRestartedBrokerIsSeenByTheClientAgain() throws Exception {
        String topic = "restart";
        cluster.createTopic(topic, 1, 1);
        try (KafkaProducer<String, String> producer = Clients.producer(cluster.clientProperties(Listener.PLAINTEXT),
                Map.of(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000))) {
            Clients.send(producer, topic, "k", "before");
            long pid = cluster.pid(1);
            cluster.killBroker(1);
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            assertThat(cluster.isRunning(1)).isFalse();
            var pending = producer.send(new ProducerRecord<>(topic, "k", "during"));
            cluster.restartBroker(1);
            assertThat(cluster.isRunning(1)).isTrue();
            assertThat(pending.get(60, TimeUnit.SECONDS).offset()).isEqualTo(1);
            Clients.send(producer, topic, "k", "after");
        } catch (ExecutionException e) {
            throw new AssertionError("the producer did not recover after the restart; broker log: " + cluster.logFile(1), e);
        }
        assertThat(Clients.read(cluster.clientProperties(Listener.PLAINTEXT), topic, 3))
                .extracting(ConsumerRecord::value).containsExactly("before", "during", "after");
    }
}
