package dev.josef.kafka.admin;

import dev.josef.kafka.net.Cluster;
import dev.josef.kafka.testkit.KafkaCluster;
import dev.josef.kafka.testkit.KafkaClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@ExtendWith(KafkaClusterExtension.class)
class SharedClusterIT {

    @Test
    void adminsOnASharedClusterLeaveItOpenAndItsOwnerClosesIt(KafkaCluster kafka) throws Exception {
        Cluster cluster = Cluster.connect(Map.of("bootstrap.servers", kafka.bootstrapServers(), "client.id", "shared-it"));
        try {
            Map<Integer, String> brokers = cluster.brokers().get(30, TimeUnit.SECONDS);
            assertThat(brokers).containsOnlyKeys(1);
            assertThat(cluster.clusterId()).isNotBlank();

            Admin first = Admin.create(cluster);
            Admin second = Admin.create(cluster);
            first.createTopics(List.of(NewTopic.of("shared-cluster-topic", 1, 1))).get(30, TimeUnit.SECONDS)
                    .get("shared-cluster-topic").orThrow();
            first.close();
            // The second admin, on the same connections, still works.
            assertThat(second.listTopics().get(30, TimeUnit.SECONDS)).contains("shared-cluster-topic");
            second.close();
            assertThat(cluster.brokers().get(30, TimeUnit.SECONDS)).containsOnlyKeys(1);
        } finally {
            cluster.close();
        }
        assertThatThrownBy(() -> cluster.brokers().get(30, TimeUnit.SECONDS))
                .cause().hasMessageContaining("closed");
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                .noneMatch(n -> n.startsWith("josef-shared-it-"));
    }
}
