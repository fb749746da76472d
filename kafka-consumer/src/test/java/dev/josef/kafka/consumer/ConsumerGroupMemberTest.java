package dev.josef.kafka.consumer;

import dev.josef.kafka.consumer.ClassicMemberTest.RecordingSteps;
import dev.josef.kafka.net.internal.ManualClock;
import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.protocol.Uuid;
import dev.josef.kafka.protocol.message.ConsumerGroupHeartbeatRequest;
import dev.josef.kafka.protocol.message.ConsumerGroupHeartbeatResponse;
import dev.josef.kafka.protocol.message.OffsetCommitRequest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The KIP-848 membership state machine, pass by pass, against a scripted
 * coordinator on a manual clock: joining at epoch 0 with every field, light
 * heartbeats at the broker's interval, reconciliation (revoke, then assign, then
 * acknowledge), losing and rejoining, fatal errors with clear messages, commits
 * at the member epoch, leaving with -1 or -2, and the poll interval.
 */
class ConsumerGroupMemberTest {
    private static final Duration SESSION = Duration.ofSeconds(45);
    private static final Duration REBALANCE = Duration.ofMinutes(5);
    private static final TopicPartition P0 = new TopicPartition("orders", 0);
    private static final TopicPartition P1 = new TopicPartition("orders", 1);
    private static final TopicPartition P2 = new TopicPartition("orders", 2);

    private final ManualClock clock = new ManualClock();
    private final FakeCoordinator coordinator = new FakeCoordinator();
    private final RecordingSteps steps = new RecordingSteps();
    private ConsumerGroupMember member;

    ConsumerGroupMemberTest() {
        coordinator.topic("orders", 3);
    }

    private ConsumerGroupMember member(Optional<String> instanceId, Optional<String> assignor) {
        GroupSettings settings = new GroupSettings("g1", instanceId, SESSION, Duration.ofSeconds(3), REBALANCE,
                Duration.ofMillis(100), Duration.ofSeconds(30), Duration.ofMinutes(5), List.of(
                dev.josef.kafka.consumer.spi.GroupBalancer.range()), "", true, assignor);
        member = new ConsumerGroupMember(settings, coordinator, clock::nanoTime, steps, "consumer-test");
        return member;
    }

    private ConsumerGroupMember member() {
        return member(Optional.empty(), Optional.empty());
    }

    private void run() {
        for (int i = 0; i < 4; i++) {
            member.runOnce();
        }
    }

    private ConsumerGroupHeartbeatRequest nextHeartbeat(FakeCoordinator.Sent[] holder) {
        FakeCoordinator.Sent s = coordinator.next(ApiKey.CONSUMER_GROUP_HEARTBEAT);
        holder[0] = s;
        return s.request();
    }

    private ConsumerGroupHeartbeatResponse answer(int epoch, Set<TopicPartition> assignment) {
        ConsumerGroupHeartbeatResponse r = new ConsumerGroupHeartbeatResponse().setMemberEpoch(epoch)
                .setHeartbeatIntervalMs(5000);
        if (assignment != null) {
            Map<Uuid, List<Integer>> byId = new TreeMap<>();
            for (TopicPartition tp : assignment) {
                byId.computeIfAbsent(coordinator.topicId(tp.topic()), k -> new ArrayList<>()).add(tp.partition());
            }
            List<ConsumerGroupHeartbeatResponse.TopicPartitions> tps = new ArrayList<>();
            byId.forEach((id, ps) -> tps.add(new ConsumerGroupHeartbeatResponse.TopicPartitions().setTopicId(id)
                    .setPartitions(ps)));
            r.setAssignment(new ConsumerGroupHeartbeatResponse.Assignment().setTopicPartitions(tps));
        }
        return r;
    }

    private static ConsumerGroupHeartbeatResponse error(ErrorCode code, String message) {
        return new ConsumerGroupHeartbeatResponse().setErrorCode(code.code()).setErrorMessage(message)
                .setMemberEpoch(-1);
    }

    private Set<TopicPartition> reported(ConsumerGroupHeartbeatRequest request) {
        Set<TopicPartition> out = new TreeSet<>();
        for (ConsumerGroupHeartbeatRequest.TopicPartitions t : request.topicPartitions()) {
            String name = t.topicId().equals(coordinator.topicId("orders")) ? "orders" : "?" + t.topicId();
            t.partitions().forEach(p -> out.add(new TopicPartition(name, p)));
        }
        return out;
    }

