package dev.josef.kafka.consumer;

import dev.josef.kafka.protocol.KafkaException;
import dev.josef.kafka.testkit.KafkaCluster;
import dev.josef.kafka.testkit.KafkaClusterConfig;
import dev.josef.kafka.testkit.KafkaClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;

import static dev.josef.kafka.consumer.GroupMembers.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A cluster formatted without the consumer group protocol ({@code group.version=0}):
 * a consumer that asks for it fails with an error that says to use the classic
 * protocol, and the classic protocol works on the same cluster.
 */
@ExtendWith(KafkaClusterExtension.class)
@KafkaClusterConfig(features = "group.version=0")
class ConsumerProtocolUnsupportedIT {

    @Test
    void theConsumerProtocolFailsClearlyAndClassicWorks(KafkaCluster cluster) {
        cluster.createTopic("cp-unsupported", 1, 1);
        GroupConsumerIT.produce(cluster, "cp-unsupported", 3);
        try (Consumer consumer = Consumer.create(ConsumerConfig.builder().bootstrapServers(cluster.bootstrapServers())
                .groupId("cp-unsupported").groupProtocol(GroupProtocol.CONSUMER).build())) {
            consumer.subscribe(List.of("cp-unsupported"));
            KafkaException[] failure = new KafkaException[1];
            await(Duration.ofSeconds(30), "the poll to fail", () -> {
                try {
                    consumer.poll(Duration.ofMillis(100));
                    return false;
                } catch (KafkaException e) {
                    failure[0] = e;
                    return true;
                }
            });
            assertThat(failure[0]).hasMessageContaining("use group.protocol=classic");
        }
        try (Consumer classic = Consumer.create(ConsumerConfig.builder().bootstrapServers(cluster.bootstrapServers())
                .groupId("cp-unsupported").offsetReset(OffsetReset.EARLIEST).build())) {
            classic.subscribe(List.of("cp-unsupported"));
            int[] read = new int[1];
            await(Duration.ofSeconds(30), "the classic member's records", () -> {
                read[0] += classic.poll(Duration.ofMillis(100)).count();
                return read[0] >= 3;
            });
            assertThat(read[0]).isEqualTo(3);
        }
    }
}
