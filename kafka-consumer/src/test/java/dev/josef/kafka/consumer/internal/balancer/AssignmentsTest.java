package dev.josef.kafka.consumer.internal.balancer;

import dev.josef.kafka.consumer.spi.GroupBalancer.Member;
import dev.josef.kafka.consumer.spi.GroupBalancer.Protocol;
import dev.josef.kafka.consumer.spi.GroupBalancer.Topic;
import dev.josef.kafka.protocol.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The leader's check of an assignment catches each kind of mistake, and names it. */
class AssignmentsTest {
    private static final Map<String, Topic> TOPICS = Map.of("orders", new Topic("orders", 2), "audit", new Topic("audit", 1));
    private static final Map<String, Member> MEMBERS = Map.of(
        "a", member("a", List.of("orders", "audit")),
        "b", member("b", List.of("orders")));

    @Test
    void aValidAssignmentPasses() {
        assertThatCode(() -> Assignments.check(Protocol.EAGER, MEMBERS, TOPICS,
            Map.of("a", List.of(tp("orders", 0), tp("audit", 0)), "b", List.of(tp("orders", 1)))))
            .doesNotThrowAnyException();
    }

    @Test
    void aPartitionAssignedTwiceIsCaught() {
        assertThatThrownBy(() -> Assignments.check(Protocol.EAGER, MEMBERS, TOPICS,
            Map.of("a", List.of(tp("orders", 0), tp("orders", 1), tp("audit", 0)), "b", List.of(tp("orders", 1)))))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("orders-1 is assigned twice");
    }

    @Test
    void aPartitionAssignedToNobodyIsCaught() {
        assertThatThrownBy(() -> Assignments.check(Protocol.EAGER, MEMBERS, TOPICS,
            Map.of("a", List.of(tp("audit", 0)), "b", List.of(tp("orders", 1)))))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("orders-0 of subscribed topic orders is assigned to no member");
    }

    @Test
    void aPartitionPastItsTopicsEndIsCaught() {
        assertThatThrownBy(() -> Assignments.check(Protocol.EAGER, MEMBERS, TOPICS,
            Map.of("a", List.of(tp("orders", 0), tp("audit", 0)), "b", List.of(tp("orders", 1), tp("orders", 2)))))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("orders-2 assigned to b is unknown: topic orders has 2 partitions");
    }

    @Test
    void aPartitionOfAnUnknownTopicIsCaught() {
        assertThatThrownBy(() -> Assignments.check(Protocol.EAGER, MEMBERS, TOPICS,
            Map.of("a", List.of(tp("orders", 0), tp("audit", 0), tp("ghost", 0)), "b", List.of(tp("orders", 1)))))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("ghost-0 assigned to a is of unknown topic ghost");
    }

    @Test
    void aPartitionAssignedToAMemberThatDoesNotSubscribeToItsTopicIsCaught() {
        assertThatThrownBy(() -> Assignments.check(Protocol.EAGER, MEMBERS, TOPICS,
            Map.of("a", List.of(tp("orders", 0)), "b", List.of(tp("orders", 1), tp("audit", 0)))))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("audit-0 is assigned to b, which does not subscribe to topic audit");
    }

    @Test
    void aMemberWithoutAnEntryIsCaught() {
        assertThatThrownBy(() -> Assignments.check(Protocol.EAGER, MEMBERS, TOPICS,
            Map.of("a", List.of(tp("orders", 0), tp("orders", 1), tp("audit", 0)))))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("member b has no entry in the assignment");
    }

    @Test
    void anEntryForSomeoneNotInTheGroupIsCaught() {
        assertThatThrownBy(() -> Assignments.check(Protocol.EAGER, MEMBERS, TOPICS,
            Map.of("a", List.of(tp("orders", 0), tp("audit", 0)), "b", List.of(tp("orders", 1)), "c", List.of())))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("names c, which is not a member of the group");
    }

    @Test
    void underCooperativeAPartitionAssignedAwayFromAMemberThatStillOwnsItIsCaught() {
        Map<String, Member> members = Map.of(
            "a", owning("a", List.of("orders", "audit"), tp("orders", 0)),
            "b", owning("b", List.of("orders")));

        assertThatThrownBy(() -> Assignments.check(Protocol.COOPERATIVE, members, TOPICS,
            Map.of("a", List.of(tp("audit", 0)), "b", List.of(tp("orders", 0), tp("orders", 1)))))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("orders-0 is assigned to b while a still owns it");
    }

    @Test
    void underCooperativeAPartitionWithheldFromTheNextOwnerWhileAMemberOwnsItPasses() {
        Map<String, Member> members = Map.of(
            "a", owning("a", List.of("orders", "audit"), tp("orders", 0), tp("orders", 1)),
            "b", owning("b", List.of("orders")));

        assertThatCode(() -> Assignments.check(Protocol.COOPERATIVE, members, TOPICS,
            Map.of("a", List.of(tp("orders", 0), tp("audit", 0)), "b", List.of())))
            .doesNotThrowAnyException();
    }

    @Test
    void underEagerAPartitionLeftOutIsCaughtEvenIfAMemberReportsIt() {
        Map<String, Member> members = Map.of(
            "a", owning("a", List.of("orders", "audit"), tp("orders", 1)),
            "b", owning("b", List.of("orders")));

        assertThatThrownBy(() -> Assignments.check(Protocol.EAGER, members, TOPICS,
            Map.of("a", List.of(tp("orders", 0), tp("audit", 0)), "b", List.of())))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("orders-1 of subscribed topic orders is assigned to no member");
    }

    private static Member member(String id, List<String> topics) {
        return new Member(id, Optional.empty(), topics, null, List.of(), -1, Optional.empty());
    }

    private static Member owning(String id, List<String> topics, TopicPartition... owned) {
        return new Member(id, Optional.empty(), topics, null, List.of(owned), 3, Optional.empty());
    }

    private static TopicPartition tp(String topic, int partition) {
        return new TopicPartition(topic, partition);
    }
}
