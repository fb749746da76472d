package dev.josef.kafka.producer;

import dev.josef.kafka.net.NetworkConfig;
import dev.josef.kafka.testkit.KafkaCluster;
import dev.josef.kafka.testkit.KafkaClusterConfig;
import dev.josef.kafka.testkit.KafkaClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Records for a topic that does not exist, on a broker that does not create
 * topics on request ({@code auto.create.topics.enable=false}): they wait while
 * the producer looks the topic up, then fail NOT_PERSISTED, naming the topic,
 * and the producer asked for nothing it should not have created.
 */
@ExtendWith(KafkaClusterExtension.class)
@KafkaClusterConfig(brokerProperties = "auto.create.topics.enable=false")
class MissingTopicIT {

    @Test
    void aTopicThatNeverAppearsFailsAfterTheDeliveryTimeoutNamingIt(KafkaCluster cluster) throws Exception {
        ProducerConfig config = ProducerConfig.builder().network(NetworkConfig.builder()
                        .bootstrapServers(cluster.bootstrapServers()).requestTimeout(Duration.ofSeconds(1)).build())
                .deliveryTimeout(Duration.ofSeconds(2)).build();
        try (Producer producer = Producer.create(config)) {
            CompletableFuture<RecordMetadata> future = producer.produce(ProducerRecord.of("missing-no-such-topic",
                    new byte[] {1}));
            assertThatThrownBy(() -> future.get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(ProduceException.class)
                    .hasMessageContaining("missing-no-such-topic was not found");
            assertThat(((ProduceException) causeOf(future)).persistence()).isEqualTo(Persistence.NOT_PERSISTED);
        }
        assertThat(topics(cluster)).doesNotContain("missing-no-such-topic");
    }

    @Test
    void aMissingTopicFailsAfterTheBoundedNumberOfLookupsLongBeforeTheDeliveryTimeout(KafkaCluster cluster)
            throws Exception {
        String topic = "missing-bounded-lookups";
        cluster.createTopic(topic, 1, 1);
        ProducerConfig bounded = ProducerConfig.builder().bootstrapServers(cluster.bootstrapServers())
                .unknownTopicRetries(2).deliveryTimeout(Duration.ofMinutes(5)).build();
        try (Producer producer = Producer.create(bounded)) {
            long start = System.nanoTime();
            CompletableFuture<RecordMetadata> missing = producer.produce(ProducerRecord.of("missing-topic",
                    new byte[] {1}));
            CompletableFuture<RecordMetadata> present = producer.produce(ProducerRecord.of(topic, new byte[] {2}));

            assertThatThrownBy(() -> missing.get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("topic missing-topic does not exist: 3 metadata answer(s)");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
            assertThat(((ProduceException) causeOf(missing)).persistence()).isEqualTo(Persistence.NOT_PERSISTED);
            assertThat(present.get(30, TimeUnit.SECONDS).offset()).isZero();
        }
        assertThat(topics(cluster)).doesNotContain("missing-topic");
    }

    private static java.util.Set<String> topics(KafkaCluster cluster) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", cluster.bootstrapServers()))) {
            return admin.listTopics().names().get(30, TimeUnit.SECONDS);
        }
    }

    private static Throwable causeOf(CompletableFuture<?> future) {
        try {
            future.join();
            throw new AssertionError("the future did not fail");
        } catch (java.util.concurrent.CompletionException e) {
            return e.getCause();
        }
    }
}