    /** Subscribes, joins at epoch 1 with {@code partitions}, runs the assign step and answers the ack. */
    private void joinWith(Set<TopicPartition> partitions) {
        member.subscribe(Set.of("orders"));
        run();
        coordinator.next(ApiKey.CONSUMER_GROUP_HEARTBEAT).answer(answer(1, partitions));
        run();
        steps.last().done().complete(null);
        run();
        coordinator.next(ApiKey.CONSUMER_GROUP_HEARTBEAT).answer(answer(1, null));
        run();
    }

    @Test
    void joinsAtEpochZeroWithEveryFieldThenAssignsAndAcknowledgesOnlyOnceTheStepIsDone() {
        member(Optional.empty(), Optional.of("uniform"));
        member.subscribe(Set.of("orders"));
        run();
        FakeCoordinator.Sent[] s = new FakeCoordinator.Sent[1];
        ConsumerGroupHeartbeatRequest join = nextHeartbeat(s);
        assertThat(join.memberEpoch()).isZero();
        assertThat(join.memberId()).hasSize(22).doesNotStartWith("-").isEqualTo(member.memberId());
        assertThat(join.subscribedTopicNames()).containsExactly("orders");
        assertThat(join.subscribedTopicRegex()).isNull();
        assertThat(join.rebalanceTimeoutMs()).isEqualTo(300_000);
        assertThat(join.serverAssignor()).isEqualTo("uniform");
        assertThat(join.topicPartitions()).isEmpty();
        assertThat(join.rackId()).isNull(); // an empty rack is refused by the coordinator
        assertThat(join.instanceId()).isNull();

        s[0].answer(answer(1, Set.of(P0, P1)));
        run();
        assertThat(member.state()).isEqualTo(ConsumerGroupMember.State.STABLE);
        assertThat(member.generation()).isEqualTo(1);
        assertThat(steps.kinds()).containsExactly("assign");
        assertThat(steps.last().partitions()).containsExactlyInAnyOrder(P0, P1);
        assertThat(coordinator.waitingCount()).as("no acknowledgement before onAssigned is done").isZero();

        steps.last().done().complete(null);
        run();
        ConsumerGroupHeartbeatRequest ack = nextHeartbeat(s);
        assertThat(ack.memberEpoch()).isEqualTo(1);
        assertThat(ack.memberId()).isEqualTo(member.memberId());
        assertThat(reported(ack)).containsExactly(P0, P1);
    }

    @Test
    void lightHeartbeatsGoAtTheIntervalTheBrokerGaveAndCarryOnlyTheEpoch() {
        member();
        joinWith(Set.of(P0));
        clock.advance(Duration.ofMillis(4_900));
        run();
        assertThat(coordinator.waitingCount()).isZero();
        clock.advance(Duration.ofMillis(100));
        run();
        FakeCoordinator.Sent[] s = new FakeCoordinator.Sent[1];
        ConsumerGroupHeartbeatRequest light = nextHeartbeat(s);
        assertThat(light.memberEpoch()).isEqualTo(1);
        assertThat(light.subscribedTopicNames()).isNull();
        assertThat(light.topicPartitions()).isNull();
        assertThat(light.rebalanceTimeoutMs()).isEqualTo(-1);
        assertThat(light.serverAssignor()).isNull();
    }

    @Test
    void aNewAssignmentRevokesFirstThenAssignsThenAcknowledgesAndReportsTheOldSetMeanwhile() {
        member();
        joinWith(Set.of(P0, P1));
        clock.advance(Duration.ofSeconds(5));
        run();
        coordinator.next(ApiKey.CONSUMER_GROUP_HEARTBEAT).answer(answer(2, Set.of(P1, P2)));
        run();
        assertThat(steps.kinds()).containsExactly("assign", "revoke");
        assertThat(steps.last().partitions()).containsExactly(P0);
        assertThat(member.generation()).isEqualTo(2);

        // The revoke (its commit, onRevoked) takes a while: heartbeats go on and still report P0.
        clock.advance(Duration.ofSeconds(5));
        run();
        FakeCoordinator.Sent[] s = new FakeCoordinator.Sent[1];
        ConsumerGroupHeartbeatRequest during = nextHeartbeat(s);
        assertThat(during.topicPartitions()).isNull(); // unchanged since the last report: {P0, P1}
        s[0].answer(answer(2, null));
        run();

        steps.last().done().complete(null);
        run();
        assertThat(steps.kinds()).containsExactly("assign", "revoke", "assign");
        assertThat(steps.last().partitions()).containsExactly(P2);
        // The revocation is acknowledged at once, before onAssigned of P2 is done, so P0's next owner can start.
        ConsumerGroupHeartbeatRequest revokedAck = nextHeartbeat(s);
        assertThat(reported(revokedAck)).containsExactly(P1);
        s[0].answer(answer(2, null));
        run();
        assertThat(coordinator.waitingCount()).isZero();
        steps.last().done().complete(null);
        run();
        ConsumerGroupHeartbeatRequest ack = nextHeartbeat(s);
        assertThat(ack.memberEpoch()).isEqualTo(2);
        assertThat(reported(ack)).containsExactly(P1, P2);
        assertThat(member.owned()).containsExactlyInAnyOrder(P1, P2);
    }

