package dev.josef.kafka.testkit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.Node;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class MultiBrokerClusterIT {

    @Test
    void threeBrokersWithAControllerReplicateAndSurviveAStoppedBroker() throws Exception {
        try (KafkaCluster cluster = KafkaCluster.builder()
                .brokers(3)
                .brokerProperty("min.insync.replicas", "2")
                .start()) {
            assertThat(cluster.brokerIds()).containsExactly(1, 2, 3);
            assertThat(cluster.bootstrapServers().split(",")).hasSize(3);
            cluster.createTopic("replicated", 1, 3);
            Map<String, String> client = cluster.clientProperties(Listener.PLAINTEXT);
            try (KafkaProducer<String, String> producer = Clients.producer(client, Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
                Clients.send(producer, "replicated", "k", "three in sync");
                cluster.stopBroker(3);
                // Two of three replicas still make min.insync.replicas=2.
                Clients.send(producer, "replicated", "k", "two in sync");
            }
            assertThat(brokersSeen(client, 2)).extracting(Node::id).containsExactlyInAnyOrder(1, 2);
            cluster.restartBroker(3);
            assertThat(brokersSeen(client, 3)).extracting(Node::id).containsExactlyInAnyOrder(1, 2, 3);
            assertThat(Clients.read(client, "replicated", 2)).extracting(ConsumerRecord::value)
                    .containsExactly("three in sync", "two in sync");
        }
    }

    /** The brokers the cluster reports, polled until there are {@code expected} of them or 15 s pass. */
    private static java.util.Collection<Node> brokersSeen(Map<String, String> client, int expected) throws Exception {
        Map<String, Object> config = new HashMap<>(client);
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        try (Admin admin = Admin.create(config)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            java.util.Collection<Node> nodes = admin.describeCluster().nodes().get(10, TimeUnit.SECONDS);
            while (nodes.size() != expected && System.nanoTime() < deadline) {
                Thread.sleep(200);
                nodes = admin.describeCluster().nodes().get(10, TimeUnit.SECONDS);
            }
            return nodes;
        }
    }
}
