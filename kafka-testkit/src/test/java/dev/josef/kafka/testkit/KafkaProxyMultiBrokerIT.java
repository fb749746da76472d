package dev.josef.kafka.testkit;

import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.ErrorCode;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** The proxy in front of two brokers: a listener for each, found through the responses. */
@Timeout(90)
class KafkaProxyMultiBrokerIT {

    @Test
    void eachBrokerGetsAListenerAndTrafficToEitherGoesThroughTheProxy() throws Exception {
        String topic = "two-leaders";
        try (KafkaCluster cluster = KafkaCluster.builder().brokers(2).start();
             // Only the first broker: the proxy has to find the second in the responses.
             KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers().split(",")[0])) {
            cluster.createTopic(topic, 2, 1);
            ProxyRule toPartition0 = proxy.add(ProxyRule.on(ApiKey.PRODUCE).topic(topic).partition(0).countOnly());
            ProxyRule notLeader1 = proxy.add(ProxyRule.on(ApiKey.PRODUCE).topic(topic).partition(1).times(1)
                    .replaceError(ErrorCode.NOT_LEADER_OR_FOLLOWER));

            List<Node> leaders;
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, proxy.bootstrapServers()))) {
                TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames()
                        .get(30, TimeUnit.SECONDS).get(topic);
                leaders = description.partitions().stream().map(TopicPartitionInfo::leader).collect(Collectors.toList());
            }
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, proxy.bootstrapServers(),
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                    ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 50))) {
                producer.send(new ProducerRecord<>(topic, 0, null, "p0")).get(30, TimeUnit.SECONDS);
                producer.send(new ProducerRecord<>(topic, 1, null, "p1")).get(30, TimeUnit.SECONDS);
            }

            assertThat(proxy.routes()).as("one listener per broker").hasSize(2);
            Set<String> proxyAddresses = Set.copyOf(proxy.routes().values());
            Set<String> leaderAddresses = leaders.stream().map(l -> l.host() + ":" + l.port()).collect(Collectors.toSet());
            assertThat(leaderAddresses).as("one partition led by each broker, both reached through the proxy")
                    .hasSize(2).isEqualTo(proxyAddresses);
            assertThat(toPartition0.fired()).isEqualTo(1);
            assertThat(notLeader1.fired()).isEqualTo(1);
        }
    }
}
