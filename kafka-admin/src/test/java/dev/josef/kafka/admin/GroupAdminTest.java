package dev.josef.kafka.admin;

import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.protocol.Uuid;
import dev.josef.kafka.protocol.message.ConsumerGroupDescribeResponse;
import dev.josef.kafka.protocol.message.DescribeGroupsResponse;
import dev.josef.kafka.protocol.message.OffsetCommitResponse;
import dev.josef.kafka.protocol.message.OffsetFetchResponse;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** How answers become results, and how a reset is planned: no broker needed. */
class GroupAdminTest {
    private static final TopicPartition TP = TopicPartition.of("orders", 0);

    private static ListedOffset at(long offset) {
        return new ListedOffset(TP, offset, -1, 0, ErrorCode.NONE, null);
    }

    private static OffsetChange plan(OffsetReset reset, long committed, long earliest, long latest, Long atTime) {
        return GroupAdmin.plan(TP, reset, committed, at(earliest), at(latest), atTime == null ? null : at(atTime));
    }

    @Test
    void everyResetIsClampedToTheLog() {
        assertThat(plan(OffsetReset.earliest(), 50, 10, 100, null).offset()).isEqualTo(10);
        assertThat(plan(OffsetReset.latest(), 50, 10, 100, null).offset()).isEqualTo(100);
        assertThat(plan(OffsetReset.toOffset(5), 50, 10, 100, null).offset()).isEqualTo(10);
        assertThat(plan(OffsetReset.toOffset(500), 50, 10, 100, null).offset()).isEqualTo(100);
        assertThat(plan(OffsetReset.toOffset(42), 50, 10, 100, null).offset()).isEqualTo(42);
        assertThat(plan(OffsetReset.shiftBy(-45), 50, 10, 100, null).offset()).isEqualTo(10);
        assertThat(plan(OffsetReset.shiftBy(-5), 50, 10, 100, null).offset()).isEqualTo(45);
        assertThat(plan(OffsetReset.shiftBy(Long.MAX_VALUE), 50, 10, 100, null).offset()).isEqualTo(100);
        assertThat(plan(OffsetReset.toTimestamp(1_000), 50, 10, 100, 30L).offset()).isEqualTo(30);
        OffsetChange change = plan(OffsetReset.earliest(), 50, 10, 100, null);
        assertThat(change.previousOffset()).isEqualTo(50);
        assertThat(change.succeeded()).isTrue();
    }

    @Test
    void aTimeAfterTheLastRecordResetsToTheLatest() {
        assertThat(plan(OffsetReset.toTimestamp(1_000), 50, 10, 100, -1L).offset()).isEqualTo(100);
    }

    @Test
    void aShiftWithoutACommittedOffsetCannotBePlanned() {
        OffsetChange change = plan(OffsetReset.shiftBy(3), -1, 10, 100, null);
        assertThat(change.error()).isEqualTo(ErrorCode.RESOURCE_NOT_FOUND);
        assertThat(change.errorMessage()).isEqualTo("partition orders-0 has no committed offset to shift");
    }

    @Test
    void aPartitionWhoseOffsetsCannotBeListedCannotBePlanned() {
        ListedOffset missing = new ListedOffset(TP, -1, -1, -1, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "no such topic");
        OffsetChange change = GroupAdmin.plan(TP, OffsetReset.latest(), 3, at(0), missing, null);
        assertThat(change.error()).isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(change.errorMessage()).contains("orders-0").contains("no such topic");
    }

    @Test
    void aCommitRefusedWithUnknownMemberIdSaysTheGroupIsNotEmptyAndChangedNothing() {
        Map<TopicPartition, OffsetChange> plan = new LinkedHashMap<>();
        plan.put(TP, new OffsetChange(TP, 7, 0, ErrorCode.NONE, null));
        OffsetCommitResponse response = new OffsetCommitResponse().setTopics(List.of(
                new OffsetCommitResponse.OffsetCommitResponseTopic().setName("orders").setPartitions(List.of(
                        new OffsetCommitResponse.OffsetCommitResponsePartition().setPartitionIndex(0)
                                .setErrorCode(ErrorCode.UNKNOWN_MEMBER_ID.code())))));
        GroupAdmin.Commit commit = GroupAdmin.commitResult("g", response);
        assertThat(commit.error()).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);

