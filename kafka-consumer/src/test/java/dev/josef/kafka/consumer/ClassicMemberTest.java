package dev.josef.kafka.consumer;

import dev.josef.kafka.consumer.spi.GroupBalancer;
import dev.josef.kafka.net.internal.ManualClock;
import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.BrokerException;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.KafkaException;
import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.protocol.message.HeartbeatRequest;
import dev.josef.kafka.protocol.message.JoinGroupRequest;
import dev.josef.kafka.protocol.message.LeaveGroupRequest;
import dev.josef.kafka.protocol.message.OffsetCommitRequest;
import dev.josef.kafka.protocol.message.SyncGroupRequest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The classic membership state machine, pass by pass, against a scripted
 * coordinator on a manual clock: joining (KIP-394), leading, syncing,
 * heartbeats that go on while the application holds a rebalance, losing and
 * failing, cooperative revocation (KIP-429), static membership, commits.
 */
class ClassicMemberTest {
    private static final Duration HEARTBEAT = Duration.ofSeconds(3);
    private static final Duration SESSION = Duration.ofSeconds(45);
    private static final Duration REBALANCE = Duration.ofMinutes(5);
    private static final TopicPartition P0 = new TopicPartition("orders", 0);
    private static final TopicPartition P1 = new TopicPartition("orders", 1);
    private static final TopicPartition P2 = new TopicPartition("orders", 2);

    /** Hands out whatever the test put in {@link #next}. */
    static final class ScriptedBalancer implements GroupBalancer {
        final Set<Protocol> protocols;
        Map<String, List<TopicPartition>> next;
        final List<Map<String, Member>> seen = new ArrayList<>();
        final List<Map<String, Topic>> seenTopics = new ArrayList<>();

        ScriptedBalancer(Set<Protocol> protocols) {
            this.protocols = protocols;
        }

        @Override
        public String name() {
            return "scripted";
        }

        @Override
        public Set<Protocol> protocols() {
            return protocols;
        }

        @Override
        public Map<String, List<TopicPartition>> assign(Map<String, Member> members, Map<String, Topic> topics) {
            seen.add(members);
            seenTopics.add(topics);
            return next;
        }
    }

    /** The application's side: records each step, completes them when the test says. */
    static final class RecordingSteps implements GroupMember.Steps {
        record Step(String kind, Set<TopicPartition> partitions, CompletableFuture<Void> done) {
        }

        final List<Step> steps = new ArrayList<>();
        KafkaException failed;

        @Override
        public CompletableFuture<Void> revoke(Set<TopicPartition> partitions) {
            Step s = new Step("revoke", Set.copyOf(partitions), new CompletableFuture<>());
            steps.add(s);
            return s.done;
        }

        @Override
        public CompletableFuture<Void> assign(Set<TopicPartition> partitions) {
            Step s = new Step("assign", Set.copyOf(partitions), new CompletableFuture<>());
            steps.add(s);
            return s.done;
        }

        @Override
        public void lose(Set<TopicPartition> partitions) {
            steps.add(new Step("lose", Set.copyOf(partitions), CompletableFuture.completedFuture(null)));
        }

        @Override
        public void failed(KafkaException error) {
            failed = error;
        }

        Step last() {
            return steps.get(steps.size() - 1);
        }

        List<String> kinds() {
            return steps.stream().map(Step::kind).toList();
        }
    }

    private final ManualClock clock = new ManualClock();
    private final FakeCoordinator coordinator = new FakeCoordinator();
    private final RecordingSteps steps = new RecordingSteps();
    private ScriptedBalancer balancer = new ScriptedBalancer(Set.of(GroupBalancer.Protocol.EAGER));
    private ClassicMember member;

    ClassicMemberTest() {
        coordinator.topic("orders", 3);
    }

    private ClassicMember member(Optional<String> instanceId) {
        GroupSettings settings = new GroupSettings("g1", instanceId, SESSION, HEARTBEAT, REBALANCE,
                Duration.ofMillis(100), Duration.ofSeconds(30), Duration.ofMinutes(5), List.of(balancer), "", true);
        member = new ClassicMember(settings, coordinator, clock::nanoTime, steps, "consumer-test");
        return member;
    }

