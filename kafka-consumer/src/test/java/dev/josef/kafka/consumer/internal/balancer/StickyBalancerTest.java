package dev.josef.kafka.consumer.internal.balancer;

import dev.josef.kafka.consumer.spi.GroupBalancer;
import dev.josef.kafka.consumer.spi.GroupBalancer.Member;
import dev.josef.kafka.consumer.spi.GroupBalancer.Protocol;
import dev.josef.kafka.consumer.spi.GroupBalancer.Topic;
import dev.josef.kafka.protocol.TopicPartition;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/**
 * {@code sticky} over random groups living through generations, what each member
 * had coming back in its user data: every result valid, as balanced as the
 * subscriptions allow, and keeping every partition balance lets stay.
 */
class StickyBalancerTest {
    private static final GroupBalancer STICKY = GroupBalancer.sticky();
    private static final int GROUPS = 400;
    private static final int GENERATIONS = 12;

    @Test
    void sameSubscriptionsGiveSharesWithinOneAndKeepAllThatBalanceAllows() {
        Random random = new Random(11);
        for (int g = 0; g < GROUPS; g++) {
            Rebalances group = new Rebalances(random, true, g % 2 == 0);
            for (int gen = 0; gen < GENERATIONS; gen++) {
                group.change();
                Map<String, Member> members = group.members(STICKY, false);
                Map<String, Topic> topics = group.topics();
                Map<String, java.util.Set<TopicPartition>> before = group.stillValid();
                Map<String, List<TopicPartition>> result = STICKY.assign(members, topics);
                String where = "group " + g + " generation " + gen;

                assertThatCode(() -> Assignments.check(Protocol.EAGER, members, topics, result)).as(where)
                    .doesNotThrowAnyException();
                assertThat(Rebalances.spread(result)).as(where).isLessThanOrEqualTo(1);
                assertThat(Rebalances.retained(result, before)).as(where)
                    .isEqualTo(Rebalances.mostKeepable(before, Rebalances.partitionCount(topics)));
                group.adopt(result);
            }
        }
    }

    @Test
    void differentSubscriptionsGiveResultsNoSingleMoveCouldEvenOut() {
        Random random = new Random(12);
        for (int g = 0; g < GROUPS; g++) {
            Rebalances group = new Rebalances(random, false, g % 2 == 0);
            for (int gen = 0; gen < GENERATIONS; gen++) {
                group.change();
                Map<String, Member> members = group.members(STICKY, false);
                Map<String, Topic> topics = group.topics();
                Map<String, List<TopicPartition>> result = STICKY.assign(members, topics);
                String where = "group " + g + " generation " + gen;

                assertThatCode(() -> Assignments.check(Protocol.EAGER, members, topics, result)).as(where)
                    .doesNotThrowAnyException();
                assertThat(Rebalances.evenableByOneMove(members, result)).as(where).isEmpty();
                group.adopt(result);
            }
        }
    }

    @Test
    void aGroupThatDidNotChangeKeepsItsAssignment() {
        Random random = new Random(13);
        for (int g = 0; g < GROUPS; g++) {
            Rebalances group = new Rebalances(random, g % 2 == 0, g % 3 == 0);
            for (int gen = 0; gen < GENERATIONS; gen++) {
                group.change();
                group.adopt(STICKY.assign(group.members(STICKY, false), group.topics()));
                Map<String, List<TopicPartition>> settled = Map.copyOf(group.owned);

                Map<String, List<TopicPartition>> again = STICKY.assign(group.members(STICKY, false), group.topics());

                assertThat(Group.sorted(again)).as("group " + g + " generation " + gen).isEqualTo(Group.sorted(settled));
                group.adopt(again);
            }
        }
    }

    @Test
    void aPartitionTwoMembersClaimGoesToTheOneOfTheLaterGeneration() {
        Map<String, List<TopicPartition>> result = STICKY.assign(
            Map.of("a", had("a", 4, tp(0), tp(1)), "b", had("b", 3, tp(1))), Map.of("t", new Topic("t", 3)));

        assertThat(result.get("a")).containsExactly(tp(0), tp(1));
        assertThat(result.get("b")).containsExactly(tp(2));
    }

    @Test
    void aPartitionTwoMembersClaimInOneGenerationIsKeptByNeither() {
        Map<String, List<TopicPartition>> result = STICKY.assign(
            Map.of("a", had("a", 3, tp(0), tp(1)), "b", had("b", 3, tp(1))), Map.of("t", new Topic("t", 3)));

        // Had a kept t-1, its share (two) would have let it keep both.
        assertThat(result.get("a")).containsExactly(tp(0), tp(2));
        assertThat(result.get("b")).containsExactly(tp(1));
    }

    @Test
    void aMemberThatSendsNoUserDataIsANewMember() {
        assertThat(STICKY.userData(Set.of("t"), Set.of(), -1)).isNull();

        Map<String, List<TopicPartition>> result = STICKY.assign(
            Map.of("a", had("a", 2, tp(0), tp(1), tp(2), tp(3)), "b", member("b", null)),
            Map.of("t", new Topic("t", 4)));

        assertThat(result.get("a")).containsExactly(tp(0), tp(1));
        assertThat(result.get("b")).containsExactly(tp(2), tp(3));
    }

    @Test
    void unreadableUserDataCostsTheMemberItsStickinessNotTheRebalance() {
        ByteBuffer garbage = ByteBuffer.wrap(new byte[] {0, 0, 0, 9, 1});

        Map<String, List<TopicPartition>> result = STICKY.assign(
            Map.of("a", member("a", garbage), "b", had("b", 1, tp(0), tp(1))), Map.of("t", new Topic("t", 2)));

        assertThat(result.get("a")).hasSize(1);
        assertThat(result.get("b")).hasSize(1).isSubsetOf(tp(0), tp(1));
    }

    private static Member had(String id, int generation, TopicPartition... partitions) {
        return member(id, STICKY.userData(Set.of("t"), Set.of(partitions), generation));
    }

    private static Member member(String id, ByteBuffer userData) {
        return new Member(id, Optional.empty(), List.of("t"), userData, List.of(), -1, Optional.empty());
    }

    private static TopicPartition tp(int partition) {
        return new TopicPartition("t", partition);
    }
}
