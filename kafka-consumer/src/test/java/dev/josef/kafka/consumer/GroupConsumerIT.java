package dev.josef.kafka.consumer;

import dev.josef.kafka.consumer.GroupMembers.JosefMember;
import dev.josef.kafka.consumer.GroupMembers.KafkaClientsMember;
import dev.josef.kafka.consumer.GroupMembers.Log;
import dev.josef.kafka.consumer.spi.RebalanceHook;
import dev.josef.kafka.net.NetworkConfig;
import dev.josef.kafka.net.spi.ClientHook;
import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.testkit.KafkaCluster;
import dev.josef.kafka.testkit.KafkaClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Pattern;

import static dev.josef.kafka.consumer.GroupMembers.await;
import static org.assertj.core.api.Assertions.assertThat;

/** The group consumer on real brokers, alone, with other Josef members, and with kafka-clients members. */
@ExtendWith(KafkaClusterExtension.class)
class GroupConsumerIT {

    static ConsumerConfig.Builder groupConfig(KafkaCluster cluster, String clientId, String group) {
        return groupConfig(cluster, clientId, group, GroupProtocol.CLASSIC);
    }

    /**
     * With the consumer protocol the session timeout and heartbeat interval are
     * the broker's (45 s and 5 s by default); the builder's are for classic members.
     */
    static ConsumerConfig.Builder groupConfig(KafkaCluster cluster, String clientId, String group,
                                              GroupProtocol protocol) {
        return ConsumerConfig.builder()
                .groupProtocol(protocol)
                .network(NetworkConfig.builder().bootstrapServers(cluster.bootstrapServers()).clientId(clientId)
                        .build())
                .offsetReset(OffsetReset.EARLIEST)
                .groupId(group)
                .sessionTimeout(Duration.ofSeconds(10))
                .heartbeatInterval(Duration.ofSeconds(1));
    }

    static Map<String, Object> kafkaClientsConfig(KafkaCluster cluster, String group, String assignor) {
        Map<String, Object> p = new HashMap<>();
        p.put("bootstrap.servers", cluster.bootstrapServers());
        p.put("group.id", group);
        p.put("auto.offset.reset", "earliest");
        p.put("session.timeout.ms", 10_000);
        p.put("heartbeat.interval.ms", 1_000);
        p.put("max.poll.records", 20);
        p.put("partition.assignment.strategy", kafkaClientsAssignor(assignor));
        return p;
    }

    static String kafkaClientsAssignor(String name) {
        return switch (name) {
            case "range" -> "org.apache.kafka.clients.consumer.RangeAssignor";
            case "roundrobin" -> "org.apache.kafka.clients.consumer.RoundRobinAssignor";
            case "sticky" -> "org.apache.kafka.clients.consumer.StickyAssignor";
            case "cooperative-sticky" -> "org.apache.kafka.clients.consumer.CooperativeStickyAssignor";
            default -> throw new IllegalArgumentException(name);
        };
    }

