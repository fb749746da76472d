package dev.josef.kafka.admin;

import dev.josef.kafka.net.NetworkConfig;
import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.testkit.KafkaCluster;
import dev.josef.kafka.testkit.KafkaProxy;
import dev.josef.kafka.testkit.ProxyRule;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Partition operations find their way to the right leader when the first one is wrong or gone. */
class AdminResilienceIT {

    @Test
    void notLeaderOrFollowerRefreshesMetadataAndTheRetrySucceeds() throws Exception {
        try (KafkaCluster cluster = KafkaCluster.start();
             KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers())) {
            cluster.createTopic("resilience-not-leader", 1, 1);
            try (Admin admin = Admin.create(NetworkConfig.builder().bootstrapServers(proxy.bootstrapServers()).build())) {
                ProxyRule notLeader = proxy.add(ProxyRule.on(ApiKey.LIST_OFFSETS).topic("resilience-not-leader").times(1)
                        .replaceError(ErrorCode.NOT_LEADER_OR_FOLLOWER));
                TopicPartition tp = new TopicPartition("resilience-not-leader", 0);
                ListedOffset listed = admin.listOffsets(Map.of(tp, OffsetSpec.latest())).get(30, TimeUnit.SECONDS).get(tp);
                assertThat(notLeader.fired()).isEqualTo(1);
                assertThat(listed.error()).isEqualTo(ErrorCode.NONE);
                assertThat(listed.offset()).isZero();
            }
        }
    }

    @Test
    void whenTheLeadersBrokerIsKilledTheNewLeaderAnswers() throws Exception {
        try (KafkaCluster cluster = KafkaCluster.builder().brokers(3).start()) {
            cluster.createTopic("resilience-failover", 1, 3);
            NetworkConfig config = NetworkConfig.builder().bootstrapServers(cluster.bootstrapServers())
                    .retryBackoff(Duration.ofSeconds(1)).retryBackoffMax(Duration.ofSeconds(5)).build();
            try (Admin admin = Admin.create(config)) {
                TopicPartition tp = new TopicPartition("resilience-failover", 0);
                int leader = admin.describeTopics(java.util.List.of(tp.topic())).get(30, TimeUnit.SECONDS)
                        .get(tp.topic()).partitions().get(0).leader();
                cluster.killBroker(leader);
                // The controller fences the dead broker after its session times out
                // (3 s in the kit) and elects another replica; the retries find it. Admin tries a partition
                // five times: with these backoffs that spans about 12 s, room for a slow machine.
                ListedOffset listed = admin.listOffsets(Map.of(tp, OffsetSpec.latest())).get(60, TimeUnit.SECONDS).get(tp);
                assertThat(listed.error()).as(listed.toString()).isEqualTo(ErrorCode.NONE);
                int newLeader = admin.describeTopics(java.util.List.of(tp.topic())).get(30, TimeUnit.SECONDS)
                        .get(tp.topic()).partitions().get(0).leader();
                assertThat(newLeader).isNotEqualTo(leader).isIn(cluster.brokerIds());
            }
        }
    }
}