    private void run() {
        // Answers post events; a few passes settle them, as the group thread would.
        for (int i = 0; i < 4; i++) {
            member.runOnce();
        }
    }

    /** Joins as the only member and leader and gets {@code partitions}: all of "orders", which has as many. */
    private void joinAlone(String memberId, int generation, List<TopicPartition> partitions) {
        coordinator.topic("orders", partitions.size());
        run();
        FakeCoordinator.Sent join = coordinator.next(ApiKey.JOIN_GROUP);
        JoinGroupRequest request = join.request();
        balancer.next = Map.of(memberId, partitions);
        join.answer(FakeCoordinator.joined(memberId, generation, memberId, "scripted",
                Map.of(memberId, request.protocols().get(0).metadata())));
        run();
        FakeCoordinator.Sent sync = coordinator.next(ApiKey.SYNC_GROUP);
        sync.answer(FakeCoordinator.synced(partitions));
        run();
    }

    @Test
    void joinsAgainWithTheMemberIdTheCoordinatorRequires() {
        member(Optional.empty()).subscribe(Set.of("orders"));
        run();
        FakeCoordinator.Sent first = coordinator.next(ApiKey.JOIN_GROUP);
        JoinGroupRequest request = first.request();
        assertThat(request.memberId()).isEmpty();
        assertThat(request.groupId()).isEqualTo("g1");
        assertThat(request.rebalanceTimeoutMs()).isEqualTo((int) REBALANCE.toMillis());
        assertThat(request.sessionTimeoutMs()).isEqualTo((int) SESSION.toMillis());
        assertThat(first.timeout).isGreaterThan(REBALANCE);
        assertThat(FakeCoordinator.subscription(request).topics()).containsExactly("orders");
        first.answer(FakeCoordinator.joinError(ErrorCode.MEMBER_ID_REQUIRED, "m-1"));
        run();
        JoinGroupRequest again = coordinator.next(ApiKey.JOIN_GROUP).request();
        assertThat(again.memberId()).isEqualTo("m-1");
    }

    @Test
    void theLeaderAssignsSyncsAndTheMemberStartsReadingThenHeartbeats() {
        member(Optional.empty()).subscribe(Set.of("orders"));
        joinAlone("m-1", 1, List.of(P0, P1, P2));
        assertThat(member.state()).isEqualTo(ClassicMember.State.STABLE);
        assertThat(steps.kinds()).containsExactly("assign");
        assertThat(steps.last().partitions()).containsExactlyInAnyOrder(P0, P1, P2);
        assertThat(balancer.seen.get(0).get("m-1").topics()).containsExactly("orders");
        SyncGroupRequest sync = (SyncGroupRequest) coordinator.all().stream()
                .filter(s -> s.api == ApiKey.SYNC_GROUP).findFirst().orElseThrow().request;
        assertThat(sync.assignments()).hasSize(1);
        assertThat(ConsumerProtocol.assignment(sync.assignments().get(0).assignment()))
                .containsExactly(P0, P1, P2);

        assertThat(coordinator.waiting(ApiKey.HEARTBEAT)).isFalse();
        clock.advance(HEARTBEAT);
        run();
        HeartbeatRequest hb = coordinator.next(ApiKey.HEARTBEAT).request();
        assertThat(hb.generationId()).isEqualTo(1);
        assertThat(hb.memberId()).isEqualTo("m-1");
    }

    @Test
    void theLeaderGivesItsBalancerTheRacksOfEachPartitionsReplicas() {
        coordinator.topic("orders", 1);
        coordinator.rack(1, "rack-a");
        coordinator.rack(2, "rack-b");
        member(Optional.empty()).subscribe(Set.of("orders"));
        run();
        FakeCoordinator.Sent join = coordinator.next(ApiKey.JOIN_GROUP);
        balancer.next = Map.of("m-1", List.of(P0));
        join.answer(FakeCoordinator.joined("m-1", 1, "m-1", "scripted",
                Map.of("m-1", ((JoinGroupRequest) join.request()).protocols().get(0).metadata())));
        run();
        assertThat(balancer.seenTopics).singleElement().satisfies(topics ->
                assertThat(topics.get("orders").racks(0)).containsExactlyInAnyOrder("rack-a", "rack-b"));
    }