    static void produce(KafkaCluster cluster, String topic, int count) {
        try (KafkaProducer<byte[], byte[]> producer = ConsumerIT.kafkaProducer(cluster, Map.of())) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, ("k" + i).getBytes(StandardCharsets.UTF_8),
                        ("v" + i).getBytes(StandardCharsets.UTF_8)));
            }
        }
    }

    static Set<TopicPartition> partitions(String topic, int count) {
        return new HashSet<>(ConsumerIT.partitions(topic, count));
    }

    @Test
    void twoMembersShareATopicAndALaterMemberStartsWhereTheyCommitted(KafkaCluster cluster) throws Exception {
        String topic = "group-it-share";
        cluster.createTopic(topic, 4, 1);
        produce(cluster, topic, 400);
        Log log = new Log();
        JosefMember a = new JosefMember("a", log, () -> groupConfig(cluster, "share-a", "share").maxPollRecords(10)
                .build(), List.of(topic));
        JosefMember b = new JosefMember("b", log, () -> groupConfig(cluster, "share-b", "share").maxPollRecords(10)
                .build(), List.of(topic));
        a.start();
        await(Duration.ofSeconds(30), "a to read", () -> !log.reads.isEmpty());
        b.start();
        await(Duration.ofSeconds(60), "all 400 records", () -> log.distinctReads() >= 400);
        await(Duration.ofSeconds(30), "both members to own partitions",
                () -> log.reads.stream().map(GroupMembers.Read::member).distinct().count() == 2
                        || log.ownership.stream().anyMatch(o -> o.member().equals("b")));
        a.close();
        b.close();
        assertThat(log.doubleOwners()).isEmpty();
        assertThat(log.duplicates()).isEmpty();
        assertThat(log.ownership.stream().filter(o -> o.member().equals("b")
                && o.event() == GroupMembers.Event.ASSIGNED)).isNotEmpty();

        try (Consumer later = Consumer.create(groupConfig(cluster, "share-c", "share").build())) {
            Map<TopicPartition, OffsetAndMetadata> committed = later.committed(partitions(topic, 4));
            assertThat(committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum()).isEqualTo(400);
            later.subscribe(List.of(topic));
            await(Duration.ofSeconds(30), "the later member's assignment", () -> {
                later.poll(Duration.ofMillis(100));
                return later.assignment().size() == 4;
            });
            for (TopicPartition tp : partitions(topic, 4)) {
                assertThat(later.position(tp)).isEqualTo(committed.get(tp).offset());
            }
            assertThat(later.poll(Duration.ofMillis(500)).count()).isZero();
        }
    }

    /**
     * Two Josef and two kafka-clients members in one group, joining and leaving
     * in turn, for each balancer; {@code josefFirst} decides which side leads
     * first. No partition has two owners at once, and every record is read exactly
     * once, across handovers in both directions (each side starts where the other
     * committed).
     */
    @ParameterizedTest(name = "{0}, Josef first: {1}")
    @CsvSource({"range, true", "range, false", "roundrobin, true", "roundrobin, false", "sticky, true",
            "sticky, false", "cooperative-sticky, true", "cooperative-sticky, false"})
    void aMixedGroupReadsEverythingOnceAndNeverHasTwoOwners(String assignor, boolean josefFirst,
                                                           KafkaCluster cluster) throws Exception {
        String topic = "group-it-mixed-" + assignor + "-" + josefFirst;
        String group = "mixed-" + assignor + "-" + josefFirst;
        cluster.createTopic(topic, 6, 1);
        int total = 2000;
        produce(cluster, topic, total);
        Log log = new Log();
        List<GroupMembers.Member> members = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            boolean josef = (i % 2 == 0) == josefFirst;
            String name = (josef ? "josef-" : "kafka-clients-") + i;
            members.add(josef
                    ? new JosefMember(name, log, () -> groupConfig(cluster, name + "-" + group, group)
                            .maxPollRecords(20).partitionAssignmentStrategy(List.of(assignor)).build(), List.of(topic))
                    : new KafkaClientsMember(name, log, kafkaClientsConfig(cluster, group, assignor), List.of(topic)));
        }
        int target = total / 8;
        for (GroupMembers.Member m : members) {
            m.start();
            int want = target;
            await(Duration.ofSeconds(60), m.name + " to be assigned partitions and the group to read on",
                    () -> log.ownership.stream().anyMatch(o -> o.member().equals(m.name)
                            && o.event() == GroupMembers.Event.ASSIGNED)
                            && (log.reads.size() >= want || log.distinctReads() >= total));
            target += total / 8;
        }
        // The first two leave; the other two finish.
        members.get(0).close();
        int afterFirst = log.reads.size() + total / 8;
        await(Duration.ofSeconds(60), "reading after the first member left", () -> log.reads.size() >= afterFirst
                || log.distinctReads() >= total);
        members.get(1).close();
        await(Duration.ofSeconds(60), "every record", () -> log.distinctReads() >= total);
        members.get(2).close();
        members.get(3).close();
        assertThat(log.doubleOwners()).isEmpty();
        assertThat(log.duplicates()).isEmpty();
        assertThat(log.distinctReads()).isEqualTo(total);
        Set<String> owners = new HashSet<>();
        log.ownership.forEach(o -> owners.add(o.member()));
        assertThat(owners).as("every member owned partitions at some point").hasSize(4);
        try (Consumer check = Consumer.create(groupConfig(cluster, "check-" + group, group).build())) {
            assertThat(check.committed(partitions(topic, 6)).values().stream().mapToLong(OffsetAndMetadata::offset)
                    .sum()).as("committed offsets").isEqualTo(total);
        }
    }

    @Test
    void aStaticMemberThatRestartsWithinTheSessionGetsItsPartitionsBackWithoutARebalance(KafkaCluster cluster)
            throws Exception {
        String topic = "group-it-static";
        cluster.createTopic(topic, 4, 1);
        produce(cluster, topic, 40);
        ConsumerConfig.Builder staticA = groupConfig(cluster, "static-a", "static").groupInstanceId("instance-a")
                .sessionTimeout(Duration.ofSeconds(30));
        ConcurrentLinkedQueue<String> othersEvents = new ConcurrentLinkedQueue<>();
        RebalanceHook recorder = new RebalanceHook() {
            @Override
            public void onAssigned(Consumer consumer, Set<TopicPartition> partitions) {
                othersEvents.add("assigned " + partitions);
            }

            @Override
            public void onRevoked(Consumer consumer, Set<TopicPartition> partitions) {
                othersEvents.add("revoked " + partitions);
            }
        };
        try (Consumer other = Consumer.create(groupConfig(cluster, "static-b", "static")
                .groupInstanceId("instance-b").sessionTimeout(Duration.ofSeconds(30)).build())) {
            other.subscribe(List.of(topic), recorder);
            Set<TopicPartition> first;
            String generation;
            try (Consumer a = Consumer.create(staticA.build())) {
                a.subscribe(List.of(topic));
                await(Duration.ofSeconds(60), "both static members to share the topic", () -> {
                    a.poll(Duration.ofMillis(50));
                    other.poll(Duration.ofMillis(50));
                    return a.assignment().size() == 2 && other.assignment().size() == 2;
                });
                first = a.assignment();
                generation = a.groupMember().orElseThrow();
            }
            othersEvents.clear();
            try (Consumer again = Consumer.create(staticA.build())) {
                again.subscribe(List.of(topic));
                await(Duration.ofSeconds(30), "the restarted member's partitions", () -> {
                    again.poll(Duration.ofMillis(50));
                    other.poll(Duration.ofMillis(50));
                    return !again.assignment().isEmpty();
                });
                assertThat(again.assignment()).isEqualTo(first);
                assertThat(again.groupMember().orElseThrow()).endsWith(generation.substring(generation.indexOf('@')));
                for (int i = 0; i < 10; i++) {
                    other.poll(Duration.ofMillis(100));
                }
                assertThat(othersEvents).as("the other member saw no rebalance").isEmpty();
            }
        }
    }

    @Test
    void aSecondLiveMemberWithTheSameInstanceIdFencesTheFirstWithAClearError(KafkaCluster cluster) {
        String topic = "group-it-fenced";
        cluster.createTopic(topic, 1, 1);
        ConsumerConfig config = groupConfig(cluster, "fenced", "fenced").groupInstanceId("twin").build();
        try (Consumer first = Consumer.create(config); Consumer second = Consumer.create(config)) {
            first.subscribe(List.of(topic));
            await(Duration.ofSeconds(30), "the first twin's assignment", () -> {
                first.poll(Duration.ofMillis(50));
                return !first.assignment().isEmpty();
            });
            second.subscribe(List.of(topic));
            await(Duration.ofSeconds(30), "the second twin's assignment", () -> {
                second.poll(Duration.ofMillis(50));
                return !second.assignment().isEmpty();
            });
            Throwable[] error = new Throwable[1];
            await(Duration.ofSeconds(30), "the first twin to be fenced", () -> {
                try {
                    first.poll(Duration.ofMillis(100));
                    return false;
                } catch (RuntimeException e) {
                    error[0] = e;
                    return true;
                }
            });
            assertThat(error[0]).hasMessageContaining("FENCED_INSTANCE_ID").hasMessageContaining("twin");
            assertThat(first.assignment()).isEmpty();
        }
    }

    @Test
    void aPatternSubscriptionJoinsWithTheMatchingTopics(KafkaCluster cluster) {
        cluster.createTopic("group-it-pattern-1", 1, 1);
        cluster.createTopic("group-it-pattern-2", 1, 1);
        produce(cluster, "group-it-pattern-2", 5);
        try (Consumer consumer = Consumer.create(groupConfig(cluster, "pattern", "pattern").build())) {
            consumer.subscribe(Pattern.compile("group-it-pattern-\\d"));
            List<ConsumerRecord> read = new ArrayList<>();
            await(Duration.ofSeconds(30), "the pattern's records", () -> {
                consumer.poll(Duration.ofMillis(100)).forEach(read::add);
                return read.size() >= 5;
            });
            assertThat(consumer.assignment()).containsExactlyInAnyOrder(new TopicPartition("group-it-pattern-1", 0),
                    new TopicPartition("group-it-pattern-2", 0));
        }
    }

    /** The requests a client wrote to the wire, in order. */
    static final class WireOrder implements ClientHook {
        final List<ApiKey> written = java.util.Collections.synchronizedList(new ArrayList<>());

        @Override
        public void onRequestWritten(String clientId, String broker, ApiKey api, short version, int bytes) {
            written.add(api);
        }
    }

    /** Records the rebalance callbacks a member got, in order. */
    static final class Callbacks implements RebalanceHook {
        final ConcurrentLinkedQueue<String> calls = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<String> commitErrors = new ConcurrentLinkedQueue<>();
        volatile Map<TopicPartition, Long> positionsAtRevoke = Map.of();

        @Override
        public void onAssigned(Consumer consumer, Set<TopicPartition> partitions) {
            calls.add("assigned " + partitions);
        }

        @Override
        public void onRevoked(Consumer consumer, Set<TopicPartition> partitions) {
            Map<TopicPartition, Long> positions = new HashMap<>();
            partitions.forEach(tp -> positions.put(tp, consumer.position(tp)));
            positionsAtRevoke = positions;
            calls.add("revoked " + partitions);
        }

        @Override
        public void onLost(Consumer consumer, Set<TopicPartition> partitions) {
            calls.add("lost " + partitions);
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            partitions.forEach(tp -> offsets.put(tp, OffsetAndMetadata.of(1)));
            try {
                consumer.commitSync(offsets);
            } catch (RuntimeException e) {
                commitErrors.add(e.getMessage());
            }
        }
    }

    /**
     * Behaviour 5: a member that holds a rebalance while it processes for longer
     * than the session timeout stays in the group; the rebalance completes once
     * it allows it, and the new owner starts exactly where the revoke commit put it.
     */
    @ParameterizedTest
    @EnumSource(GroupProtocol.class)
    void aHeldRebalanceOutlivesTheSessionTimeoutAndTheNewOwnerStartsAtTheRevokeCommit(GroupProtocol protocol,
                                                                                     KafkaCluster cluster)
            throws Exception {
        String topic = "group-it-held-" + protocol.configName();
        cluster.createTopic(topic, 2, 1);
        produce(cluster, topic, 200);
        Callbacks callbacks = new Callbacks();
        WireOrder wireOrder = new WireOrder();
        List<ApiKey> wire = wireOrder.written;
        String group = "held-" + protocol.configName();
        ConsumerConfig holding = groupConfig(cluster, "held-a", group, protocol).blockRebalanceOnPoll()
                .sessionTimeout(Duration.ofSeconds(6)).maxPollInterval(Duration.ofSeconds(40)).maxPollRecords(30)
                .rebalanceHook(callbacks).hook(wireOrder).build();
        Log log = new Log();
        try (Consumer a = Consumer.create(holding)) {
            a.subscribe(List.of(topic));
            List<ConsumerRecord> first = new ArrayList<>();
            await(Duration.ofSeconds(30), "a's first records", () -> {
                a.poll(Duration.ofMillis(100)).forEach(first::add);
                return !first.isEmpty();
            });
            first.forEach(r -> log.reads.add(new GroupMembers.Read("a", r.topicPartition(), r.offset())));
            String memberBefore = a.groupMember().orElseThrow();
            JosefMember b = new JosefMember("b", log, () -> groupConfig(cluster, "held-b", group, protocol)
                    .maxPollInterval(Duration.ofSeconds(40)).build(), List.of(topic));
            b.start();
            // a processes for 10 s, past its 6 s session, without polling: the rebalance waits for it.
            await(Duration.ofSeconds(20), "the rebalance to reach a", () -> a.pendingRebalance().isPresent());
            assertThat(a.pendingRebalance().orElseThrow().kind()).isEqualTo(PendingRebalance.Kind.REVOKE);
            GroupMembers.sleepQuietly(10_000);
            assertThat(log.reads.stream().filter(r -> r.member().equals("b"))).as("b read nothing yet").isEmpty();
            assertThat(callbacks.calls).containsExactly("assigned [" + topic + "-0, " + topic + "-1]");
            int allowedAt = wire.size();
            a.allowRebalance();
            assertThat(callbacks.calls).last().asString().startsWith("revoked");
            Map<TopicPartition, Long> revokedAt = callbacks.positionsAtRevoke;
            await(Duration.ofSeconds(30), "the group to settle with both members", () -> {
                a.poll(Duration.ofMillis(100)).forEach(r -> log.reads.add(new GroupMembers.Read("a",
                        r.topicPartition(), r.offset())));
                return a.assignment().size() == 1 && log.reads.stream().anyMatch(r -> r.member().equals("b"));
            });
            assertThat(a.groupMember().orElseThrow()).startsWith(memberBefore.substring(0,
                    memberBefore.indexOf('@'))).as("the same member, never dropped");
            assertThat(callbacks.calls).noneMatch(c -> c.startsWith("lost"));
            TopicPartition moved = partitions(topic, 2).stream().filter(tp -> !a.assignment().contains(tp))
                    .findFirst().orElseThrow();
            long bFirst = log.reads.stream().filter(r -> r.member().equals("b") && r.partition().equals(moved))
                    .mapToLong(GroupMembers.Read::offset).min().orElseThrow();
            assertThat(bFirst).as("b starts where a's revoke commit put " + moved).isEqualTo(revokedAt.get(moved));
            List<ApiKey> afterAllow = List.copyOf(wire.subList(allowedAt, wire.size()));
            if (protocol == GroupProtocol.CLASSIC) {
                assertThat(afterAllow.indexOf(ApiKey.OFFSET_COMMIT)).as("the revoke commit on the wire before the "
                        + "JoinGroup: " + afterAllow).isNotNegative()
                        .isLessThan(afterAllow.indexOf(ApiKey.JOIN_GROUP));
            } else {
                // Light heartbeats go on meanwhile; the acknowledgement is the first one after the commit.
                assertThat(afterAllow.indexOf(ApiKey.OFFSET_COMMIT)).as("the revoke commit on the wire: "
                        + afterAllow).isNotNegative()
                        .isLessThan(afterAllow.lastIndexOf(ApiKey.CONSUMER_GROUP_HEARTBEAT));
            }
            b.close();
            int closingAt = wire.size();
            a.close();
            List<ApiKey> closing = List.copyOf(wire.subList(closingAt, wire.size()));
            ApiKey leave = protocol == GroupProtocol.CLASSIC ? ApiKey.LEAVE_GROUP : ApiKey.CONSUMER_GROUP_HEARTBEAT;
            assertThat(closing.indexOf(ApiKey.OFFSET_COMMIT)).as("the close commit on the wire before the "
                    + "leave: " + closing).isNotNegative().isLessThan(closing.lastIndexOf(leave));
        }
        assertThat(log.duplicates()).isEmpty();
    }

    /**
     * Behaviour 5, held too long: the coordinator gives the partitions away after
     * the rebalance timeout; the member sees them as lost (onLost, a commit of them
     * fails clearly) and no record of theirs is returned after that.
     */
    @ParameterizedTest
    @EnumSource(GroupProtocol.class)
    void aRebalanceHeldPastTheRebalanceTimeoutLosesThePartitions(GroupProtocol protocol, KafkaCluster cluster)
            throws Exception {
        String topic = "group-it-held-too-long-" + protocol.configName();
        String group = "lost-" + protocol.configName();
        cluster.createTopic(topic, 2, 1);
        produce(cluster, topic, 400);
        Callbacks callbacks = new Callbacks();
        ConsumerConfig holding = groupConfig(cluster, "lost-a", group, protocol).blockRebalanceOnPoll()
                .sessionTimeout(Duration.ofSeconds(6)).maxPollInterval(Duration.ofSeconds(8)).maxPollRecords(5)
                .rebalanceHook(callbacks).build();
        try (Consumer a = Consumer.create(holding)) {
            a.subscribe(List.of(topic));
            await(Duration.ofSeconds(30), "a's first records", () -> !a.poll(Duration.ofMillis(100)).isEmpty());
            try (Consumer b = Consumer.create(groupConfig(cluster, "lost-b", group, protocol)
                    .maxPollInterval(Duration.ofSeconds(8)).build())) {
                b.subscribe(List.of(topic));
                // a keeps polling but never allows the rebalance: after 8 s the coordinator goes on without it.
                List<TopicPartition> afterLoss = new ArrayList<>();
                await(Duration.ofSeconds(60), "a to learn it lost its partitions", () -> {
                    b.poll(Duration.ofMillis(20));
                    boolean lost = a.pendingRebalance().map(p -> p.kind() == PendingRebalance.Kind.LOSE)
                            .orElse(false);
                    ConsumerRecords polled = a.poll(Duration.ofMillis(20));
                    if (lost) {
                        polled.forEach(r -> afterLoss.add(r.topicPartition()));
                    }
                    return lost;
                });
                for (int i = 0; i < 10; i++) {
                    b.poll(Duration.ofMillis(20));
                    a.poll(Duration.ofMillis(20)).forEach(r -> afterLoss.add(r.topicPartition()));
                }
                assertThat(afterLoss).as("records of lost partitions after the loss").isEmpty();
                a.allowRebalance();
                assertThat(callbacks.calls).anyMatch(c -> c.startsWith("lost ["));
                assertThat(callbacks.calls).noneMatch(c -> c.startsWith("revoked"));
                assertThat(callbacks.commitErrors).singleElement().asString().contains("not assigned");
            }
        }
    }

    /**
     * Behaviour 5 with an opt-in maximum hold: a member that holds a rebalance
     * longer than {@code maxRebalanceHold} leaves cleanly (commits what it was
     * handed, then LeaveGroup) instead of waiting to be dropped at the rebalance
     * timeout; the new owner starts exactly at that commit, and the member joins
     * again once it allows the rebalance.
     */
    @ParameterizedTest
    @EnumSource(GroupProtocol.class)
    void aRebalanceHeldPastTheMaximumHoldLeavesTheGroupCleanly(GroupProtocol protocol, KafkaCluster cluster)
            throws Exception {
        String topic = "group-it-max-hold-" + protocol.configName();
        String group = "max-hold-" + protocol.configName();
        cluster.createTopic(topic, 2, 1);
        produce(cluster, topic, 400);
        Callbacks callbacks = new Callbacks();
        WireOrder wireOrder = new WireOrder();
        List<ApiKey> wire = wireOrder.written;
        ConsumerConfig holding = groupConfig(cluster, "hold-a", group, protocol).blockRebalanceOnPoll()
                .maxRebalanceHold(Duration.ofSeconds(3)).maxPollInterval(Duration.ofSeconds(60)).maxPollRecords(5)
                .rebalanceHook(callbacks).hook(wireOrder).build();
        Log log = new Log();
        try (Consumer a = Consumer.create(holding)) {
            a.subscribe(List.of(topic));
            await(Duration.ofSeconds(30), "a's first records", () -> {
                a.poll(Duration.ofMillis(100)).forEach(r -> log.reads.add(new GroupMembers.Read("a",
                        r.topicPartition(), r.offset())));
                return !log.reads.isEmpty();
            });
            JosefMember b = new JosefMember("b", log, () -> groupConfig(cluster, "hold-b", group, protocol)
                    .maxPollInterval(Duration.ofSeconds(60)).build(), List.of(topic));
            b.start();
            // a goes on polling but never allows the rebalance that b's joining starts.
            await(Duration.ofSeconds(40), "a to give up its partitions", () -> {
                a.poll(Duration.ofMillis(50)).forEach(r -> log.reads.add(new GroupMembers.Read("a",
                        r.topicPartition(), r.offset())));
                return a.pendingRebalance().map(p -> p.kind() == PendingRebalance.Kind.LOSE).orElse(false);
            });
            if (protocol == GroupProtocol.CLASSIC) {
                assertThat(wire).as("a left with LeaveGroup, after its commit: " + wire)
                        .contains(ApiKey.LEAVE_GROUP);
                assertThat(wire.lastIndexOf(ApiKey.OFFSET_COMMIT)).isLessThan(wire.indexOf(ApiKey.LEAVE_GROUP));
            } else {
                assertThat(wire.lastIndexOf(ApiKey.OFFSET_COMMIT)).as("a committed before it left: " + wire)
                        .isNotNegative().isLessThan(wire.lastIndexOf(ApiKey.CONSUMER_GROUP_HEARTBEAT));
            }
            await(Duration.ofSeconds(30), "b to read everything", () -> log.distinctReads() >= 400);
            assertThat(log.duplicates()).as("b started exactly at a's commit").isEmpty();
            a.allowRebalance();
            assertThat(callbacks.calls).anyMatch(c -> c.startsWith("lost ["));
            await(Duration.ofSeconds(30), "a to join again and share the topic", () -> {
                a.poll(Duration.ofMillis(100));
                return a.assignment().size() == 1;
            });
            b.close();
        }
    }

    /**
     * Two members on one shared {@link dev.josef.kafka.net.Cluster}: the second's
     * JoinGroup, which the coordinator holds until the first rejoins, travels on its
     * own connection, so the first's heartbeats go on while a poll holds its revoke
     * past its session timeout. On one shared group connection they waited behind
     * that JoinGroup (a broker reads one request of a connection at a time), and the
     * first member was dropped from the group and lost its partitions.
     */
    @Test
    void twoMembersOnOneSharedClusterDoNotHoldUpEachOthersHeartbeats(KafkaCluster cluster) throws Exception {
        String topic = "group-it-shared-cluster";
        String group = "shared-cluster";
        cluster.createTopic(topic, 2, 1);
        produce(cluster, topic, 20);
        try (dev.josef.kafka.net.Cluster shared = dev.josef.kafka.net.Cluster.connect(NetworkConfig.builder()
                .bootstrapServers(cluster.bootstrapServers()).build());
             Consumer a = Consumer.create(groupConfig(cluster, "shared-a", group).blockRebalanceOnPoll()
                     .sessionTimeout(Duration.ofSeconds(6)).maxPollInterval(Duration.ofSeconds(40)).build(), shared)) {
            a.subscribe(List.of(topic));
            await(Duration.ofSeconds(30), "a's first records", () -> !a.poll(Duration.ofMillis(100)).isEmpty());
            try (Consumer b = Consumer.create(groupConfig(cluster, "shared-b", group)
                    .maxPollInterval(Duration.ofSeconds(40)).build(), shared)) {
                b.subscribe(List.of(topic));
                await(Duration.ofSeconds(20), "the rebalance to reach a", () -> {
                    b.poll(Duration.ofMillis(20));
                    return a.pendingRebalance().isPresent();
                });
                assertThat(a.pendingRebalance().orElseThrow().kind()).isEqualTo(PendingRebalance.Kind.REVOKE);
                Thread.sleep(7_000); // past a's 6 s session: only its heartbeats keep it in the group
                assertThat(a.pendingRebalance().orElseThrow().kind()).as("still a revoke, not a loss")
                        .isEqualTo(PendingRebalance.Kind.REVOKE);
                a.allowRebalance();
                await(Duration.ofSeconds(30), "one partition each", () -> {
                    a.poll(Duration.ofMillis(20));
                    b.poll(Duration.ofMillis(20));
                    return a.assignment().size() == 1 && b.assignment().size() == 1;
                });
                assertThat(a.partitionsLostCount()).isZero();
            }
        }
    }
}