    @Test
    void aFencedEpochLosesEverythingAndRejoinsAtZeroWithTheSameMemberId() {
        member();
        joinWith(Set.of(P0, P1));
        String id = member.memberId();
        clock.advance(Duration.ofSeconds(5));
        run();
        coordinator.next(ApiKey.CONSUMER_GROUP_HEARTBEAT).answer(error(ErrorCode.FENCED_MEMBER_EPOCH,
                "The member epoch is fenced"));
        run();
        assertThat(steps.last().kind()).isEqualTo("lose");
        assertThat(steps.last().partitions()).containsExactlyInAnyOrder(P0, P1);
        FakeCoordinator.Sent[] s = new FakeCoordinator.Sent[1];
        ConsumerGroupHeartbeatRequest rejoin = nextHeartbeat(s);
        assertThat(rejoin.memberEpoch()).isZero();
        assertThat(rejoin.memberId()).isEqualTo(id);
        assertThat(rejoin.subscribedTopicNames()).containsExactly("orders");
        assertThat(rejoin.topicPartitions()).isEmpty();
        assertThat(steps.failed).isNull();
    }

    @Test
    void unknownMemberIdAlsoLosesAndRejoins() {
        member();
        joinWith(Set.of(P2));
        clock.advance(Duration.ofSeconds(5));
        run();
        coordinator.next(ApiKey.CONSUMER_GROUP_HEARTBEAT).answer(error(ErrorCode.UNKNOWN_MEMBER_ID, null));
        run();
        assertThat(steps.kinds()).containsExactly("assign", "lose");
        assertThat(((ConsumerGroupHeartbeatRequest) coordinator.next(ApiKey.CONSUMER_GROUP_HEARTBEAT).request())
                .memberEpoch()).isZero();
    }

    @Test
    void fatalErrorsFailTheMemberWithAMessageThatSaysWhatToDo() {
        Map<ErrorCode, String> expected = Map.of(
                ErrorCode.UNSUPPORTED_VERSION, "use group.protocol=classic",
                ErrorCode.INVALID_REGULAR_EXPRESSION, "RE2/J syntax",
                ErrorCode.UNSUPPORTED_ASSIGNOR, "group.remote.assignor 'fair'",
                ErrorCode.GROUP_MAX_SIZE_REACHED, "heartbeating in group g1 failed",
                ErrorCode.FENCED_INSTANCE_ID, "is used by another live consumer");
        expected.forEach((code, words) -> {
            RecordingSteps mine = new RecordingSteps();
            FakeCoordinator net = new FakeCoordinator();
            net.topic("orders", 3);
            GroupSettings settings = new GroupSettings("g1", Optional.of("i-1"), SESSION, Duration.ofSeconds(3),
                    REBALANCE, Duration.ofMillis(100), Duration.ofSeconds(30), Duration.ofMinutes(5),
                    List.of(dev.josef.kafka.consumer.spi.GroupBalancer.range()), "", true, Optional.of("fair"));
            ConsumerGroupMember m = new ConsumerGroupMember(settings, net, clock::nanoTime, mine, "c");
            m.subscribe(Set.of("orders"));
            for (int i = 0; i < 3; i++) {
                m.runOnce();
            }
            net.next(ApiKey.CONSUMER_GROUP_HEARTBEAT).answer(error(code, "broker says no"));
            m.runOnce();
            assertThat(m.state()).as(code.name()).isEqualTo(ConsumerGroupMember.State.FAILED);
            assertThat(mine.failed).as(code.name()).isNotNull();
            assertThat(mine.failed.getMessage()).as(code.name()).contains(words).contains("broker says no");
            m.runOnce();
            assertThat(net.waitingCount()).as("nothing more is sent after " + code).isZero();
        });
    }