    @Test
    void aBalancerResultThatGivesAPartitionTwiceIsNeverSynced() {
        member(Optional.empty()).subscribe(Set.of("orders"));
        run();
        FakeCoordinator.Sent join = coordinator.next(ApiKey.JOIN_GROUP);
        byte[] sub = ((JoinGroupRequest) join.request()).protocols().get(0).metadata();
        balancer.next = Map.of("m-1", List.of(P0, P1), "m-2", List.of(P1, P2));
        join.answer(FakeCoordinator.joined("m-1", 1, "m-1", "scripted", new LinkedHashMap<>(Map.of("m-1", sub,
                "m-2", sub))));
        run();
        assertThat(coordinator.waiting(ApiKey.SYNC_GROUP)).isFalse();
        clock.advance(Duration.ofMillis(200));
        run();
        assertThat(coordinator.next(ApiKey.JOIN_GROUP)).isNotNull(); // it joins again instead
    }

    @Test
    void heartbeatsGoOnWhileTheApplicationHoldsAnEagerRevoke() {
        member(Optional.empty()).subscribe(Set.of("orders"));
        joinAlone("m-1", 1, List.of(P0, P1, P2));
        steps.last().done().complete(null);
        clock.advance(HEARTBEAT);
        run();
        coordinator.next(ApiKey.HEARTBEAT).answer(FakeCoordinator.heartbeat(ErrorCode.REBALANCE_IN_PROGRESS));
        run();
        assertThat(member.state()).isEqualTo(ClassicMember.State.REVOKING);
        assertThat(steps.last().kind()).isEqualTo("revoke");
        assertThat(steps.last().partitions()).containsExactlyInAnyOrder(P0, P1, P2);

        // The application takes a minute, past the session timeout: heartbeats keep the member in the group.
        for (int i = 0; i < 20; i++) {
            clock.advance(HEARTBEAT);
            member.polled();
            run();
            assertThat(coordinator.waiting(ApiKey.JOIN_GROUP)).isFalse();
            coordinator.next(ApiKey.HEARTBEAT).answer(FakeCoordinator.heartbeat(ErrorCode.REBALANCE_IN_PROGRESS));
        }
        assertThat(coordinator.invalidations).isZero();
        steps.last().done().complete(null);
        run();
        JoinGroupRequest rejoin = coordinator.next(ApiKey.JOIN_GROUP).request();
        assertThat(rejoin.memberId()).isEqualTo("m-1");
        assertThat(FakeCoordinator.subscription(rejoin).owned()).isEmpty(); // eager: everything was given up
    }

    @Test
    void aCooperativeMemberRevokesWhatMovedThenJoinsAgainStillOwningTheRest() {
        balancer = new ScriptedBalancer(Set.of(GroupBalancer.Protocol.EAGER, GroupBalancer.Protocol.COOPERATIVE));
        member(Optional.empty()).subscribe(Set.of("orders"));
        joinAlone("m-1", 1, List.of(P0, P1, P2));
        steps.last().done().complete(null);
        clock.advance(HEARTBEAT);
        run();
        coordinator.next(ApiKey.HEARTBEAT).answer(FakeCoordinator.heartbeat(ErrorCode.REBALANCE_IN_PROGRESS));
        run();
        // Cooperative: no revoke before joining, and the owned partitions travel in the subscription.
        FakeCoordinator.Sent join = coordinator.next(ApiKey.JOIN_GROUP);
        assertThat(steps.kinds()).containsExactly("assign");
        assertThat(FakeCoordinator.subscription(join.request()).owned()).containsExactly(P0, P1, P2);
        assertThat(FakeCoordinator.subscription(join.request()).generation()).isEqualTo(1);
        join.answer(FakeCoordinator.joined("m-1", 2, "other", "scripted", Map.of()));
        run();
        coordinator.next(ApiKey.SYNC_GROUP).answer(FakeCoordinator.synced(List.of(P0)));
        run();
        assertThat(steps.kinds()).containsExactly("assign", "revoke", "assign");
        assertThat(steps.steps.get(1).partitions()).containsExactlyInAnyOrder(P1, P2);
        assertThat(steps.steps.get(2).partitions()).isEmpty(); // onAssigned is called even with nothing new
        run();
        assertThat(coordinator.waiting(ApiKey.JOIN_GROUP)).isFalse(); // not before the revoke is done
        // Another rebalance starts meanwhile: still not before the revoke is done.
        clock.advance(HEARTBEAT);
        run();
        coordinator.next(ApiKey.HEARTBEAT).answer(FakeCoordinator.heartbeat(ErrorCode.REBALANCE_IN_PROGRESS));
        run();
        assertThat(coordinator.waiting(ApiKey.JOIN_GROUP)).isFalse();
        steps.steps.get(1).done().complete(null);
        run();
        JoinGroupRequest again = coordinator.next(ApiKey.JOIN_GROUP).request();
        assertThat(FakeCoordinator.subscription(again).owned()).containsExactly(P0);
    }

