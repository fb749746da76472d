package dev.josef.kafka.consumer;

import dev.josef.kafka.consumer.GroupMembers.JosefMember;
import dev.josef.kafka.consumer.GroupMembers.KafkaClientsMember;
import dev.josef.kafka.consumer.GroupMembers.Log;
import dev.josef.kafka.net.NetworkConfig;
import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.testkit.KafkaCluster;
import dev.josef.kafka.testkit.KafkaClusterExtension;
import dev.josef.kafka.testkit.KafkaProxy;
import dev.josef.kafka.testkit.ProxyRule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static dev.josef.kafka.consumer.GroupMembers.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The KIP-848 consumer group protocol on a real broker: Josef and kafka-clients
 * members in one group with each server assignor, a broker-side regular
 * expression that picks up a topic created later, a group moved from classic to
 * consumer and back while it consumes, and faults injected by the kit's proxy.
 */
@ExtendWith(KafkaClusterExtension.class)
class ConsumerProtocolIT {

    private static ConsumerConfig.Builder josef(String bootstrap, String clientId, String group) {
        return josef(bootstrap, clientId, group, Duration.ofSeconds(30));
    }

    private static ConsumerConfig.Builder josef(String bootstrap, String clientId, String group,
                                                Duration requestTimeout) {
        return ConsumerConfig.builder().network(NetworkConfig.builder().bootstrapServers(bootstrap)
                        .clientId(clientId).requestTimeout(requestTimeout).build())
                .offsetReset(OffsetReset.EARLIEST).groupId(group).groupProtocol(GroupProtocol.CONSUMER)
                .maxPollRecords(20);
    }

    /** kafka-clients refuses the classic-only settings (session, heartbeat, assignors) with this protocol. */
    private static Map<String, Object> kafkaClients(KafkaCluster cluster, String group, String assignor) {
        Map<String, Object> p = new HashMap<>();
        p.put("bootstrap.servers", cluster.bootstrapServers());
        p.put("group.id", group);
        p.put("group.protocol", "consumer");
        p.put("auto.offset.reset", "earliest");
        p.put("max.poll.records", 20);
        if (assignor != null) {
            p.put("group.remote.assignor", assignor);
        }
        return p;
    }

    private static Set<String> owners(Log log) {
        Set<String> owners = new HashSet<>();
        log.ownership.forEach(o -> owners.add(o.member()));
        return owners;
    }

