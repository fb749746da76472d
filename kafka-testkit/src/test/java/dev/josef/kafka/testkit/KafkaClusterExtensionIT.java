package dev.josef.kafka.testkit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(KafkaClusterExtension.class)
class KafkaClusterExtensionIT {
    private static final Set<String> TOPICS_SEEN = new HashSet<>();
    private static final Set<KafkaCluster> CLUSTERS_SEEN = new HashSet<>();

    @Test
    void aTestGetsTheSharedClusterAndATopicOfItsOwn(KafkaCluster cluster, TestTopic topic) throws Exception {
        remember(cluster, topic);
        assertThat(topic.partitions()).isEqualTo(1);
        Map<String, String> client = cluster.clientProperties(Listener.PLAINTEXT);
        try (KafkaProducer<String, String> producer = Clients.producer(client, Map.of())) {
            Clients.send(producer, topic.name(), "k", "mine");
        }
        assertThat(Clients.read(client, topic.name(), 1)).extracting(ConsumerRecord::value).containsExactly("mine");
    }

    @Test
    void anotherTestGetsAnotherTopicWithThePartitionsItAsksFor(KafkaCluster cluster,
                                                               @TestTopic.Partitions(3) TestTopic topic) {
        remember(cluster, topic);
        assertThat(topic.partitions()).isEqualTo(3);
    }

    private static synchronized void remember(KafkaCluster cluster, TestTopic topic) {
        assertThat(TOPICS_SEEN.add(topic.name())).as("topic names are never reused").isTrue();
        CLUSTERS_SEEN.add(cluster);
        assertThat(CLUSTERS_SEEN).as("one cluster serves every test").hasSize(1);
    }
}