    @Test
    void anIllegalGenerationLosesThePartitionsAndJoinsAgainWithTheSameId() {
        member(Optional.empty()).subscribe(Set.of("orders"));
        joinAlone("m-1", 1, List.of(P0, P1));
        clock.advance(HEARTBEAT);
        run();
        coordinator.next(ApiKey.HEARTBEAT).answer(FakeCoordinator.heartbeat(ErrorCode.ILLEGAL_GENERATION));
        run();
        assertThat(steps.last().kind()).isEqualTo("lose");
        assertThat(steps.last().partitions()).containsExactlyInAnyOrder(P0, P1);
        JoinGroupRequest rejoin = coordinator.next(ApiKey.JOIN_GROUP).request();
        assertThat(rejoin.memberId()).isEqualTo("m-1");
        assertThat(FakeCoordinator.subscription(rejoin).owned()).isEmpty();
    }

    @Test
    void anUnknownMemberIdLosesThePartitionsAndJoinsAgainWithoutAnId() {
        member(Optional.empty()).subscribe(Set.of("orders"));
        joinAlone("m-1", 1, List.of(P0));
        clock.advance(HEARTBEAT);
        run();
        coordinator.next(ApiKey.HEARTBEAT).answer(FakeCoordinator.heartbeat(ErrorCode.UNKNOWN_MEMBER_ID));
        run();
        assertThat(steps.last().kind()).isEqualTo("lose");
        assertThat(((JoinGroupRequest) coordinator.next(ApiKey.JOIN_GROUP).request()).memberId()).isEmpty();
    }

    @Test
    void notCoordinatorOnJoinLooksTheCoordinatorUpAgain() {
        member(Optional.empty()).subscribe(Set.of("orders"));
        run();
        assertThat(coordinator.lookups).isEqualTo(1);
        coordinator.next(ApiKey.JOIN_GROUP).answer(FakeCoordinator.joinError(ErrorCode.NOT_COORDINATOR, ""));
        coordinator.coordinatorNode = 2;
        run();
        clock.advance(Duration.ofMillis(200));
        run();
        assertThat(coordinator.invalidations).isEqualTo(1);
        assertThat(coordinator.lookups).isEqualTo(2);
        assertThat(coordinator.next(ApiKey.JOIN_GROUP).node).isEqualTo(2);
    }