    /**
     * Two Josef and two kafka-clients members join one after another and the
     * first two leave: no partition ever has two owners, every record is read
     * once, and the committed offsets add up.
     */
    @ParameterizedTest
    @ValueSource(strings = {"uniform", "range"})
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void josefAndKafkaClientsShareAGroupWithEachServerAssignor(String assignor, KafkaCluster cluster)
            throws Exception {
        String topic = "cp-mixed-" + assignor;
        String group = "cp-mixed-" + assignor;
        cluster.createTopic(topic, 6, 1);
        int total = 2000;
        GroupConsumerIT.produce(cluster, topic, total);
        Log log = new Log();
        List<GroupMembers.Member> members = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String name = (i % 2 == 0 ? "josef-" : "kafka-clients-") + i;
            members.add(i % 2 == 0
                    ? new JosefMember(name, log, () -> josef(cluster.bootstrapServers(), name, group)
                            .remoteAssignor(assignor).build(), List.of(topic))
                    : new KafkaClientsMember(name, log, kafkaClients(cluster, group, assignor), List.of(topic)));
        }
        int target = total / 8;
        try {
            for (GroupMembers.Member m : members) {
                m.start();
                int want = target;
                await(Duration.ofSeconds(60), m.name + " to be assigned partitions and the group to read on",
                        () -> log.ownership.stream().anyMatch(o -> o.member().equals(m.name)
                                && o.event() == GroupMembers.Event.ASSIGNED)
                                && (log.reads.size() >= want || log.distinctReads() >= total));
                target += total / 8;
            }
            members.get(0).close();
            members.get(1).close();
            await(Duration.ofSeconds(60), "every record", () -> log.distinctReads() >= total);
        } finally {
            for (GroupMembers.Member m : members) {
                m.close();
            }
        }
        assertThat(log.doubleOwners()).isEmpty();
        assertThat(log.duplicates()).isEmpty();
        assertThat(log.distinctReads()).isEqualTo(total);
        assertThat(owners(log)).hasSize(4);
        try (Consumer check = Consumer.create(josef(cluster.bootstrapServers(), "check", group).build())) {
            assertThat(check.committed(GroupConsumerIT.partitions(topic, 6)).values().stream()
                    .mapToLong(OffsetAndMetadata::offset).sum()).as("committed offsets").isEqualTo(total);
        }
    }

    /** The coordinator evaluates the expression; a matching topic created later is read without a restart. */
    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void aRegularExpressionPicksUpATopicCreatedLater(KafkaCluster cluster) {
        cluster.createTopic("cp-regex-a", 2, 1);
        GroupConsumerIT.produce(cluster, "cp-regex-a", 10);
        try (Consumer consumer = Consumer.create(josef(cluster.bootstrapServers(), "regex", "cp-regex").build())) {
            consumer.subscribe(Pattern.compile("cp-regex-.*"));
            Set<String> topics = new HashSet<>();
            await(Duration.ofSeconds(30), "the first topic's records", () -> {
                consumer.poll(Duration.ofMillis(100)).forEach(r -> topics.add(r.topic()));
                return topics.contains("cp-regex-a");
            });
            cluster.createTopic("cp-regex-b", 1, 1);
            GroupConsumerIT.produce(cluster, "cp-regex-b", 5);
            List<ConsumerRecord> later = new ArrayList<>();
            await(Duration.ofSeconds(60), "records of the topic created later", () -> {
                consumer.poll(Duration.ofMillis(100)).forEach(r -> {
                    if (r.topic().equals("cp-regex-b")) {
                        later.add(r);
                    }
                });
                return later.size() >= 5;
            });
            assertThat(consumer.assignment()).contains(new TopicPartition("cp-regex-b", 0),
                    new TopicPartition("cp-regex-a", 0), new TopicPartition("cp-regex-a", 1));
        }
    }

    /**
     * A group moves from classic to consumer and back while it consumes: its
     * members are restarted one by one, each client on each side. The broker
     * converts the group online; nothing is lost and nothing read twice.
     */
    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aGroupMovesFromClassicToConsumerAndBackWhileItConsumes(KafkaCluster cluster) throws Exception {
        String topic = "cp-migrate";
        String group = "cp-migrate";
        cluster.createTopic(topic, 4, 1);
        Log log = new Log();
        int produced = 0;
        List<GroupMembers.Member> running = new ArrayList<>();
        String[][] phases = {
                {"josef-classic-1", "kafka-clients-classic-1"},
                {"josef-consumer-1", "kafka-clients-consumer-1"},
                {"josef-classic-2", "kafka-clients-classic-2"}};
        try {
            for (String[] phase : phases) {
                for (String name : phase) {
                    GroupMembers.Member m = member(cluster, log, name, group, topic);
                    m.start();
                    running.add(m);
                    GroupConsumerIT.produce(cluster, topic, 200);
                    produced += 200;
                    int want = produced;
                    await(Duration.ofSeconds(90), name + " to own partitions and the group to read everything",
                            () -> log.ownership.stream().anyMatch(o -> o.member().equals(name)
                                    && o.event() == GroupMembers.Event.ASSIGNED)
                                    && log.distinctReads() >= want);
                    // The oldest member leaves, so the group is always two members of mixed kinds.
                    if (running.size() > 2) {
                        running.remove(0).close();
                    }
                }
            }
        } finally {
            for (GroupMembers.Member m : running) {
                m.close();
            }
        }
        assertThat(log.distinctReads()).isEqualTo(produced);
        assertThat(log.duplicates()).isEmpty();
        assertThat(log.doubleOwners()).isEmpty();
    }

    private static GroupMembers.Member member(KafkaCluster cluster, Log log, String name, String group,
                                              String topic) {
        boolean consumerProtocol = name.contains("-consumer-");
        if (name.startsWith("josef")) {
            return new JosefMember(name, log, () -> josef(cluster.bootstrapServers(), name, group)
                    .groupProtocol(consumerProtocol ? GroupProtocol.CONSUMER : GroupProtocol.CLASSIC)
                    .partitionAssignmentStrategy(List.of("cooperative-sticky")).build(), List.of(topic));
        }
        Map<String, Object> p = consumerProtocol ? kafkaClients(cluster, group, null)
                : GroupConsumerIT.kafkaClientsConfig(cluster, group, "cooperative-sticky");
        return new KafkaClientsMember(name, log, p, List.of(topic));
    }

    /**
     * Coordinator faults through the proxy: a heartbeat answer that never comes
     * (tolerated: the member sends again, in full), and an injected
     * FENCED_MEMBER_EPOCH (the member's partitions go as lost and it rejoins).
     * The group reads every record and never has two owners for a partition.
     */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aLostHeartbeatAnswerAndAFencedEpochAreSurvived(KafkaCluster cluster) throws Exception {
        String topic = "cp-faults";
        String group = "cp-faults";
        cluster.createTopic(topic, 4, 1);
        GroupConsumerIT.produce(cluster, topic, 300);
        Log log = new Log();
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers())) {
            JosefMember a = new JosefMember("a", log, () -> josef(proxy.bootstrapServers(), "a", group,
                    Duration.ofSeconds(3)).autoCommitInterval(Duration.ofMillis(500)).build(),
                    List.of(topic));
            JosefMember b = new JosefMember("b", log, () -> josef(proxy.bootstrapServers(), "b", group)
                    .autoCommitInterval(Duration.ofMillis(500)).build(), List.of(topic));
            try {
                a.start();
                b.start();
                await(Duration.ofSeconds(60), "both members to own partitions", () -> log.ownership.stream()
                        .filter(o -> o.event() == GroupMembers.Event.ASSIGNED)
                        .map(GroupMembers.Ownership::member).distinct().count() == 2);
                ProxyRule swallowed = proxy.add(ProxyRule.on(ApiKey.CONSUMER_GROUP_HEARTBEAT).times(1)
                        .swallowResponse());
                assertThat(swallowed.awaitFired(1, Duration.ofSeconds(30))).isTrue();
                GroupConsumerIT.produce(cluster, topic, 300);
                await(Duration.ofSeconds(60), "600 records", () -> log.distinctReads() >= 600);
                int lostBefore = (int) log.ownership.stream().filter(o -> o.event() == GroupMembers.Event.LOST)
                        .count();
                ProxyRule fenced = proxy.add(ProxyRule.on(ApiKey.CONSUMER_GROUP_HEARTBEAT).times(1)
                        .replaceError(ErrorCode.FENCED_MEMBER_EPOCH));
                assertThat(fenced.awaitFired(1, Duration.ofSeconds(30))).isTrue();
                await(Duration.ofSeconds(30), "a member to see its partitions lost", () -> log.ownership.stream()
                        .filter(o -> o.event() == GroupMembers.Event.LOST).count() > lostBefore);
                GroupConsumerIT.produce(cluster, topic, 300);
                await(Duration.ofSeconds(90), "all 900 records", () -> log.distinctReads() >= 900);
            } finally {
                a.close();
                b.close();
            }
        }
        assertThat(log.doubleOwners()).isEmpty();
        assertThat(log.distinctReads()).isEqualTo(900);
    }
}