    @Test
    void anUnreleasedInstanceIdIsTriedAgainAFewTimesThenFatal() {
        member(Optional.of("i-1"), Optional.empty());
        member.subscribe(Set.of("orders"));
        run();
        for (int i = 0; i < 3; i++) {
            FakeCoordinator.Sent hb = coordinator.next(ApiKey.CONSUMER_GROUP_HEARTBEAT);
            assertThat(((ConsumerGroupHeartbeatRequest) hb.request()).instanceId()).isEqualTo("i-1");
            hb.answer(error(ErrorCode.UNRELEASED_INSTANCE_ID, "still held"));
            run();
            clock.advance(Duration.ofMillis(100));
            run();
            assertThat(steps.failed).as("try " + (i + 1)).isNull();
        }
        coordinator.next(ApiKey.CONSUMER_GROUP_HEARTBEAT).answer(error(ErrorCode.UNRELEASED_INSTANCE_ID, "held"));
        run();
        assertThat(member.state()).isEqualTo(ConsumerGroupMember.State.FAILED);
        assertThat(steps.failed.getMessage()).contains("group.instance.id i-1 is held by another live member");
    }

    @Test
    void aCommitAtAStaleEpochIsSentAgainAtTheEpochTheNextHeartbeatBrings() {
        member();
        joinWith(Set.of(P0));
        CompletableFuture<Void> done = member.commit(Map.of(P0, OffsetAndMetadata.of(42)),
                clock.nanoTime() + Duration.ofSeconds(30).toNanos());
        run();
        FakeCoordinator.Sent commit = coordinator.next(ApiKey.OFFSET_COMMIT);
        OffsetCommitRequest first = commit.request();
        assertThat(first.generationIdOrMemberEpoch()).isEqualTo(1);
        assertThat(first.memberId()).isEqualTo(member.memberId());
        commit.answer(FakeCoordinator.committed(first, ErrorCode.STALE_MEMBER_EPOCH));
        run();
        assertThat(done).isNotDone();
        // The member heartbeats at once; the coordinator moved it to epoch 3.
        coordinator.next(ApiKey.CONSUMER_GROUP_HEARTBEAT).answer(answer(3, Set.of(P0)));
        clock.advance(Duration.ofMillis(100));
        run();
        FakeCoordinator.Sent again = coordinator.next(ApiKey.OFFSET_COMMIT);
        assertThat(((OffsetCommitRequest) again.request()).generationIdOrMemberEpoch()).isEqualTo(3);
        again.answer(FakeCoordinator.committed(again.request(), ErrorCode.NONE));
        run();
        assertThat(done).isCompleted();
        assertThat(done.isCompletedExceptionally()).isFalse();
    }

    @Test
    void aDynamicMemberLeavesAtMinusOneAfterItsCommitsAndAStaticOneAtMinusTwo() {
        for (Optional<String> instance : List.of(Optional.<String>empty(), Optional.of("i-7"))) {
            coordinator.all().clear();
            member(instance, Optional.empty());
            joinWith(Set.of(P0));
            while (coordinator.waitingCount() > 0) {
                coordinator.next(ApiKey.CONSUMER_GROUP_HEARTBEAT).answer(answer(1, null));
            }
            member.commit(Map.of(P0, OffsetAndMetadata.of(7)), clock.nanoTime() + Duration.ofSeconds(30).toNanos());
            CompletableFuture<Void> left = member.leave("closing");
            run();
            FakeCoordinator.Sent commit = coordinator.next(ApiKey.OFFSET_COMMIT);
            assertThat(coordinator.waitingCount()).as("the leave waits for the commit").isZero();
            commit.answer(FakeCoordinator.committed(commit.request(), ErrorCode.NONE));
            run();
            FakeCoordinator.Sent leave = coordinator.next(ApiKey.CONSUMER_GROUP_HEARTBEAT);
            ConsumerGroupHeartbeatRequest r = leave.request();
            assertThat(r.memberEpoch()).isEqualTo(instance.isPresent() ? -2 : -1);
            assertThat(r.memberId()).isEqualTo(member.memberId());
            leave.answer(answer(instance.isPresent() ? -2 : -1, null));
            run();
            assertThat(left).isCompleted();
            assertThat(member.state()).isEqualTo(ConsumerGroupMember.State.LEFT);
        }
    }