    @Test
    void aFatalJoinErrorFailsTheMemberWithAnErrorNamingIt() {
        member(Optional.empty()).subscribe(Set.of("orders"));
        run();
        coordinator.next(ApiKey.JOIN_GROUP).answer(FakeCoordinator.joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
                ""));
        run();
        assertThat(member.state()).isEqualTo(ClassicMember.State.FAILED);
        assertThat(steps.failed).isInstanceOf(BrokerException.class).hasMessageContaining("INCONSISTENT_GROUP_PROTOCOL");
        clock.advance(Duration.ofSeconds(10));
        run();
        assertThat(coordinator.waitingCount()).isZero(); // nothing more is sent
    }

    @Test
    void aFencedStaticMemberFailsNamingItsInstanceIdAndNeverSendsLeaveGroup() {
        member(Optional.of("instance-a")).subscribe(Set.of("orders"));
        run();
        JoinGroupRequest join = coordinator.all().get(0).request();
        assertThat(join.groupInstanceId()).isEqualTo("instance-a");
        joinAloneAnswering(join, "m-1");
        clock.advance(HEARTBEAT);
        run();
        coordinator.next(ApiKey.HEARTBEAT).answer(FakeCoordinator.heartbeat(ErrorCode.FENCED_INSTANCE_ID));
        run();
        assertThat(steps.failed).hasMessageContaining("FENCED_INSTANCE_ID").hasMessageContaining("instance-a");
        assertThat(steps.kinds()).contains("lose");
        member.leave("closing");
        run();
        assertThat(coordinator.waiting(ApiKey.LEAVE_GROUP)).isFalse();
    }

    private void joinAloneAnswering(JoinGroupRequest request, String memberId) {
        coordinator.topic("orders", 1);
        balancer.next = Map.of(memberId, List.of(P0));
        coordinator.next(ApiKey.JOIN_GROUP).answer(FakeCoordinator.joined(memberId, 1, memberId, "scripted",
                Map.of(memberId, request.protocols().get(0).metadata())));
        run();
        coordinator.next(ApiKey.SYNC_GROUP).answer(FakeCoordinator.synced(List.of(P0)));
        run();
    }

    @Test
    void aStaticLeaderThatCameBackKeepsTheAssignmentWithoutRunningItsBalancer() {
        member(Optional.of("instance-a")).subscribe(Set.of("orders"));
        run();
        coordinator.next(ApiKey.JOIN_GROUP).answer(FakeCoordinator.joined("m-2", 4, "m-2", "scripted", Map.of())
                .setSkipAssignment(true));
        run();
        SyncGroupRequest sync = coordinator.next(ApiKey.SYNC_GROUP).request();
        assertThat(sync.assignments()).isEmpty();
        assertThat(balancer.seen).isEmpty();
    }

    @Test
    void aDynamicMemberLeavesOnClose() {
        member(Optional.empty()).subscribe(Set.of("orders"));
        joinAlone("m-1", 1, List.of(P0));
        member.leave("closing");
        run();
        LeaveGroupRequest leave = coordinator.next(ApiKey.LEAVE_GROUP).request();
        assertThat(leave.members()).singleElement().satisfies(m -> assertThat(m.memberId()).isEqualTo("m-1"));
        assertThat(member.state()).isEqualTo(ClassicMember.State.LEFT);
    }

    @Test
    void aCommitAskedForBeforeLeavingReachesTheCoordinatorBeforeTheLeaveGroup() {
        member(Optional.empty()).subscribe(Set.of("orders"));
        joinAlone("m-1", 1, List.of(P0));
        CompletableFuture<Void> commit = member.commit(Map.of(P0, OffsetAndMetadata.of(7)), Long.MAX_VALUE);
        member.leave("closing");
        run();
        FakeCoordinator.Sent sent = coordinator.next(ApiKey.OFFSET_COMMIT);
        assertThat(coordinator.waiting(ApiKey.LEAVE_GROUP)).isFalse();
        sent.answer(FakeCoordinator.committed(sent.request(), ErrorCode.NONE));
        run();
        assertThat(commit).isCompleted();
        assertThat(coordinator.next(ApiKey.LEAVE_GROUP)).isNotNull();
    }

    @Test
    void aMemberThatIsNotPolledLeavesAfterTheRebalanceTimeoutAndJoinsAgainOnTheNextPoll() {
        member(Optional.empty()).subscribe(Set.of("orders"));
        joinAlone("m-1", 1, List.of(P0, P1));
        for (int i = 0; i < REBALANCE.toSeconds() / HEARTBEAT.toSeconds() + 1; i++) {
            clock.advance(HEARTBEAT);
            run();
            if (coordinator.waiting(ApiKey.HEARTBEAT)) {
                coordinator.take(ApiKey.HEARTBEAT).answer(FakeCoordinator.heartbeat(ErrorCode.NONE));
            }
        }
        assertThat(coordinator.take(ApiKey.LEAVE_GROUP)).isNotNull();
        assertThat(steps.last().kind()).isEqualTo("lose");
        clock.advance(Duration.ofSeconds(10));
        run();
        assertThat(coordinator.waiting(ApiKey.JOIN_GROUP)).isFalse();
        member.polled();
        run();
        assertThat(((JoinGroupRequest) coordinator.next(ApiKey.JOIN_GROUP).request()).memberId()).isEmpty();
    }

    @Test
    void commitsCarryTheGenerationAndGoOneAtATimeInOrder() throws Exception {
        member(Optional.empty()).subscribe(Set.of("orders"));
        joinAlone("m-1", 3, List.of(P0, P1));
        CompletableFuture<Void> first = member.commit(Map.of(P0, OffsetAndMetadata.of(10)), Long.MAX_VALUE);
        CompletableFuture<Void> second = member.commit(Map.of(P0, OffsetAndMetadata.of(20)), Long.MAX_VALUE);
        run();
        FakeCoordinator.Sent commit = coordinator.take(ApiKey.OFFSET_COMMIT);
        OffsetCommitRequest request = commit.request();
        assertThat(request.generationIdOrMemberEpoch()).isEqualTo(3);
        assertThat(request.memberId()).isEqualTo("m-1");
        assertThat(request.topics().get(0).partitions().get(0).committedOffset()).isEqualTo(10);
        assertThat(coordinator.waiting(ApiKey.OFFSET_COMMIT)).isFalse(); // the second waits for the first

        // A lost coordinator: the same commit is sent again, still before the second.
        commit.answer(FakeCoordinator.committed(request, ErrorCode.NOT_COORDINATOR));
        run();
        clock.advance(Duration.ofMillis(200));
        run();
        FakeCoordinator.Sent retry = coordinator.take(ApiKey.OFFSET_COMMIT);
        assertThat(((OffsetCommitRequest) retry.request()).topics().get(0).partitions().get(0).committedOffset())
                .isEqualTo(10);
        retry.answer(FakeCoordinator.committed(retry.request(), ErrorCode.NONE));
        run();
        assertThat(first).isCompleted();
        FakeCoordinator.Sent next = coordinator.take(ApiKey.OFFSET_COMMIT);
        assertThat(((OffsetCommitRequest) next.request()).topics().get(0).partitions().get(0).committedOffset())
                .isEqualTo(20);
        next.answer(FakeCoordinator.committed(next.request(), ErrorCode.NONE));
        run();
        assertThat(second).isCompleted();
    }

    @Test
    void aCommitRefusedForAnOldGenerationFailsClearlyAndLosesThePartitions() {
        member(Optional.empty()).subscribe(Set.of("orders"));
        joinAlone("m-1", 3, List.of(P0));
        CompletableFuture<Void> commit = member.commit(Map.of(P0, OffsetAndMetadata.of(10)), Long.MAX_VALUE);
        run();
        FakeCoordinator.Sent sent = coordinator.take(ApiKey.OFFSET_COMMIT);
        sent.answer(FakeCoordinator.committed(sent.request(), ErrorCode.ILLEGAL_GENERATION));
        run();
        assertThat(commit).isCompletedExceptionally();
        assertThatThrownBy(commit::get).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(CommitFailedException.class)
                .hasMessageContaining("ILLEGAL_GENERATION").hasMessageContaining("generation 3");
        assertThat(steps.last().kind()).isEqualTo("lose");
    }

    @Test
    void commitsWaitWhileTheMemberIsBetweenJoinAndSync() {
        member(Optional.empty()).subscribe(Set.of("orders"));
        run();
        CompletableFuture<Void> commit = member.commit(Map.of(P0, OffsetAndMetadata.of(5)), Long.MAX_VALUE);
        run();
        assertThat(coordinator.waiting(ApiKey.OFFSET_COMMIT)).isFalse();
        FakeCoordinator.Sent join = coordinator.next(ApiKey.JOIN_GROUP);
        coordinator.topic("orders", 1);
        balancer.next = Map.of("m-1", List.of(P0));
        join.answer(FakeCoordinator.joined("m-1", 1, "m-1", "scripted",
                Map.of("m-1", ((JoinGroupRequest) join.request()).protocols().get(0).metadata())));
        run();
        assertThat(coordinator.waiting(ApiKey.OFFSET_COMMIT)).isFalse();
        coordinator.next(ApiKey.SYNC_GROUP).answer(FakeCoordinator.synced(List.of(P0)));
        run();
        FakeCoordinator.Sent sent = coordinator.take(ApiKey.OFFSET_COMMIT);
        assertThat(((OffsetCommitRequest) sent.request()).generationIdOrMemberEpoch()).isEqualTo(1);
        assertThat(commit).isNotDone();
    }

    @Test
    void aNewPartitionCountRejoins() {
        member(Optional.empty()).subscribe(Set.of("orders"));
        joinAlone("m-1", 1, List.of(P0, P1, P2));
        steps.last().done().complete(null);
        coordinator.topic("orders", 4);
        run();
        assertThat(member.state()).isIn(ClassicMember.State.REVOKING, ClassicMember.State.JOINING);
    }

    @Test
    void aNewSubscriptionRejoins() {
        coordinator.topic("payments", 1);
        member(Optional.empty()).subscribe(Set.of("orders"));
        joinAlone("m-1", 1, List.of(P0, P1, P2));
        steps.last().done().complete(null);
        member.subscribe(Set.of("orders", "payments"));
        run();
        assertThat(steps.last().kind()).isEqualTo("revoke");
        steps.last().done().complete(null);
        run();
        assertThat(FakeCoordinator.subscription(coordinator.next(ApiKey.JOIN_GROUP).request()).topics())
                .containsExactly("orders", "payments");
    }

    // ---- found by review ----

    @Test
    void aCommitMadeBeforeTheMemberLostItsGenerationIsNeverSentInALaterOne() {
        member(Optional.empty()).subscribe(Set.of("orders"));
        joinAlone("m-1", 1, List.of(P0));
        CompletableFuture<Void> first = member.commit(Map.of(P0, OffsetAndMetadata.of(1)), Long.MAX_VALUE);
        CompletableFuture<Void> second = member.commit(Map.of(P0, OffsetAndMetadata.of(2)), Long.MAX_VALUE);
        run();
        FakeCoordinator.Sent sent = coordinator.take(ApiKey.OFFSET_COMMIT);
        clock.advance(HEARTBEAT);
        run();
        coordinator.take(ApiKey.HEARTBEAT).answer(FakeCoordinator.heartbeat(ErrorCode.ILLEGAL_GENERATION));
        run();
        assertThat(coordinator.waiting(ApiKey.JOIN_GROUP)).as("no join while commits wait").isFalse();
        sent.answer(FakeCoordinator.committed(sent.request(), ErrorCode.ILLEGAL_GENERATION));
        run();
        assertThat(second).isCompletedExceptionally();
        assertThatThrownBy(second::get).cause().isInstanceOf(CommitFailedException.class)
                .hasMessageContaining("generation 1").hasMessageContaining("was not sent");
        assertThat(coordinator.waiting(ApiKey.OFFSET_COMMIT)).isFalse();
        assertThat(first).isCompletedExceptionally();
        assertThat(coordinator.next(ApiKey.JOIN_GROUP)).isNotNull();
    }

    /** A cooperative member owns t-0..t-2 when the group starts rebalancing; its JoinGroup waits. */
    private void cooperativeMemberOwningAllRebalancing() {
        balancer = new ScriptedBalancer(Set.of(GroupBalancer.Protocol.EAGER, GroupBalancer.Protocol.COOPERATIVE));
        member(Optional.empty()).subscribe(Set.of("orders"));
        joinAlone("m-1", 1, List.of(P0, P1, P2));
        clock.advance(HEARTBEAT);
        run();
        coordinator.next(ApiKey.HEARTBEAT).answer(FakeCoordinator.heartbeat(ErrorCode.REBALANCE_IN_PROGRESS));
        run();
    }

    @Test
    void aCooperativeLossTakesThePartitionsStillBeingRevokedToo() {
        cooperativeMemberOwningAllRebalancing();
        coordinator.next(ApiKey.JOIN_GROUP).answer(FakeCoordinator.joined("m-1", 2, "other", "scripted", Map.of()));
        run();
        coordinator.next(ApiKey.SYNC_GROUP).answer(FakeCoordinator.synced(List.of(P0)));
        run();
        // The application holds the revoke of t-1 and t-2; the group goes on without the member.
        clock.advance(HEARTBEAT);
        run();
        coordinator.next(ApiKey.HEARTBEAT).answer(FakeCoordinator.heartbeat(ErrorCode.UNKNOWN_MEMBER_ID));
        run();
        assertThat(steps.last().kind()).isEqualTo("lose");
        assertThat(steps.last().partitions()).containsExactlyInAnyOrder(P0, P1, P2);
    }

    @Test
    void aJoinAnsweredUnknownMemberIdLosesWhatACooperativeMemberStillOwns() {
        cooperativeMemberOwningAllRebalancing();
        coordinator.next(ApiKey.JOIN_GROUP).answer(FakeCoordinator.joinError(ErrorCode.UNKNOWN_MEMBER_ID, ""));
        run();
        assertThat(steps.last().kind()).isEqualTo("lose");
        assertThat(steps.last().partitions()).containsExactlyInAnyOrder(P0, P1, P2);
        JoinGroupRequest again = coordinator.next(ApiKey.JOIN_GROUP).request();
        assertThat(again.memberId()).isEmpty();
        assertThat(FakeCoordinator.subscription(again).owned()).isEmpty();
    }

    @Test
    void aSubscriptionToNothingStillJoinsAndGivesUpWhatItHad() {
        member(Optional.empty()).subscribe(Set.of("orders"));
        joinAlone("m-1", 1, List.of(P0, P1, P2));
        steps.last().done().complete(null);
        member.subscribe(Set.of()); // a pattern whose topics were all deleted
        run();
        assertThat(steps.last().kind()).isEqualTo("revoke");
        steps.last().done().complete(null);
        run();
        assertThat(FakeCoordinator.subscription(coordinator.next(ApiKey.JOIN_GROUP).request()).topics()).isEmpty();
    }

    @Test
    void aSlowMetadataRefreshDoesNotMakeTheGroupThreadSpin() {
        coordinator.holdRefreshes = true;
        member(Optional.empty()).subscribe(Set.of("not-yet"));
        run();
        assertThat(coordinator.heldRefreshes()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(5)); // the 1 s retry for a missing topic is long past
        assertThat(member.runOnce()).isGreaterThan(Duration.ofMillis(50).toNanos());
        assertThat(coordinator.heldRefreshes()).isEqualTo(1);
    }

    @Test
    void aCoordinatorLookupRefusedForGoodFailsTheMemberNamingTheError() {
        coordinator.lookupError = ErrorCode.GROUP_AUTHORIZATION_FAILED;
        member(Optional.empty()).subscribe(Set.of("orders"));
        run();
        assertThat(member.state()).isEqualTo(ClassicMember.State.FAILED);
        assertThat(steps.failed).hasMessageContaining("GROUP_AUTHORIZATION_FAILED");
    }

    @Test
    void aStaticLeaderThatSkipsTheAssignmentStillRejoinsWhenATopicGrows() {
        coordinator.topic("orders", 1);
        member(Optional.of("instance-a")).subscribe(Set.of("orders"));
        run();
        FakeCoordinator.Sent join = coordinator.next(ApiKey.JOIN_GROUP);
        byte[] sub = ((JoinGroupRequest) join.request()).protocols().get(0).metadata();
        join.answer(FakeCoordinator.joined("m-2", 4, "m-2", "scripted", Map.of("m-2", sub)).setSkipAssignment(true));
        run();
        coordinator.next(ApiKey.SYNC_GROUP).answer(FakeCoordinator.synced(List.of(P0)));
        run();
        steps.last().done().complete(null);
        coordinator.topic("orders", 2);
        run();
        assertThat(member.state()).isIn(ClassicMember.State.REVOKING, ClassicMember.State.JOINING);
    }
}