        OffsetsChange change = GroupAdmin.committed("g", GroupState.EMPTY, 0, plan, commit);
        assertThat(change.error()).isEqualTo(ErrorCode.NON_EMPTY_GROUP);
        assertThat(change.errorMessage()).contains("group 'g' is not empty").contains("UNKNOWN_MEMBER_ID")
                .contains("nothing was changed");
        assertThat(change.partitions().get(TP).error()).isEqualTo(ErrorCode.NON_EMPTY_GROUP);
    }

    @Test
    void aCommitWithPartitionErrorsReportsEachPartition() {
        TopicPartition other = TopicPartition.of("orders", 1);
        Map<TopicPartition, OffsetChange> plan = new LinkedHashMap<>();
        plan.put(TP, new OffsetChange(TP, -1, 4, ErrorCode.NONE, null));
        plan.put(other, new OffsetChange(other, -1, 9, ErrorCode.NONE, null));
        OffsetCommitResponse response = new OffsetCommitResponse().setTopics(List.of(
                new OffsetCommitResponse.OffsetCommitResponseTopic().setName("orders").setPartitions(List.of(
                        new OffsetCommitResponse.OffsetCommitResponsePartition().setPartitionIndex(0),
                        new OffsetCommitResponse.OffsetCommitResponsePartition().setPartitionIndex(1)
                                .setErrorCode(ErrorCode.OFFSET_METADATA_TOO_LARGE.code())))));
        OffsetsChange change = GroupAdmin.committed("g", GroupState.EMPTY, 0, plan,
                GroupAdmin.commitResult("g", response));
        assertThat(change.succeeded()).isTrue();
        assertThat(change.partitions().get(TP).succeeded()).isTrue();
        assertThat(change.partitions().get(TP).offset()).isEqualTo(4);
        assertThat(change.partitions().get(other).error()).isEqualTo(ErrorCode.OFFSET_METADATA_TOO_LARGE);
    }

    @Test
    void theRefusalOfANonEmptyGroupNamesTheGroupItsStateAndItsMembers() {
        assertThat(GroupAdmin.notEmpty("orders", GroupState.STABLE, 2)).startsWith(
                "group 'orders' is Stable with 2 members: ").endsWith("nothing was changed");
        assertThat(GroupAdmin.notEmpty("orders", GroupState.RECONCILING, 1)).contains("is Reconciling with 1 member:");
    }

    @Test
    void aClassicGroupsMembersAreDecodedFromTheConsumerProtocol() {
        byte[] subscription = array(ConsumerProtocol.serializeSubscription(new ConsumerPartitionAssignor.Subscription(
                List.of("orders"), null, List.of(), 3, Optional.of("rack-b"))));
        byte[] assignment = array(ConsumerProtocol.serializeAssignment(new ConsumerPartitionAssignor.Assignment(
                List.of(new org.apache.kafka.common.TopicPartition("orders", 1)))));
        DescribeGroupsResponse.DescribedGroup described = new DescribeGroupsResponse.DescribedGroup()
                .setGroupId("g").setGroupState("Stable").setProtocolType("consumer").setProtocolData("range")
                .setMembers(List.of(new DescribeGroupsResponse.DescribedGroupMember().setMemberId("m-1")
                        .setGroupInstanceId("static-1").setClientId("client").setClientHost("/10.0.0.1")
                        .setMemberMetadata(subscription).setMemberAssignment(assignment)));
        GroupDescription d = GroupAdmin.classicGroup(described, 2);
        assertThat(d.succeeded()).isTrue();
        assertThat(d.type()).isEqualTo(GroupType.CLASSIC);
        assertThat(d.state()).isEqualTo(GroupState.STABLE);
        assertThat(d.assignor()).isEqualTo("range");
        assertThat(d.coordinator()).isEqualTo(2);
        assertThat(d.isEmpty()).isFalse();
        GroupDescription.Member m = d.members().get(0);
        assertThat(m.groupInstanceId()).contains("static-1");
        assertThat(m.rackId()).contains("rack-b");
        assertThat(m.subscribedTopics()).containsExactly("orders");
        assertThat(m.assignment()).containsExactly(TopicPartition.of("orders", 1));
        assertThat(m.memberEpoch()).isEqualTo(-1);
        assertThat(m.targetAssignment()).isEmpty();
    }

    @Test
    void aMemberWhoseBytesDoNotParseFailsItsGroupWithItsName() {
        DescribeGroupsResponse.DescribedGroup described = new DescribeGroupsResponse.DescribedGroup()
                .setGroupId("g").setGroupState("Stable").setProtocolType("consumer").setProtocolData("range")
                .setMembers(List.of(new DescribeGroupsResponse.DescribedGroupMember().setMemberId("m-1")
                        .setMemberMetadata(new byte[] {0, 0, 0x7f, 0, 0, 0})));
        GroupDescription d = GroupAdmin.classicGroup(described, 1);
        assertThat(d.error()).isEqualTo(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
        assertThat(d.errorMessage()).contains("member m-1 of group 'g'").contains("subscription (version 0)");
    }

    @Test
    void aConnectGroupsBytesAreNotReadAsTheConsumerProtocol() {
        DescribeGroupsResponse.DescribedGroup described = new DescribeGroupsResponse.DescribedGroup()
                .setGroupId("g").setGroupState("Stable").setProtocolType("connect").setProtocolData("sessioned")
                .setMembers(List.of(new DescribeGroupsResponse.DescribedGroupMember().setMemberId("w-1")
                        .setMemberMetadata(new byte[] {1, 2, 3})));
        GroupDescription d = GroupAdmin.classicGroup(described, 1);
        assertThat(d.succeeded()).isTrue();
        assertThat(d.protocolType()).isEqualTo("connect");
        assertThat(d.members().get(0).assignment()).isEmpty();
    }

    @Test
    void aDeadGroupWithoutMembersBeforeDescribeGroupsV6IsOneThatDoesNotExist() {
        GroupDescription d = GroupAdmin.classicGroup(new DescribeGroupsResponse.DescribedGroup()
                .setGroupId("gone").setGroupState("Dead").setProtocolType(""), 1);
        assertThat(d.error()).isEqualTo(ErrorCode.GROUP_ID_NOT_FOUND);
    }

    @Test
    void aConsumerGroupKeepsEpochsTargetsAndEachMembersProtocol() {
        ConsumerGroupDescribeResponse.Assignment owned = new ConsumerGroupDescribeResponse.Assignment().setTopicPartitions(
                List.of(new ConsumerGroupDescribeResponse.TopicPartitions().setTopicId(new Uuid(1, 2))
                        .setTopicName("orders").setPartitions(List.of(2, 0))));
        ConsumerGroupDescribeResponse.Assignment target = new ConsumerGroupDescribeResponse.Assignment().setTopicPartitions(
                List.of(new ConsumerGroupDescribeResponse.TopicPartitions().setTopicId(new Uuid(1, 2))
                        .setTopicName("orders").setPartitions(List.of(0))));
        ConsumerGroupDescribeResponse.DescribedGroup described = new ConsumerGroupDescribeResponse.DescribedGroup()
                .setGroupId("g").setGroupState("Reconciling").setGroupEpoch(8).setAssignmentEpoch(8)
                .setAssignorName("uniform").setMembers(List.of(
                        new ConsumerGroupDescribeResponse.Member().setMemberId("a").setMemberEpoch(7)
                                .setClientId("c").setClientHost("/h").setSubscribedTopicNames(List.of("orders"))
                                .setAssignment(owned).setTargetAssignment(target).setMemberType((byte) 1),
                        new ConsumerGroupDescribeResponse.Member().setMemberId("b").setMemberEpoch(8)
                                .setClientId("c").setClientHost("/h").setSubscribedTopicRegex("ord.*")
                                .setAssignment(new ConsumerGroupDescribeResponse.Assignment())
                                .setTargetAssignment(new ConsumerGroupDescribeResponse.Assignment())
                                .setMemberType((byte) 0)));
        GroupDescription d = GroupAdmin.consumerGroup(described, 3);
        assertThat(d.type()).isEqualTo(GroupType.CONSUMER);
        assertThat(d.state()).isEqualTo(GroupState.RECONCILING);
        assertThat(d.groupEpoch()).isEqualTo(8);
        assertThat(d.assignor()).isEqualTo("uniform");
        GroupDescription.Member a = d.members().get(0);
        assertThat(a.memberEpoch()).isEqualTo(7);
        assertThat(a.protocol()).isEqualTo(GroupType.CONSUMER);
        assertThat(a.assignment()).containsExactly(TopicPartition.of("orders", 0), TopicPartition.of("orders", 2));
        assertThat(a.targetAssignment()).containsExactly(TopicPartition.of("orders", 0));
        GroupDescription.Member b = d.members().get(1);
        assertThat(b.protocol()).isEqualTo(GroupType.CLASSIC);
        assertThat(b.subscribedTopicRegex()).contains("ord.*");
    }

    @Test
    void committedOffsetsKeepEpochAndMetadataAndLeaveOutPartitionsWithoutOne() {
        OffsetFetchResponse response = new OffsetFetchResponse().setGroups(List.of(
                new OffsetFetchResponse.OffsetFetchResponseGroup().setGroupId("g").setTopics(List.of(
                        new OffsetFetchResponse.OffsetFetchResponseTopics().setName("orders").setPartitions(List.of(
                                new OffsetFetchResponse.OffsetFetchResponsePartitions().setPartitionIndex(0)
                                        .setCommittedOffset(12).setCommittedLeaderEpoch(3).setMetadata("m"),
                                new OffsetFetchResponse.OffsetFetchResponsePartitions().setPartitionIndex(1)
                                        .setCommittedOffset(-1).setMetadata("")))))));
        GroupOffsets offsets = GroupAdmin.offsets("g", response);
        assertThat(offsets.offsets()).containsOnlyKeys(TP);
        CommittedOffset c = offsets.offsets().get(TP);
        assertThat(c.offset()).isEqualTo(12);
        assertThat(c.leaderEpoch()).isEqualTo(3);
        assertThat(c.metadata()).isEqualTo("m");

        GroupOffsets refused = GroupAdmin.offsets("g", new OffsetFetchResponse().setGroups(List.of(
                new OffsetFetchResponse.OffsetFetchResponseGroup().setGroupId("g")
                        .setErrorCode(ErrorCode.NOT_COORDINATOR.code()))));
        assertThat(refused.error()).isEqualTo(ErrorCode.NOT_COORDINATOR);
    }

    @Test
    void namesFromTheWireAreReadWhateverTheirCase() {
        assertThat(GroupState.fromWire("PreparingRebalance")).isEqualTo(GroupState.PREPARING_REBALANCE);
        assertThat(GroupState.fromWire("stable")).isEqualTo(GroupState.STABLE);
        assertThat(GroupState.fromWire("Sleeping")).isEqualTo(GroupState.UNKNOWN);
        assertThat(GroupType.fromWire("Consumer")).isEqualTo(GroupType.CONSUMER);
        assertThat(GroupType.fromWire("")).isEqualTo(GroupType.UNKNOWN);
        assertThat(GroupState.STABLE.toString()).isEqualTo("Stable");
    }

    private static byte[] array(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }
}