    @Test
    void aRegexSubscriptionGoesToTheBrokerAndAnAssignedTopicItNeverNamedIsLookedUpById() {
        coordinator.topic("payments", 1);
        coordinator.undescribe("payments");
        member();
        member.subscribe("pay.*");
        run();
        FakeCoordinator.Sent[] s = new FakeCoordinator.Sent[1];
        ConsumerGroupHeartbeatRequest join = nextHeartbeat(s);
        assertThat(join.subscribedTopicRegex()).isEqualTo("pay.*");
        assertThat(join.subscribedTopicNames()).isNull();
        TopicPartition pay = new TopicPartition("payments", 0);
        s[0].answer(answer(1, Set.of(pay)));
        run();
        assertThat(coordinator.topicListings).isEqualTo(1);
        assertThat(steps.kinds()).containsExactly("assign");
        assertThat(steps.last().partitions()).containsExactly(pay);
    }

    @Test
    void noPollWithinTheIntervalLeavesAndLosesThenTheNextPollJoinsAgain() {
        member();
        joinWith(Set.of(P0, P1));
        for (int i = 0; i < 61; i++) {
            clock.advance(Duration.ofSeconds(5));
            run();
            while (coordinator.waitingCount() > 0) {
                FakeCoordinator.Sent hb = coordinator.next(ApiKey.CONSUMER_GROUP_HEARTBEAT);
                if (((ConsumerGroupHeartbeatRequest) hb.request()).memberEpoch() == -1) {
                    assertThat(steps.last().kind()).isEqualTo("lose");
                    assertThat(member.state()).isEqualTo(ConsumerGroupMember.State.STALE);
                    i = 1000;
                }
                hb.answer(answer(1, null));
            }
        }
        assertThat(member.state()).isEqualTo(ConsumerGroupMember.State.STALE);
        clock.advance(Duration.ofSeconds(5));
        run();
        assertThat(coordinator.waitingCount()).as("a stale member sends nothing").isZero();
        member.polled();
        run();
        ConsumerGroupHeartbeatRequest rejoin = coordinator.next(ApiKey.CONSUMER_GROUP_HEARTBEAT).request();
        assertThat(rejoin.memberEpoch()).isZero();
    }

    @Test
    void aLostAnswerFindsTheCoordinatorAgainAndTheNextHeartbeatIsFull() {
        member();
        joinWith(Set.of(P0));
        int lookups = coordinator.lookups;
        clock.advance(Duration.ofSeconds(5));
        run();
        coordinator.next(ApiKey.CONSUMER_GROUP_HEARTBEAT).fail();
        run();
        clock.advance(Duration.ofMillis(100));
        run();
        assertThat(coordinator.lookups).isGreaterThan(lookups);
        ConsumerGroupHeartbeatRequest full = coordinator.next(ApiKey.CONSUMER_GROUP_HEARTBEAT).request();
        assertThat(full.memberEpoch()).isEqualTo(1);
        assertThat(full.subscribedTopicNames()).containsExactly("orders");
        assertThat(full.rebalanceTimeoutMs()).isEqualTo(300_000);
        assertThat(reported(full)).containsExactly(P0);
        assertThat(steps.kinds()).containsExactly("assign");
    }

    @Test
    void anOffsetFetchOfAConsumerProtocolMemberCarriesItsIdAndEpochFromVersionNine() {
        var v9 = (dev.josef.kafka.protocol.message.OffsetFetchRequest) OffsetRequests.fetch("g1", List.of(P0),
                "member-1", 7).apply(9);
        assertThat(v9.groups().get(0).memberId()).isEqualTo("member-1");
        assertThat(v9.groups().get(0).memberEpoch()).isEqualTo(7);
        var v8 = (dev.josef.kafka.protocol.message.OffsetFetchRequest) OffsetRequests.fetch("g1", List.of(P0),
                "member-1", 7).apply(8);
        assertThat(v8.groups().get(0).memberId()).isNull();
        var classic = (dev.josef.kafka.protocol.message.OffsetFetchRequest) OffsetRequests.fetch("g1", List.of(P0))
                .apply(9);
        assertThat(classic.groups().get(0).memberId()).isNull();
        assertThat(classic.groups().get(0).memberEpoch()).isEqualTo(-1);
    }
}
