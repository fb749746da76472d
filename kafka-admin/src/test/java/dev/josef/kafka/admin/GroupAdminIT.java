package dev.josef.kafka.admin;

import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.BrokerException;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.testkit.KafkaCluster;
import dev.josef.kafka.testkit.KafkaClusterConfig;
import dev.josef.kafka.testkit.KafkaClusterExtension;
import dev.josef.kafka.testkit.KafkaProxy;
import dev.josef.kafka.testkit.ProxyRule;
import dev.josef.kafka.testkit.TestTopic;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
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
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Group administration against real brokers, each operation checked by its
 * effect and against what kafka-clients' Admin reports for the same group. The
 * groups' members are kafka-clients consumers, on the classic protocol and on
 * the consumer protocol (KIP-848). Two brokers, so that groups have different
 * coordinators; the consumer protocol's heartbeat is shortened so that groups
 * settle in a few seconds.
 */
@ExtendWith(KafkaClusterExtension.class)
@KafkaClusterConfig(brokers = 2, brokerProperties = {"group.consumer.min.heartbeat.interval.ms=500",
        "group.consumer.heartbeat.interval.ms=500"})
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class GroupAdminIT {
    private KafkaCluster cluster;
    private Admin admin;
    /** kafka-clients' admin: the reference. */
    private org.apache.kafka.clients.admin.Admin reference;
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final java.util.concurrent.atomic.AtomicInteger clients = new java.util.concurrent.atomic.AtomicInteger();

    @BeforeEach
    void open(KafkaCluster cluster) {
        this.cluster = cluster;
        admin = Admin.create(Map.of("bootstrap.servers", cluster.bootstrapServers(), "client.id", "group-admin-it"));
        reference = org.apache.kafka.clients.admin.Admin.create(Map.of("bootstrap.servers", cluster.bootstrapServers()));
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        reference.close();
        admin.close();
    }

    @ParameterizedTest(name = "group.protocol={0}")
    @ValueSource(strings = {"classic", "consumer"})
    void groupsAreDescribedAsKafkaClientsDescribesThem(String protocol, @TestTopic.Partitions(4) TestTopic topic)
            throws Exception {
        String group = "describe-" + protocol;
        List<KafkaConsumer<byte[], byte[]>> members = List.of(
                member(group, protocol, "static-a"), member(group, protocol, null));
        settle(group, members, topic);

        String missing = "describe-no-such-group";
        GroupDescription[] described = new GroupDescription[1];
        eventually(() -> {
            Map<String, GroupDescription> both = get(admin.describeGroups(List.of(group, missing)));
            described[0] = both.get(group);
            assertThat(both.get(missing).error()).isEqualTo(ErrorCode.GROUP_ID_NOT_FOUND);
            return differences(described[0], referenceDescription(group));
        });
        GroupDescription d = described[0];
        assertThat(d.succeeded()).isTrue();
        assertThat(d.type()).isEqualTo(protocol.equals("classic") ? GroupType.CLASSIC : GroupType.CONSUMER);
        assertThat(d.protocolType()).isEqualTo("consumer");
        assertThat(d.state()).isEqualTo(GroupState.STABLE);
        assertThat(d.members()).hasSize(2);
        assertThat(d.members()).flatExtracting(GroupDescription.Member::assignment)
                .containsExactlyInAnyOrderElementsOf(partitions(topic));
        assertThat(d.members()).allSatisfy(m -> {
            assertThat(m.subscribedTopics()).containsExactly(topic.name());
            assertThat(m.protocol()).isEqualTo(d.type());
        });
        assertThat(d.members()).extracting(m -> m.groupInstanceId().orElse(null)).containsOnlyOnce("static-a");
        if (d.type() == GroupType.CONSUMER) {
            assertThat(d.groupEpoch()).isPositive();
            assertThat(d.assignor()).isEqualTo("uniform");
            assertThat(d.members()).allSatisfy(m -> {
                assertThat(m.memberEpoch()).isEqualTo(d.groupEpoch());
                assertThat(m.targetAssignment()).isEqualTo(m.assignment());
            });
        } else {
            assertThat(d.assignor()).isEqualTo("range");
            assertThat(d.groupEpoch()).isEqualTo(-1);
            assertThat(d.members()).allSatisfy(m -> assertThat(m.memberEpoch()).isEqualTo(-1));
        }
    }

    @Test
    void listGroupsAsksEveryCoordinatorAndFiltersAsKafkaClientsDoes(@TestTopic.Partitions(2) TestTopic topic)
            throws Exception {
        TopicPartition p0 = TopicPartition.of(topic.name(), 0);
        // Groups that only hold offsets, until both brokers coordinate some.
        Map<String, Integer> simple = new TreeMap<>();
        for (int i = 0; i < 40 && new HashSet<>(simple.values()).size() < 2; i++) {
            String group = "list-simple-" + i;
            assertThat(get(admin.alterGroupOffsets(group, Map.of(p0, 0L))).succeeded()).isTrue();
            simple.put(group, get(admin.describeGroups(List.of(group))).get(group).coordinator());
        }
        assertThat(new HashSet<>(simple.values())).as("coordinators of the simple groups")
                .containsExactlyInAnyOrderElementsOf(cluster.brokerIds());
        settle("list-classic", List.of(member("list-classic", "classic", null)), topic);
        settle("list-consumer", List.of(member("list-consumer", "consumer", null)), topic);
        Set<String> ours = new TreeSet<>(simple.keySet());
        ours.addAll(List.of("list-classic", "list-consumer"));

        GroupListing all = get(admin.listGroups());
        assertThat(all.complete()).isTrue();
        assertThat(all.brokers().keySet()).containsExactlyInAnyOrderElementsOf(cluster.brokerIds());
        Map<String, ListedGroup> listed = all.groups().stream().filter(g -> ours.contains(g.groupId()))
                .collect(Collectors.toMap(ListedGroup::groupId, g -> g));
        assertThat(listed.keySet()).isEqualTo(ours);
        simple.forEach((group, coordinator) -> {
            assertThat(listed.get(group).coordinator()).isEqualTo(coordinator);
            assertThat(listed.get(group).type()).isEqualTo(GroupType.CLASSIC);
            assertThat(listed.get(group).state()).isEqualTo(GroupState.EMPTY);
            assertThat(listed.get(group).protocolType()).isEmpty();
        });
        assertThat(listed.get("list-consumer").type()).isEqualTo(GroupType.CONSUMER);
        assertThat(listed.get("list-classic").state()).isEqualTo(GroupState.STABLE);
        assertThat(summary(all, ours)).isEqualTo(referenceListing(new ListGroupsOptions(), ours));

        GroupListing consumerGroups = get(admin.listGroups(List.of(GroupType.CONSUMER), List.of()));
        assertThat(summary(consumerGroups, ours)).containsOnlyKeys("list-consumer")
                .isEqualTo(referenceListing(new ListGroupsOptions().withTypes(
                        Set.of(org.apache.kafka.common.GroupType.CONSUMER)), ours));
        GroupListing empty = get(admin.listGroups(List.of(), List.of(GroupState.EMPTY)));
        assertThat(summary(empty, ours)).containsOnlyKeys(simple.keySet().toArray(String[]::new))
                .isEqualTo(referenceListing(new ListGroupsOptions().inGroupStates(
                        Set.of(org.apache.kafka.common.GroupState.EMPTY)), ours));
        GroupListing stableClassic = get(admin.listGroups(List.of(GroupType.CLASSIC), List.of(GroupState.STABLE)));
        assertThat(summary(stableClassic, ours)).containsOnlyKeys("list-classic");
    }

    @Test
    void committedOffsetsAreListedAsKafkaClientsListsThem(@TestTopic.Partitions(3) TestTopic topic) throws Exception {
        String group = "offsets-listed";
        produce(topic, 0, 10, 0);
        try (KafkaConsumer<byte[], byte[]> committer = consumer(group, "classic", null)) {
            committer.commitSync(Map.of(
                    new org.apache.kafka.common.TopicPartition(topic.name(), 0), new OffsetAndMetadata(7, Optional.of(0), "seven"),
                    new org.apache.kafka.common.TopicPartition(topic.name(), 2), new OffsetAndMetadata(0, "")));
        }
        GroupOffsets offsets = get(admin.listGroupOffsets(List.of(group, "offsets-no-such-group"))).get(group);
        assertThat(offsets.succeeded()).isTrue();
        assertThat(offsets.offsets().keySet()).containsExactly(TopicPartition.of(topic.name(), 0),
                TopicPartition.of(topic.name(), 2));
        CommittedOffset seven = offsets.offsets().get(TopicPartition.of(topic.name(), 0));
        assertThat(seven.offset()).isEqualTo(7);
        assertThat(seven.leaderEpoch()).isZero();
        assertThat(seven.metadata()).isEqualTo("seven");
        Map<TopicPartition, String> josef = new TreeMap<>();
        offsets.offsets().forEach((tp, c) -> josef.put(tp, c.offset() + " epoch " + c.leaderEpoch() + " '" + c.metadata() + "'"));
        assertThat(josef).isEqualTo(referenceCommitted(group));
        assertThat(get(admin.listGroupOffsets(List.of("offsets-no-such-group"))).get("offsets-no-such-group").offsets())
                .isEmpty();
    }

    @ParameterizedTest(name = "group.protocol={0}")
    @ValueSource(strings = {"classic", "consumer"})
    void anEmptyGroupsOffsetsAreResetToEveryTargetClampedToTheLog(String protocol,
                                                                 @TestTopic.Partitions(2) TestTopic topic)
            throws Exception {
        String group = "reset-" + protocol;
        TopicPartition p0 = TopicPartition.of(topic.name(), 0);
        TopicPartition p1 = TopicPartition.of(topic.name(), 1);
        long base = System.currentTimeMillis() - 3_600_000;
        produce(topic, 0, 10, base);
        produce(topic, 1, 10, base);
        assertThat(get(admin.deleteRecords(Map.of(p0, 2L))).get(p0).lowWatermark()).isEqualTo(2);
        try (KafkaConsumer<byte[], byte[]> member = consumer(group, protocol, null)) {
            member.subscribe(List.of(topic.name()));
            awaitAssignment(member, 2);
            member.commitSync(Map.of(kafka(p0), new OffsetAndMetadata(5), kafka(p1), new OffsetAndMetadata(5)));
        }
        GroupDescription before = eventually(() -> get(admin.describeGroups(List.of(group))).get(group),
                d -> d.state() == GroupState.EMPTY);
        GroupType type = protocol.equals("classic") ? GroupType.CLASSIC : GroupType.CONSUMER;
        assertThat(before.type()).isEqualTo(type);
        List<TopicPartition> both = List.of(p0, p1);

        OffsetsChange dryRun = get(admin.resetGroupOffsets(group, both, OffsetReset.earliest(), true));
        assertThat(dryRun.succeeded()).isTrue();
        assertThat(dryRun.dryRun()).isTrue();
        assertThat(dryRun.state()).isEqualTo(GroupState.EMPTY);
        assertThat(dryRun.partitions().get(p0)).isEqualTo(new OffsetChange(p0, 5, 2, ErrorCode.NONE, null));
        assertThat(dryRun.partitions().get(p1)).isEqualTo(new OffsetChange(p1, 5, 0, ErrorCode.NONE, null));
        assertThat(referenceOffsets(group)).as("a dry run commits nothing").isEqualTo(offsets(p0, 5, p1, 5));

        assertReset(group, both, OffsetReset.toOffset(0), offsets(p0, 2, p1, 0));
        assertReset(group, both, OffsetReset.latest(), offsets(p0, 10, p1, 10));
        assertReset(group, both, OffsetReset.shiftBy(-3), offsets(p0, 7, p1, 7));
        assertReset(group, both, OffsetReset.shiftBy(100), offsets(p0, 10, p1, 10));
        assertReset(group, both, OffsetReset.toTimestamp(base + 5), offsets(p0, 5, p1, 5));
        assertReset(group, both, OffsetReset.toTimestamp(base + 60_000), offsets(p0, 10, p1, 10));
        assertReset(group, both, OffsetReset.earliest(), offsets(p0, 2, p1, 0));
        OffsetsChange altered = get(admin.alterGroupOffsets(group, Map.of(p1, 4L)));
        assertThat(altered.partitions().get(p1)).isEqualTo(new OffsetChange(p1, 0, 4, ErrorCode.NONE, null));
        assertThat(referenceOffsets(group)).isEqualTo(offsets(p0, 2, p1, 4));

        GroupDescription after = get(admin.describeGroups(List.of(group))).get(group);
        assertThat(after.type()).as("an admin commit leaves the group's type").isEqualTo(type);
        assertThat(after.state()).isEqualTo(GroupState.EMPTY);
    }

    @ParameterizedTest(name = "group.protocol={0}")
    @ValueSource(strings = {"classic", "consumer"})
    void changingTheOffsetsOfAGroupWithMembersFailsClearlyAndChangesNothing(String protocol,
                                                                          @TestTopic.Partitions(2) TestTopic topic)
            throws Exception {
        String group = "busy-" + protocol;
        TopicPartition p0 = TopicPartition.of(topic.name(), 0);
        TopicPartition p1 = TopicPartition.of(topic.name(), 1);
        produce(topic, 0, 10, 0);
        produce(topic, 1, 10, 0);
        KafkaConsumer<byte[], byte[]> member = member(group, protocol, null);
        settle(group, List.of(member), topic);
        member.commitSync(Map.of(kafka(p0), new OffsetAndMetadata(3), kafka(p1), new OffsetAndMetadata(3)));
        Map<TopicPartition, Long> committed = offsets(p0, 3, p1, 3);
        assertThat(referenceOffsets(group)).isEqualTo(committed);

        List<OffsetsChange> refused = List.of(
                get(admin.resetGroupOffsets(group, List.of(p0, p1), OffsetReset.earliest())),
                get(admin.resetGroupOffsets(group, List.of(p0, p1), OffsetReset.latest(), true)),
                get(admin.alterGroupOffsets(group, Map.of(p0, 0L))));
        for (OffsetsChange change : refused) {
            assertThat(change.error()).isEqualTo(ErrorCode.NON_EMPTY_GROUP);
            assertThat(change.errorMessage()).isEqualTo("group '" + group + "' is Stable with 1 member: its offsets can "
                    + "only be changed while it is empty (stop its members first); nothing was changed");
            assertThat(change.state()).isEqualTo(GroupState.STABLE);
            assertThat(change.members()).isEqualTo(1);
            assertThat(change.partitions().values()).allSatisfy(c -> assertThat(c.error())
                    .isEqualTo(ErrorCode.NON_EMPTY_GROUP));
            assertThatThrownBy(change::orThrow).isInstanceOfSatisfying(BrokerException.class,
                    e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.NON_EMPTY_GROUP))
                    .hasMessageContaining("group '" + group + "' is Stable with 1 member");
        }
        assertThat(referenceOffsets(group)).as("nothing was changed").isEqualTo(committed);

        // Without the check, the coordinator itself refuses an admin commit to a group with members.
        Map<TopicPartition, OffsetChange> plan = Map.of(p0, new OffsetChange(p0, 3, 0, ErrorCode.NONE, null));
        GroupAdmin.Commit commit = get(admin.groups().commit(group, plan));
        assertThat(commit.error()).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
        assertThat(GroupAdmin.committed(group, GroupState.EMPTY, 0, plan, commit).error())
                .isEqualTo(ErrorCode.NON_EMPTY_GROUP);
        assertThat(referenceOffsets(group)).as("nothing was changed").isEqualTo(committed);
    }

    @ParameterizedTest(name = "group.protocol={0}")
    @ValueSource(strings = {"classic", "consumer"})
    void offsetsOfATopicTheGroupConsumesAreKeptAndOthersDeleted(String protocol, TestTopic consumed, TestTopic other)
            throws Exception {
        String group = "delete-offsets-" + protocol;
        TopicPartition kept = TopicPartition.of(consumed.name(), 0);
        TopicPartition dropped = TopicPartition.of(other.name(), 0);
        produce(consumed, 0, 5, 0);
        produce(other, 0, 5, 0);
        KafkaConsumer<byte[], byte[]> member = member(group, protocol, null);
        settle(group, List.of(member), consumed);
        member.commitSync(Map.of(kafka(kept), new OffsetAndMetadata(2), kafka(dropped), new OffsetAndMetadata(4)));
        assertThat(referenceOffsets(group)).isEqualTo(offsets(kept, 2, dropped, 4));

        GroupOffsetsDeletion deletion = get(admin.deleteGroupOffsets(group, List.of(kept, dropped)));
        assertThat(deletion.succeeded()).isTrue();
        assertThat(deletion.partitions().get(kept).error()).isEqualTo(ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC);
        assertThat(deletion.partitions().get(dropped).succeeded()).isTrue();
        assertThat(referenceOffsets(group)).isEqualTo(Map.of(kept, 2L));
        assertThat(committed(get(admin.listGroupOffsets(List.of(group))).get(group))).isEqualTo(Map.of(kept, 2L));

        GroupOffsetsDeletion missing = get(admin.deleteGroupOffsets("delete-offsets-no-such-group", List.of(kept)));
        assertThat(missing.error()).isEqualTo(ErrorCode.GROUP_ID_NOT_FOUND);
        assertThat(missing.partitions().get(kept).error()).isEqualTo(ErrorCode.GROUP_ID_NOT_FOUND);
    }

    @Test
    void deleteGroupsDeletesEmptyGroupsAndReportsEachOtherOnItsOwn(TestTopic topic) throws Exception {
        TopicPartition p0 = TopicPartition.of(topic.name(), 0);
        String empty = "delete-empty";
        String busy = "delete-busy";
        String missing = "delete-no-such-group";
        assertThat(get(admin.alterGroupOffsets(empty, Map.of(p0, 0L))).succeeded()).isTrue();
        settle(busy, List.of(member(busy, "classic", null)), topic);

        Map<String, GroupOutcome> deleted = get(admin.deleteGroups(List.of(empty, busy, missing)));
        assertThat(deleted.keySet()).containsExactly(empty, busy, missing);
        assertThat(deleted.get(empty).succeeded()).isTrue();
        assertThat(deleted.get(busy).error()).isEqualTo(ErrorCode.NON_EMPTY_GROUP);
        assertThat(deleted.get(missing).error()).isEqualTo(ErrorCode.GROUP_ID_NOT_FOUND);

        assertThat(get(admin.describeGroups(List.of(empty))).get(empty).error()).isEqualTo(ErrorCode.GROUP_ID_NOT_FOUND);
        Set<String> listed = reference.listGroups().all().get(30, TimeUnit.SECONDS).stream()
                .map(org.apache.kafka.clients.admin.GroupListing::groupId).collect(Collectors.toSet());
        assertThat(listed).contains(busy).doesNotContain(empty);
        assertThat(referenceOffsets(empty)).isEmpty();
    }

    @ParameterizedTest(name = "group.protocol={0}")
    @ValueSource(strings = {"classic", "consumer"})
    void staticMembersAreRemovedByInstanceId(String protocol, TestTopic topic) throws Exception {
        String group = "static-" + protocol;
        settle(group, List.of(member(group, protocol, "static-x"), member(group, protocol, "static-y")), topic);
        assertThat(get(admin.describeGroups(List.of(group))).get(group).members())
                .extracting(m -> m.groupInstanceId().orElseThrow()).containsExactlyInAnyOrder("static-x", "static-y");

        MembersRemoval removal = get(admin.removeStaticMembers(group, List.of("static-x", "nobody")));
        assertThat(removal.succeeded()).isTrue();
        assertThat(removal.members().keySet()).containsExactly("static-x", "nobody");
        assertThat(removal.members().get("static-x").succeeded()).isTrue();
        assertThat(removal.members().get("nobody").error()).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);

        GroupDescription after = eventually(() -> get(admin.describeGroups(List.of(group))).get(group),
                d -> d.members().stream().noneMatch(m -> m.groupInstanceId().equals(Optional.of("static-x"))));
        assertThat(after.members()).extracting(m -> m.groupInstanceId().orElseThrow()).containsExactly("static-y");
        assertThat(referenceDescription(group).members()).extracting(m -> m.groupInstanceId().orElseThrow())
                .doesNotContain("static-x");
    }

    /**
     * Through a proxy that rewrites the coordinator's answers: a group whose
     * coordinator says it moved is looked up and asked again, a broker still
     * loading its groups is asked again, and a coordinator that never comes back
     * is reported after the attempts run out.
     */
    @Test
    void aCoordinatorThatMovedOrIsLoadingIsAskedAgain(TestTopic topic) throws Exception {
        TopicPartition p0 = TopicPartition.of(topic.name(), 0);
        String moved = "coordinator-moved";
        String listed = "coordinator-listed";
        assertThat(get(admin.alterGroupOffsets(moved, Map.of(p0, 3L))).succeeded()).isTrue();
        assertThat(get(admin.alterGroupOffsets(listed, Map.of(p0, 3L))).succeeded()).isTrue();
        try (KafkaProxy proxy = KafkaProxy.start(cluster.bootstrapServers());
             Admin proxied = Admin.create(Map.of("bootstrap.servers", proxy.bootstrapServers(),
                     "client.id", "group-admin-proxied"))) {
            ProxyRule notCoordinator = proxy.add(ProxyRule.on(ApiKey.OFFSET_DELETE).times(1)
                    .replaceError(ErrorCode.NOT_COORDINATOR));
            GroupOffsetsDeletion deleted = get(proxied.deleteGroupOffsets(moved, List.of(p0)));
            assertThat(notCoordinator.fired()).isEqualTo(1);
            assertThat(deleted.succeeded()).as(deleted.toString()).isTrue();
            assertThat(deleted.partitions().get(p0).succeeded()).isTrue();
            assertThat(referenceOffsets(moved)).isEmpty();

            ProxyRule loading = proxy.add(ProxyRule.on(ApiKey.LIST_GROUPS).times(2)
                    .replaceError(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS));
            GroupListing listing = get(proxied.listGroups());
            assertThat(loading.fired()).isEqualTo(2);
            assertThat(listing.complete()).as(listing.brokers().toString()).isTrue();
            assertThat(listing.groups()).extracting(ListedGroup::groupId).contains(listed);

            ProxyRule gone = proxy.add(ProxyRule.on(ApiKey.OFFSET_DELETE)
                    .replaceError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
            GroupOffsetsDeletion refused = get(proxied.deleteGroupOffsets(listed, List.of(p0)));
            assertThat(gone.fired()).isEqualTo(GroupAdmin.GROUP_ATTEMPTS);
            assertThat(refused.error()).isEqualTo(ErrorCode.COORDINATOR_NOT_AVAILABLE);
            assertThat(refused.partitions().get(p0).error()).isEqualTo(ErrorCode.COORDINATOR_NOT_AVAILABLE);
        }
    }

    // ---------------------------------------------------------------- helpers

    private void assertReset(String group, List<TopicPartition> partitions, OffsetReset reset,
                             Map<TopicPartition, Long> expected) throws Exception {
        Map<TopicPartition, Long> before = referenceOffsets(group);
        OffsetsChange change = get(admin.resetGroupOffsets(group, partitions, reset));
        assertThat(change.succeeded()).as("%s: %s", reset, change).isTrue();
        assertThat(change.dryRun()).isFalse();
        for (TopicPartition tp : partitions) {
            assertThat(change.partitions().get(tp)).as("%s of %s", reset, tp)
                    .isEqualTo(new OffsetChange(tp, before.get(tp), expected.get(tp), ErrorCode.NONE, null));
        }
        assertThat(referenceOffsets(group)).as("after %s", reset).isEqualTo(expected);
    }

    /** A kafka-clients consumer that this test closes, subscribed to nothing yet. */
    private KafkaConsumer<byte[], byte[]> consumer(String group, String protocol, String instanceId) {
        Map<String, Object> p = new HashMap<>(Map.of("bootstrap.servers", cluster.bootstrapServers(),
                "group.id", group, "group.protocol", protocol, "client.id", group + "-client-" + clients.incrementAndGet(),
                "enable.auto.commit", "false", "auto.offset.reset", "earliest"));
        if (instanceId != null) {
            p.put("group.instance.id", instanceId);
        }
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** A group member that stays until the test ends. */
    private KafkaConsumer<byte[], byte[]> member(String group, String protocol, String instanceId) {
        KafkaConsumer<byte[], byte[]> c = consumer(group, protocol, instanceId);
        toClose.add(() -> c.close(Duration.ofSeconds(5)));
        return c;
    }

    /**
     * Subscribes the members to the topic and polls them until they own its
     * partitions between them, one owner each, and the coordinator calls the
     * group Stable with every member's assignment reconciled.
     */
    private void settle(String group, List<KafkaConsumer<byte[], byte[]>> members, TestTopic topic) throws Exception {
        members.forEach(m -> m.subscribe(List.of(topic.name())));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            List<org.apache.kafka.common.TopicPartition> owned = new ArrayList<>();
            for (KafkaConsumer<byte[], byte[]> m : members) {
                m.poll(Duration.ofMillis(100));
                owned.addAll(m.assignment());
            }
            if (owned.size() == topic.partitions() && new HashSet<>(owned).size() == topic.partitions()
                    && members.stream().allMatch(m -> !m.assignment().isEmpty() || members.size() > topic.partitions())) {
                ConsumerGroupDescription d = referenceDescription(group);
                boolean reconciled = d.members().stream().allMatch(m -> m.targetAssignment()
                        .map(t -> t.equals(m.assignment())).orElse(true));
                if (d.groupState() == org.apache.kafka.common.GroupState.STABLE && d.members().size() == members.size()
                        && reconciled) {
                    return;
                }
            }
            assertThat(System.nanoTime()).as("group %s settled within 60 s", group).isLessThan(deadline);
        }
    }

    private static void awaitAssignment(KafkaConsumer<byte[], byte[]> member, int partitions) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (member.assignment().size() < partitions) {
            member.poll(Duration.ofMillis(100));
            assertThat(System.nanoTime()).as("assigned within 60 s").isLessThan(deadline);
        }
    }

    private void produce(TestTopic topic, int partition, int count, long baseTimestamp) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
                cluster.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic.name(), partition,
                        baseTimestamp == 0 ? null : baseTimestamp + i, null, new byte[] {(byte) i})).get();
            }
        }
    }

    private ConsumerGroupDescription referenceDescription(String group) throws Exception {
        return reference.describeConsumerGroups(List.of(group)).all().get(30, TimeUnit.SECONDS).get(group);
    }

    private Map<TopicPartition, Long> referenceOffsets(String group) throws Exception {
        Map<TopicPartition, Long> out = new TreeMap<>();
        reference.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS)
                .forEach((tp, o) -> {
                    if (o != null) {
                        out.put(TopicPartition.of(tp.topic(), tp.partition()), o.offset());
                    }
                });
        return out;
    }

    /** Each of our groups listed by kafka-clients, as "type state". */
    private Map<String, String> referenceListing(ListGroupsOptions options, Set<String> ours) throws Exception {
        Map<String, String> out = new TreeMap<>();
        for (org.apache.kafka.clients.admin.GroupListing g : reference.listGroups(options).all().get(30, TimeUnit.SECONDS)) {
            if (ours.contains(g.groupId())) {
                out.put(g.groupId(), g.type().map(Enum::name).orElse("?") + " "
                        + g.groupState().map(Enum::name).orElse("?"));
            }
        }
        return out;
    }

    private static Map<String, String> summary(GroupListing listing, Set<String> ours) {
        Map<String, String> out = new TreeMap<>();
        listing.groups().stream().filter(g -> ours.contains(g.groupId()))
                .forEach(g -> out.put(g.groupId(), g.type().name() + " " + g.state().name()));
        return out;
    }

    /** What Josef's description says that kafka-clients' does not; empty when they agree. */
    private static List<String> differences(GroupDescription josef, ConsumerGroupDescription kafka) {
        List<String> out = new ArrayList<>();
        compare(out, "state", josef.state().name(), kafka.groupState().name());
        compare(out, "type", josef.type().name(), kafka.type().name());
        compare(out, "assignor", josef.assignor(), kafka.partitionAssignor());
        compare(out, "coordinator", josef.coordinator(), kafka.coordinator().id());
        compare(out, "group epoch", josef.groupEpoch() < 0 ? null : josef.groupEpoch(), kafka.groupEpoch().orElse(null));
        compare(out, "assignment epoch", josef.assignmentEpoch() < 0 ? null : josef.assignmentEpoch(),
                kafka.targetAssignmentEpoch().orElse(null));
        Map<String, MemberDescription> byId = kafka.members().stream()
                .collect(Collectors.toMap(MemberDescription::consumerId, m -> m));
        compare(out, "member ids", new TreeSet<>(josef.members().stream().map(GroupDescription.Member::memberId).toList()),
                new TreeSet<>(byId.keySet()));
        for (GroupDescription.Member m : josef.members()) {
            MemberDescription k = byId.get(m.memberId());
            if (k == null) {
                continue;
            }
            String who = "member " + m.memberId() + " ";
            compare(out, who + "client id", m.clientId(), k.clientId());
            compare(out, who + "host", m.clientHost(), k.host());
            compare(out, who + "instance id", m.groupInstanceId(), k.groupInstanceId());
            compare(out, who + "rack", m.rackId(), k.rackId());
            compare(out, who + "epoch", m.memberEpoch() < 0 ? null : m.memberEpoch(), k.memberEpoch().orElse(null));
            compare(out, who + "assignment", new TreeSet<>(m.assignment()), josef(k.assignment().topicPartitions()));
            compare(out, who + "target", new TreeSet<>(m.targetAssignment()),
                    k.targetAssignment().map(t -> josef(t.topicPartitions())).orElse(new TreeSet<>()));
            if (k.upgraded().isPresent()) {
                compare(out, who + "protocol", m.protocol(), k.upgraded().get() ? GroupType.CONSUMER : GroupType.CLASSIC);
            }
        }
        return out;
    }

    private static void compare(List<String> out, String what, Object josef, Object kafka) {
        if (!java.util.Objects.equals(josef, kafka)) {
            out.add(what + ": Josef " + josef + ", kafka-clients " + kafka);
        }
    }

    private static TreeSet<TopicPartition> josef(Set<org.apache.kafka.common.TopicPartition> partitions) {
        TreeSet<TopicPartition> out = new TreeSet<>();
        partitions.forEach(tp -> out.add(TopicPartition.of(tp.topic(), tp.partition())));
        return out;
    }

    private static org.apache.kafka.common.TopicPartition kafka(TopicPartition tp) {
        return new org.apache.kafka.common.TopicPartition(tp.topic(), tp.partition());
    }

    private static List<TopicPartition> partitions(TestTopic topic) {
        List<TopicPartition> out = new ArrayList<>();
        for (int p = 0; p < topic.partitions(); p++) {
            out.add(TopicPartition.of(topic.name(), p));
        }
        return out;
    }

    private static Map<TopicPartition, Long> offsets(TopicPartition a, long offsetA, TopicPartition b, long offsetB) {
        Map<TopicPartition, Long> out = new TreeMap<>();
        out.put(a, offsetA);
        out.put(b, offsetB);
        return out;
    }

    private static Map<TopicPartition, Long> committed(GroupOffsets offsets) {
        Map<TopicPartition, Long> out = new TreeMap<>();
        offsets.offsets().forEach((tp, c) -> out.put(tp, c.offset()));
        return out;
    }

    /** Each committed offset as kafka-clients' admin lists it: "offset epoch E 'metadata'". */
    private Map<TopicPartition, String> referenceCommitted(String group) throws Exception {
        Map<TopicPartition, String> out = new TreeMap<>();
        reference.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS)
                .forEach((tp, o) -> out.put(TopicPartition.of(tp.topic(), tp.partition()), o.offset() + " epoch "
                        + o.leaderEpoch().orElse(-1) + " '" + o.metadata() + "'"));
        return out;
    }

    private static <T> T get(CompletableFuture<T> future) {
        try {
            return future.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("the admin call failed", e);
        }
    }

    /** Asks again until the answer satisfies {@code done}, for up to 20 seconds. */
    private static <T> T eventually(Supplier<T> ask, Predicate<T> done) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        T last = ask.get();
        while (!done.test(last)) {
            assertThat(System.nanoTime()).as("still not as expected after 20 s: %s", last).isLessThan(deadline);
            Thread.sleep(200);
            last = ask.get();
        }
        return last;
    }

    /** Compares until no difference is left, for up to 20 seconds. */
    private static void eventually(ThrowingSupplier<List<String>> differences) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        List<String> last = differences.get();
        while (!last.isEmpty()) {
            assertThat(System.nanoTime()).as("Josef and kafka-clients still differ after 20 s: %s", last)
                    .isLessThan(deadline);
            Thread.sleep(200);
            last = differences.get();
        }
    }

    @FunctionalInterface
    private interface ThrowingSupplier<T> {
        T get() throws Exception;
    }
}
