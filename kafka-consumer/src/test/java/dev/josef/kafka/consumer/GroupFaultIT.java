package dev.josef.kafka.consumer;

import dev.josef.kafka.consumer.GroupMembers.JosefMember;
import dev.josef.kafka.consumer.GroupMembers.Log;
import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.testkit.KafkaCluster;
import dev.josef.kafka.testkit.KafkaClusterConfig;
import dev.josef.kafka.testkit.KafkaClusterExtension;
import dev.josef.kafka.testkit.KafkaProxy;
import dev.josef.kafka.testkit.ProxyRule;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static dev.josef.kafka.consumer.GroupMembers.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A group under faults: coordinator errors injected by the kit's proxy, and
 * the coordinator's broker killed among three. The group recovers, no record
 * is lost, and the application's polls see no error for any of it.
 */
@ExtendWith(KafkaClusterExtension.class)
@KafkaClusterConfig(brokers = 3)
class GroupFaultIT {

    private static JosefMember member(String name, Log log, String bootstrap, String group, String topic) {
        return new JosefMember(name, log, () -> ConsumerConfig.builder().bootstrapServers(bootstrap)
                .offsetReset(OffsetReset.EARLIEST).groupId(group).sessionTimeout(Duration.ofSeconds(10))
                .heartbeatInterval(Duration.ofMillis(500)).autoCommitInterval(Duration.ofMillis(500))
                .maxPollRecords(50).build(), List.of(topic));
    }

    private static Set<String> owners(Log log) {
        Set<String> owners = new HashSet<>();
        log.ownership.forEach(o -> owners.add(o.member()));
        return owners;
    }

    @ParameterizedTest(name = "{0} answering {1}")
    @CsvSource({"HEARTBEAT, REBALANCE_IN_PROGRESS", "HEARTBEAT, ILLEGAL_GENERATION", "HEARTBEAT, UNKNOWN_MEMBER_ID",
            "HEARTBEAT, NOT_COORDINATOR", "HEARTBEAT, COORDINATOR_LOAD_IN_PROGRESS",
            "JOIN_GROUP, COORDINATOR_LOAD_IN_PROGRESS", "JOIN_GROUP, NOT_COORDINATOR",
            "SYNC_GROUP, REBALANCE_IN_PROGRESS", "FIND_COORDINATOR, COORDINATOR_NOT_AVAILABLE"})
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void theGroupRecoversFromAnInjectedCoordinatorErrorAndLosesNothing(ApiKey api, ErrorCode error,
                                                                       KafkaCluster cluster) throws Exception {
        String topic = "group-fault-" + api.name().toLowerCase() + "-" + error.name().toLowerCase();
        String group = "fault-" + api.name() + "-" + error.name();
        cluster.createTopic(topic, 4, 3);
        GroupConsumerIT.produce(cluster, topic, 300);
        Log log = new Log();
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers())) {
            JosefMember a = member("a", log, proxy.bootstrapServers(), group, topic);
            JosefMember b = member("b", log, proxy.bootstrapServers(), group, topic);
            ProxyRule rule = null;
            if (api == ApiKey.JOIN_GROUP || api == ApiKey.SYNC_GROUP || api == ApiKey.FIND_COORDINATOR) {
                // Armed before the members start, so the join meets it.
                rule = proxy.add(ProxyRule.on(api).times(1).replaceError(error));
            }
            a.start();
            b.start();
            await(Duration.ofSeconds(60), "both members to own partitions", () -> owners(log).size() == 2);
            if (rule == null) {
                rule = proxy.add(ProxyRule.on(api).times(1).replaceError(error));
            }
            assertThat(rule.awaitFired(1, Duration.ofSeconds(30))).as("the injected " + error + " on " + api).isTrue();
            GroupConsumerIT.produce(cluster, topic, 300);
            await(Duration.ofSeconds(60), "all 600 records", () -> log.distinctReads() >= 600);
            a.close(); // a member whose poll threw fails here, naming what it threw
            b.close();
        }
        assertThat(log.doubleOwners()).isEmpty();
        assertThat(log.distinctReads()).isEqualTo(600);
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void theCoordinatorsBrokerKilledDuringARebalanceAndDuringCommits(KafkaCluster cluster) throws Exception {
        String topic = "group-fault-coordinator-killed";
        String group = "coordinator-killed";
        cluster.createTopic(topic, 6, 3);
        GroupConsumerIT.produce(cluster, topic, 600);
        Log log = new Log();
        JosefMember a = member("a", log, cluster.bootstrapServers(), group, topic);
        JosefMember b = member("b", log, cluster.bootstrapServers(), group, topic);
        JosefMember c = member("c", log, cluster.bootstrapServers(), group, topic);
        int killed;
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", cluster.bootstrapServers()))) {
            a.start();
            b.start();
            await(Duration.ofSeconds(60), "both members to own partitions", () -> owners(log).size() == 2);
            killed = admin.describeConsumerGroups(List.of(group)).all().get(30, TimeUnit.SECONDS).get(group)
                    .coordinator().id();
            // A third member joins, and the coordinator's broker dies while the group rebalances and a and b
            // commit every half second.
            c.start();
            cluster.killBroker(killed);
            GroupConsumerIT.produce(cluster, topic, 600);
            await(Duration.ofSeconds(90), "all 1,200 records", () -> log.distinctReads() >= 1200);
            await(Duration.ofSeconds(60), "the third member to own partitions", () -> owners(log).size() == 3);
        } finally {
            a.close();
            b.close();
            c.close();
        }
        cluster.restartBroker(killed);
        assertThat(log.doubleOwners()).isEmpty();
        assertThat(log.distinctReads()).isEqualTo(1200);
        try (Consumer check = Consumer.create(GroupConsumerIT.groupConfig(cluster, "check", group).build())) {
            Set<TopicPartition> all = GroupConsumerIT.partitions(topic, 6);
            assertThat(check.committed(all).values().stream().mapToLong(OffsetAndMetadata::offset).sum())
                    .as("everything read was committed, through the new coordinator").isEqualTo(1200);
        }
    }
}
